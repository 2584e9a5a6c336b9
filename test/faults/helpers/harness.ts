/**
 * What every fault test needs: the built binary run as a child (async spawn: the STAC server lives in
 * the test process), the probe that reports the child's unhandled rejections and peak RSS, output
 * hashes and candidate ids compared with a clean run, the world's usable items, and the records that
 * scripts/faults-summary.ts adds up into the one-line verdict.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../../src/io/atomic.js';
import { startCatalogServer, type CatalogServer } from '../../../src/server/catalog-server.js';
import { faultModes } from './fault-modes.js';
import type { FaultInjector } from '../../../src/server/faults.js';

export const ROOT = path.resolve(__dirname, '../../..');
export const BIN = path.join(ROOT, 'dist/cli/main.js');
export const PROBE = path.join(ROOT, 'test/faults/fixtures/child-probe.mjs');
export const RECORD_DIR = path.join(ROOT, '.cache/faults');
export const BEFORE = '2020-12-01/2021-02-28';
export const AFTER = '2023-12-01/2024-02-29';
export const PRODUCTS = ['candidates', 'ponds', 'clearings'] as const;
export const OUTPUT_FILES = [
  'candidates.geojson',
  'ponds.geojson',
  'clearings.geojson',
  'report.json',
  'report.md',
  'run.json',
];

export interface ProbeEvent {
  event: 'unhandledRejection' | 'uncaughtException' | 'exit' | 'enospc';
  pid: number;
  code?: number;
  maxRssKb?: number;
  message?: string;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Killed by us at the deadline. */
  hung: boolean;
  /** A signal we sent on purpose (SIGKILL/SIGTERM rows). */
  killedByUs: NodeJS.Signals | undefined;
  probe: ProbeEvent[];
}

export interface CliOptions {
  /** SIGKILL and count a hang after this; default 120 s. */
  deadlineMs?: number;
  env?: Record<string, string>;
  /** Called once the child is running; may signal it (kill-point rows). */
  onStart?: (child: ChildProcess, kill: (signal: NodeJS.Signals) => void) => void;
}

let probeSeq = 0;

/** Runs `node --import probe dist/cli/main.js <args>` without blocking this process's event loop. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const probeDir = path.join(tmpdir(), 'mw-fault-probes');
  mkdirSync(probeDir, { recursive: true });
  const probeFile = path.join(probeDir, `${process.pid}-${++probeSeq}-${Date.now()}.jsonl`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', `file://${PROBE}`, BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env, MW_FAULT_PROBE: probeFile },
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    let killedByUs: NodeJS.Signals | undefined;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, opts.deadlineMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const probe = existsSync(probeFile)
        ? readFileSync(probeFile, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as ProbeEvent)
        : [];
      rmSync(probeFile, { force: true });
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, hung, killedByUs, probe });
    });
    opts.onStart?.(child, (sig) => {
      killedByUs ??= sig;
      child.kill(sig);
    });
  });
}

/** `scan` against a STAC URL (or local file) into `out`, quiet, with the test windows. */
export function scanCli(
  stac: string,
  out: string,
  extra: string[] = [],
  opts: CliOptions = {},
): Promise<CliRun> {
  return runCli(
    // The worlds are the legacy collection's shape (the default is Collection 1).
    [
      'scan',
      '--stac',
      stac,
      '--collection',
      'sentinel-2-l2a',
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      out,
      '--quiet',
      ...extra,
    ],
    opts,
  );
}

/** Crashes, hangs and unhandled rejections of one child run. */
export interface Health {
  crashes: number;
  hangs: number;
  unhandledRejections: number;
}

/**
 * A crash is anything but a clean exit or a clear MinewatchError: exit 70 (internal error, with a
 * stack), death by a signal we did not send, an uncaught exception, or V8/native fatal output.
 */
export function health(r: CliRun): Health {
  const unhandled = r.probe.filter((e) => e.event === 'unhandledRejection').length;
  const uncaught = r.probe.filter((e) => e.event === 'uncaughtException').length;
  const signalled = r.signal !== null && r.signal !== r.killedByUs;
  const fatal = /FATAL ERROR|Segmentation fault|Aborted \(core|heap out of memory/.test(r.stderr);
  const crashed = !r.hung && (r.code === 70 || signalled || uncaught > 0 || fatal);
  return { crashes: crashed ? 1 : 0, hangs: r.hung ? 1 : 0, unhandledRejections: unhandled };
}

/** The child's peak RSS in MiB, from the probe (0 when it could not say). */
export function peakRssMb(r: CliRun): number {
  const exit = r.probe.find((e) => e.event === 'exit');
  return (exit?.maxRssKb ?? 0) / 1024;
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function outputHashes(out: string): Record<string, string> {
  return Object.fromEntries(PRODUCTS.map((p) => [p, sha256(path.join(out, `${p}.geojson`))]));
}

/** sha256 of every file in a folder (name -> hash), hidden temp files included. */
/** A copy of a clean run's outputs at `out` (a previous run's products), and their hashes. */
export function previousOutputAt(
  cleanOut: string,
  out: string,
): { out: string; before: Record<string, string> } {
  mkdirSync(path.dirname(out), { recursive: true });
  cpSync(cleanOut, out, { recursive: true });
  return { out, before: folderHashes(out) };
}

export function folderHashes(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, statSync(path.join(dir, f)).isFile() ? sha256(path.join(dir, f)) : 'dir']),
  );
}

export function candidateIds(out: string): string[] {
  const fc = JSON.parse(readFileSync(path.join(out, 'candidates.geojson'), 'utf8')) as {
    features: { properties: { id: string } }[];
  };
  return fc.features.map((f) => f.properties.id);
}

export function duplicates(ids: readonly string[]): number {
  return ids.length - new Set(ids).size;
}

export interface RunJson {
  items: {
    before: string[];
    after: string[];
    skipped: { item: string; reason: string }[];
    dropped: { id: string; reason: string }[];
  };
  http: { requests: number; retries: number; byStatus: Record<string, number> };
  counts: { candidates: number };
}

export function readRun(out: string): RunJson {
  return JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunJson;
}

export interface Clean {
  out: string;
  hashes: Record<string, string>;
  ids: string[];
  run: RunJson;
  ms: number;
  /** Requests per key (method, path, Range) in the clean run: a block may read a tile twice. */
  keyCounts: Map<string, number>;
}

/** Compares a finished run with the clean one. */
export function versusClean(
  out: string,
  clean: Clean,
): { byteIdentical: boolean; lostCandidates: number; duplicateIds: number } {
  const ids = candidateIds(out);
  const have = new Set(ids);
  const h = outputHashes(out);
  return {
    byteIdentical: PRODUCTS.every((p) => h[p] === clean.hashes[p]),
    lostCandidates: clean.ids.filter((id) => !have.has(id)).length,
    duplicateIds: duplicates(ids),
  };
}

/** A temporary folder for one test file, removed by the caller. */
export function tempRoot(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `mw-faults-${name}-`));
}

/** Starts a server on `root` with `faults`, runs `fn`, always closes it. */
export async function withServer<T>(
  root: string,
  faults: FaultInjector | undefined,
  fn: (server: CatalogServer) => Promise<T>,
  opts: { maxLimit?: number } = {},
): Promise<T> {
  const server = await startCatalogServer({
    root,
    basePath: '/v1',
    ...(faults ? { faults } : {}),
    ...(opts.maxLimit ? { maxLimit: opts.maxLimit } : {}),
  });
  try {
    return await fn(server);
  } finally {
    const d = (faults as { dispose?: () => void } | undefined)?.dispose;
    d?.();
    await server.close();
  }
}

/** The clean run of a world: the reference of every R row. */
export async function cleanRun(world: string, out: string): Promise<Clean> {
  const watch = faultModes([]);
  const r = await withServer(world, watch, (s) => scanCli(s.url.href, out));
  if (r.code !== 0) throw new Error(`clean scan failed (${String(r.code)}): ${r.stderr}`);
  const keyCounts = new Map([...watch.counters.requests].map(([k, t]) => [k, t.length]));
  return { out, hashes: outputHashes(out), ids: candidateIds(out), run: readRun(out), ms: r.ms, keyCounts };
}

/** Ids of the items a clean run used, by window, with their MGRS tile. */
export interface UsedItem {
  id: string;
  window: 'before' | 'after';
  grid: string;
}

export function usedItems(clean: Clean): UsedItem[] {
  const grid = (id: string): string => /^S2[A-D]_(\w{5})_/.exec(id)?.[1] ?? id;
  return [
    ...clean.run.items.before.map((id) => ({ id, window: 'before' as const, grid: grid(id) })),
    ...clean.run.items.after.map((id) => ({ id, window: 'after' as const, grid: grid(id) })),
  ];
}

/**
 * Up to `n` items that can each be lost without emptying a tile's window: one per tile and window
 * among those with two or more items, the later one of each group (ids sort by date).
 */
export function victims(clean: Clean, n: number): UsedItem[] {
  const groups = new Map<string, UsedItem[]>();
  for (const u of usedItems(clean)) {
    const k = `${u.grid}/${u.window}`;
    groups.set(k, [...(groups.get(k) ?? []), u]);
  }
  const out: UsedItem[] = [];
  for (const g of [...groups.keys()].sort()) {
    const list = groups.get(g) ?? [];
    if (list.length >= 2) out.push([...list].sort((a, b) => a.id.localeCompare(b.id))[list.length - 1]!);
  }
  return out.slice(0, n);
}

/** The asset path of an item's band as the server serves it (`/assets/.../B04.tif`). */
export const BAND_FILE: Record<string, string> = {
  blue: 'B02.tif',
  green: 'B03.tif',
  red: 'B04.tif',
  nir: 'B08.tif',
  swir16: 'B11.tif',
  scl: 'SCL.tif',
};

export function assetFile(world: string, itemId: string, band: string): string {
  const items = JSON.parse(readFileSync(path.join(world, 'stac', 'items.json'), 'utf8')) as {
    features: { id: string; assets: Record<string, { href: string }> }[];
  };
  const item = items.features.find((f) => f.id === itemId);
  const href = item?.assets[band]?.href;
  if (!href) throw new Error(`no asset ${band} for ${itemId}`);
  return path.resolve(world, 'stac', href);
}

/** One row's outcome, added up by scripts/faults-summary.ts. */
export interface FaultRecord {
  row: string;
  name: string;
  injected: number;
  crashes: number;
  hangs: number;
  unhandledRejections: number;
  lostCandidates: number;
  duplicateIds: number;
  silentWrongPixels: number;
  canaryConnections: number;
  filesOutsideRoot: number;
  /** An R row: its output must be byte-identical to the clean run's. */
  recoverable: boolean;
  byteIdentical: boolean | null;
  /** Expected outcome class and what happened, for the reader of the JSON. */
  outcome?: string;
  /**
   * A row written as `it.fails`: the behaviour needs a change the fault suite may not make (see the
   * test's comment). Its counts are listed by the summary but not added into the verdict line.
   */
  knownFailure?: boolean;
}

const ZERO = {
  injected: 0,
  crashes: 0,
  hangs: 0,
  unhandledRejections: 0,
  lostCandidates: 0,
  duplicateIds: 0,
  silentWrongPixels: 0,
  canaryConnections: 0,
  filesOutsideRoot: 0,
  recoverable: false,
  byteIdentical: null,
};

/** Appends one record to `.cache/faults/<file>.json` (read, append, atomic replace). */
export async function record(
  file: string,
  r: Partial<FaultRecord> & { row: string; name: string },
): Promise<void> {
  mkdirSync(RECORD_DIR, { recursive: true });
  const target = path.join(RECORD_DIR, `${file}.json`);
  const list = existsSync(target) ? (JSON.parse(readFileSync(target, 'utf8')) as FaultRecord[]) : [];
  list.push({ ...ZERO, ...r });
  await writeFileAtomic(target, `${JSON.stringify(list, null, 1)}\n`);
}

/** Adds the health of several runs. */
export function sumHealth(runs: readonly CliRun[]): Health {
  return runs.map(health).reduce(
    (a, h) => ({
      crashes: a.crashes + h.crashes,
      hangs: a.hangs + h.hangs,
      unhandledRejections: a.unhandledRejections + h.unhandledRejections,
    }),
    { crashes: 0, hangs: 0, unhandledRejections: 0 },
  );
}

/** Every file under `dir`, relative, recursively (for "files outside the output root"). */
export function listTree(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [path.relative(base, p) + '/', ...listTree(p, base)] : [path.relative(base, p)];
  });
}

/** The stderr of a failed run is exactly one `minewatch: ...` line. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trim().split('\n');
  return lines.length === 1 && /^minewatch: /.test(lines[0] ?? '');
}

/** A search-page rewrite that removes `ids` from every page (the reference run "without them"). */
export function withoutItems(ids: readonly string[]): (body: Record<string, unknown>) => unknown {
  return (body) => {
    const features = body['features'];
    if (!Array.isArray(features)) return body;
    const kept = features.filter((f) => !ids.includes((f as { id?: string }).id ?? ''));
    return { ...body, features: kept, numberReturned: kept.length };
  };
}
