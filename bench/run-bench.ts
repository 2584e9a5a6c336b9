/**
 * `make bench`: times `minewatch scan` against the GDAL/numpy/scipy peer (../shared/bench/peer_ndvi.py)
 * on the same before/after pair, alternating the two in one run, and prints a markdown report
 * (also written to .cache/bench/results.md). A benchmark, not a test: it asserts nothing.
 *
 *   npx tsx bench/run-bench.ts [--sizes 4096,10980] [--runs 3] [--data peer,ours] [--timeout 1200]
 *                              [--skip-peer] [--skip-http] [--skip-scaling] [--baseline DIR]
 *
 * Per size, on the peer's own data (gen_s2.py --earth-search): ours with the default command and
 * with --no-evidence, the peer, on the same files, plus the DEFLATE decode floor of those files.
 * Per size, on our bench world: ours from local files (default and --no-evidence), ours through the
 * local STAC API (serve-catalog) with 0 and 50 ms added latency, the peer from local files and over
 * HTTP (/vsicurl/) with 0 and 50 ms. On the 4096 world, also ours on AOIs of 1, 4, 9 and 16 internal
 * tiles. See bench/README.md.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shellLine, timed } from './measure.js';
import {
  codeVersion,
  describeMachine,
  distBuiltAt,
  ensurePeer,
  ensureTime,
  PEER_PYTHON,
  type Installs,
} from './prereqs.js';
import type { DecodeFloor } from './decode-floor.js';
import { ensurePeerData, type PeerData } from './peer-data.js';
import { renderReport, type SizeSection } from './report.js';
import { readPeerLine, readRunJson, summarise, type CaseDef, type RunRecord } from './results.js';
import { startServer, stopAllServers, type ServerProcess } from './server-process.js';
import {
  AFTER,
  BEFORE,
  ensureWorld,
  loadWorld,
  writeBlockAoi,
  writeFullAoi,
  type BenchWorld,
} from './worlds.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(REPO, '.cache', 'bench');
/** The peer and its generator: ../shared/bench beside the repository, or $MINEWATCH_SHARED_BENCH. */
const SHARED_BENCH = path.resolve(
  process.env['MINEWATCH_SHARED_BENCH'] ?? path.join(REPO, '../shared/bench'),
);
const PEER_SCRIPT = path.join(SHARED_BENCH, 'peer_ndvi.py');
const PEER_GENERATOR = path.join(SHARED_BENCH, 'gen_s2.py');
const DECODE_FLOOR = path.join(REPO, 'bench', 'decode-floor.ts');
const CLI = 'dist/cli/main.js';
const LATENCIES = [0, 50] as const;
const SCALING_SIZE = 4096;
const SCALING_K = [1, 2, 3, 4];

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const rel = (p: string): string => path.relative(REPO, p) || '.';

interface Options {
  sizes: number[];
  /**
   * Another checkout of minewatch (its dist/ built), timed beside this one on the peer's data:
   * before/after figures for a change, from the same alternating run.
   */
  baseline?: string;
  /** Which data: the peer's gen_s2.py files (the headline), our own bench worlds, or both. */
  data: { peer: boolean; ours: boolean };
  runs: number;
  timeoutMs: number;
  peer: boolean;
  http: boolean;
  scaling: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '4096,10980' },
      runs: { type: 'string', default: '3' },
      timeout: { type: 'string', default: '1200' },
      'skip-peer': { type: 'boolean', default: false },
      'skip-http': { type: 'boolean', default: false },
      'skip-scaling': { type: 'boolean', default: false },
      data: { type: 'string', default: 'peer,ours' },
      baseline: { type: 'string' },
    },
  });
  const baseline = values.baseline === undefined ? undefined : path.resolve(values.baseline);
  if (baseline !== undefined && !existsSync(path.join(baseline, CLI)))
    throw new Error(`--baseline: ${baseline} has no ${CLI} (build it there first)`);
  const data = values.data.split(',').map((d) => d.trim());
  if (data.length === 0 || data.some((d) => d !== 'peer' && d !== 'ours'))
    throw new Error(`--data: peer and/or ours, not ${values.data}`);
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => s !== 4096 && s !== 10980))
    throw new Error(`--sizes: 4096 and/or 10980, not ${values.sizes}`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a positive integer, not ${values.runs}`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) throw new Error(`--timeout: seconds per run, not ${values.timeout}`);
  return {
    sizes,
    ...(baseline !== undefined ? { baseline } : {}),
    data: { peer: data.includes('peer'), ours: data.includes('ours') },
    runs,
    timeoutMs: timeout * 1000,
    peer: !values['skip-peer'],
    http: !values['skip-http'],
    scaling: !values['skip-scaling'],
  };
}

/** How to run one case once; built per size, after the servers are up. */
interface Runnable {
  def: CaseDef;
  cmd: string;
  args: (run: number) => string[];
  env?: NodeJS.ProcessEnv;
  outDir?: string;
}

function scanCase(
  def: CaseDef,
  stac: string,
  aoi: string,
  outDir: string,
  evidence: 'default' | 'no-evidence' = 'no-evidence',
  cli: string = CLI,
): Runnable {
  return {
    def,
    cmd: 'node',
    outDir,
    args: () => [
      cli,
      'scan',
      '--stac',
      stac,
      '--aoi',
      rel(aoi),
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      rel(outDir),
      '--json',
      '--quiet',
      // `--no-evidence` is like for like with the peer, which writes no pictures; the default
      // command (chips, overlays, report.html, the copies) is what a user types.
      ...(evidence === 'no-evidence' ? ['--no-evidence'] : []),
    ],
  };
}

function peerCase(
  def: CaseDef,
  before: string,
  after: string,
  env?: NodeJS.ProcessEnv,
  offsets: 'stated' | 'from-items' = 'stated',
): Runnable {
  // Our worlds: the pair's DN offsets stated rather than read from the items (the after item
  // declares 0). The peer's data: each item declares its own, which the peer applies.
  const offsetArgs = offsets === 'stated' ? ['--offset-before', '0', '--offset-after', '-1000'] : [];
  return {
    def,
    cmd: PEER_PYTHON,
    args: () => [rel(PEER_SCRIPT), before, after, ...offsetArgs],
    ...(env ? { env } : {}),
  };
}

async function runOnce(r: Runnable, run: number, timeoutMs: number): Promise<RunRecord> {
  if (r.outDir) rmSync(r.outDir, { recursive: true, force: true });
  const timedRun = await timed(r.cmd, r.args(run), {
    cwd: REPO,
    timeoutMs,
    ...(r.env ? { env: r.env } : {}),
  });
  const rec: RunRecord = { caseId: r.def.id, run, timed: timedRun };
  if (timedRun.ok && r.def.who === 'ours' && r.outDir) {
    const extra = readRunJson(r.outDir);
    if (typeof extra === 'string') rec.note = extra;
    else {
      rec.ours = extra;
      if (r.def.expectedBlocks !== null && extra.blocks !== r.def.expectedBlocks)
        rec.note = `planned ${extra.blocks} blocks, expected ${r.def.expectedBlocks}`;
    }
  }
  if (timedRun.ok && r.def.who === 'peer') {
    const extra = readPeerLine(timedRun.stdout);
    if (typeof extra === 'string') rec.note = extra;
    else rec.peer = extra;
  }
  const t = timedRun.figures;
  log(
    `  ${r.def.id} run ${run}: ` +
      (timedRun.ok && t
        ? `${t.wallS.toFixed(2)} s wall, ${t.rssMiB.toFixed(0)} MiB`
        : `FAILED (${timedRun.failure ?? '?'})`) +
      (rec.note ? ` [${rec.note}]` : ''),
  );
  return rec;
}

/** Runs every case `runs` times, alternating; odd runs go in reverse order to cancel order effects. */
async function alternate(cases: Runnable[], runs: number, timeoutMs: number): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (let run = 1; run <= runs; run++) {
    const order = run % 2 === 1 ? cases : [...cases].reverse();
    for (const c of order) records.push(await runOnce(c, run, timeoutMs));
  }
  return records;
}

/** The item as the server publishes it (http hrefs), saved for peer_ndvi.py's STAC-item input. */
async function servedItem(
  server: ServerProcess,
  world: BenchWorld,
  id: string,
  file: string,
): Promise<string> {
  const url = `${server.url}/collections/${world.collection}/items/${id}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await res.text());
  return file;
}

function fullBlocks(w: BenchWorld): number {
  return Math.ceil(w.width / w.tileSize) * Math.ceil(w.height / w.tileSize);
}

async function benchSize(
  world: BenchWorld,
  opts: Options,
  peerSkip: string | null,
  records: RunRecord[],
  labels: Map<string, string>,
): Promise<SizeSection> {
  const n = world.size;
  const aoi = writeFullAoi(world, path.join(CACHE, 'aoi', `full-${n}.geojson`));
  const out = (id: string): string => path.join(CACHE, 'out', String(n), id);
  const def = (id: string, label: string, who: CaseDef['who'], peerId?: string): CaseDef => {
    labels.set(`${n}/${id}`, `${n}: ${label}`);
    return { id: `${n}/${id}`, label, who, expectedBlocks: fullBlocks(world), ...(peerId ? { peerId } : {}) };
  };
  const cases: Runnable[] = [];
  const skipped: string[] = [];
  const servers: ServerProcess[] = [];
  const serverLines: string[] = [];
  const peer = opts.peer && peerSkip === null;
  if (!peer) skipped.push(`the peer: ${peerSkip ?? '--skip-peer'}`);
  cases.push(
    scanCase(
      def('ours-local-default', 'ours, local files, default command', 'ours', `${n}/peer-local`),
      rel(world.itemsFile),
      aoi,
      out('ours-local-default'),
      'default',
    ),
    scanCase(
      def('ours-local', 'ours, local files, --no-evidence', 'ours', `${n}/peer-local`),
      rel(world.itemsFile),
      aoi,
      out('ours-local'),
    ),
  );
  if (peer)
    cases.push(
      peerCase(def('peer-local', 'peer, local files', 'peer'), rel(world.before.dir), rel(world.after.dir)),
    );
  try {
    if (opts.http) {
      for (const lat of LATENCIES) {
        const server = await startServer(REPO, world.dir, lat);
        servers.push(server);
        serverLines.push(
          `# server (${lat} ms), printed ${server.url}\n${shellLine(
            'node',
            server.args.map((a) => (a === world.dir ? rel(a) : a)),
          )} &`,
        );
        cases.push(
          scanCase(
            def(`ours-api-${lat}`, `ours, STAC API +${lat} ms`, 'ours', `${n}/peer-http-${lat}`),
            server.url,
            aoi,
            out(`ours-api-${lat}`),
          ),
        );
        if (peer) {
          const dir = path.join(CACHE, 'peer-items', `${n}-lat${lat}`);
          const b = await servedItem(server, world, world.before.id, path.join(dir, 'before.json'));
          const a = await servedItem(server, world, world.after.id, path.join(dir, 'after.json'));
          // EMPTY_DIR: GDAL would otherwise list the asset folder over HTTP on every open (the COG advice).
          const env = {
            ...process.env,
            GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
            NO_PROXY: '127.0.0.1,localhost',
            no_proxy: '127.0.0.1,localhost',
          };
          cases.push(
            peerCase(def(`peer-http-${lat}`, `peer, /vsicurl/ +${lat} ms`, 'peer'), rel(b), rel(a), env),
          );
        }
      }
    } else skipped.push('HTTP cases: --skip-http');
    // Keep ours and the peer interleaved: ours-local, peer-local, ours-api-0, peer-http-0, ...
    log(`${n}: ${cases.length} cases x ${opts.runs} runs`);
    records.push(...(await alternate(cases, opts.runs, opts.timeoutMs)));
  } finally {
    for (const s of servers) await s.stop();
  }
  return {
    size: n,
    world: rel(world.dir),
    pair: `before ${world.before.id}, after ${world.after.id} (${world.itemCount} items in the catalogue; the scan drops duplicates)`,
    commands: cases.map((c) => [c.def.id, shellLine(c.cmd, c.args(1))]),
    servers: serverLines,
    summaries: cases.map((c) => summarise(c.def, records)),
    skipped,
  };
}

/** The decode floor of the files a case reads (bench/decode-floor.ts), measured once per size. */
async function decodeFloor(itemsFile: string, timeoutMs: number): Promise<DecodeFloor | string> {
  const run = await timed(process.execPath, ['--import', 'tsx', rel(DECODE_FLOOR), rel(itemsFile)], {
    cwd: REPO,
    timeoutMs,
  });
  if (!run.ok)
    return `decode floor failed: ${run.failure ?? '?'} ${run.stderrTail.trim().split('\n').pop() ?? ''}`;
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as DecodeFloor;
  } catch {
    return `decode floor printed no JSON line: ${line.slice(0, 200)}`;
  }
}

/** The peer's gen_s2.py data: ours with and without evidence, and the peer, on the same files. */
async function benchPeerData(
  data: PeerData,
  opts: Options,
  peerSkip: string | null,
  records: RunRecord[],
  labels: Map<string, string>,
): Promise<SizeSection> {
  const n = data.size;
  const out = (id: string): string => path.join(CACHE, 'out', `es-${n}`, id);
  const def = (id: string, label: string, who: CaseDef['who'], peerId?: string): CaseDef => {
    labels.set(`es-${n}/${id}`, `peer data ${n}: ${label}`);
    return { id: `es-${n}/${id}`, label, who, expectedBlocks: null, ...(peerId ? { peerId } : {}) };
  };
  const peer = opts.peer && peerSkip === null;
  const cases: Runnable[] = [
    scanCase(
      def('ours-default', 'ours, default command', 'ours', `es-${n}/peer`),
      rel(data.itemsFile),
      data.aoiFile,
      out('ours-default'),
      'default',
    ),
    scanCase(
      def('ours-no-evidence', 'ours, --no-evidence', 'ours', `es-${n}/peer`),
      rel(data.itemsFile),
      data.aoiFile,
      out('ours-no-evidence'),
    ),
  ];
  if (opts.baseline !== undefined) {
    const cli = path.join(opts.baseline, CLI);
    const version = codeVersion(opts.baseline);
    const at = version.startsWith('unknown') ? path.basename(opts.baseline) : version;
    cases.push(
      scanCase(
        def('baseline-default', `baseline ${at}, default command`, 'ours', `es-${n}/peer`),
        rel(data.itemsFile),
        data.aoiFile,
        out('baseline-default'),
        'default',
        cli,
      ),
      scanCase(
        def('baseline-no-evidence', `baseline ${at}, --no-evidence`, 'ours', `es-${n}/peer`),
        rel(data.itemsFile),
        data.aoiFile,
        out('baseline-no-evidence'),
        'no-evidence',
        cli,
      ),
    );
  }
  if (peer)
    cases.push(
      peerCase(
        def('peer', 'peer, local files', 'peer'),
        rel(data.before.itemFile),
        rel(data.after.itemFile),
        undefined,
        'from-items',
      ),
    );
  log(`peer data ${n}: decode floor of the files read`);
  const floor = await decodeFloor(data.itemsFile, opts.timeoutMs);
  log(`peer data ${n}: ${cases.length} cases x ${opts.runs} runs`);
  records.push(...(await alternate(cases, opts.runs, opts.timeoutMs)));
  return {
    size: n,
    world: rel(data.dir),
    pair: `before ${data.before.id}, after ${data.after.id} (gen_s2.py --earth-search, seed 47, p2_t1024; the AOI is its aoi.geojson)`,
    commands: [
      ...cases.map((c): [string, string] => [c.def.id, shellLine(c.cmd, c.args(1))]),
      [
        'decode floor',
        shellLine(process.execPath, ['--import', 'tsx', rel(DECODE_FLOOR), rel(data.itemsFile)]),
      ],
    ],
    servers: [],
    summaries: cases.map((c) => summarise(c.def, records)),
    skipped: peer ? [] : [`the peer: ${peerSkip ?? '--skip-peer'}`],
    peerData: { floor },
  };
}

async function benchScaling(
  world: BenchWorld,
  opts: Options,
  records: RunRecord[],
  labels: Map<string, string>,
): Promise<SizeSection> {
  const cases = SCALING_K.filter((k) => k * world.tileSize <= Math.min(world.width, world.height)).map(
    (k) => {
      const id = `scaling/${k}x${k}`;
      labels.set(id, `scaling: ${k}x${k} tiles`);
      const aoi = writeBlockAoi(world, k, path.join(CACHE, 'aoi', `blocks-${world.size}-${k}x${k}.geojson`));
      return scanCase(
        { id, label: `${k}x${k} (${k * k} tile${k === 1 ? '' : 's'})`, who: 'ours', expectedBlocks: k * k },
        rel(world.itemsFile),
        aoi,
        path.join(CACHE, 'out', 'scaling', `${k}x${k}`),
      );
    },
  );
  log(`scaling: ${cases.length} AOIs x ${opts.runs} runs`);
  records.push(...(await alternate(cases, opts.runs, opts.timeoutMs)));
  return {
    size: world.size,
    world: rel(world.dir),
    pair: '',
    commands: cases.map((c) => [c.def.id, shellLine(c.cmd, c.args(1))]),
    servers: [],
    summaries: cases.map((c) => summarise(c.def, records)),
    skipped: [],
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const opts = parseOptions(process.argv.slice(2));
  const date = new Date().toISOString();
  const distAtStart = distBuiltAt(REPO);
  const machine = describeMachine();
  const installs: Installs = { notes: [] };
  ensureTime(log, installs);
  const peerSkip = opts.peer ? ensurePeer(PEER_SCRIPT, log, installs) : null;
  if (peerSkip) log(`peer skipped: ${peerSkip}`);
  const records: RunRecord[] = [];
  const labels = new Map<string, string>();
  const sections: SizeSection[] = [];
  const worlds = new Map<number, BenchWorld>();
  // The peer's data first: the headline, since it is the data we did not make.
  const peerDataSkip = !opts.data.peer
    ? null
    : existsSync(PEER_GENERATOR)
      ? null
      : `the peer's data: ${PEER_GENERATOR} not found (set MINEWATCH_SHARED_BENCH to the folder holding gen_s2.py and peer_ndvi.py)`;
  if (peerDataSkip) log(peerDataSkip);
  if (opts.data.peer && !peerDataSkip)
    for (const n of opts.sizes) {
      const data = await ensurePeerData(PEER_GENERATOR, CACHE, n, log);
      sections.push(await benchPeerData(data, opts, peerSkip, records, labels));
    }
  const needed = opts.data.ours
    ? [
        ...new Set([
          ...opts.sizes,
          ...(opts.scaling && opts.sizes.includes(SCALING_SIZE) ? [SCALING_SIZE] : []),
        ]),
      ]
    : [];
  for (const n of needed) worlds.set(n, loadWorld(await ensureWorld(REPO, CACHE, n, log), n));
  if (opts.data.ours)
    for (const n of opts.sizes)
      sections.push(await benchSize(worlds.get(n) as BenchWorld, opts, peerSkip, records, labels));
  let scaling: SizeSection | null = null;
  let scalingSkipped: string | null = null;
  if (!opts.data.ours) scalingSkipped = 'runs on our own 4096 world, not in --data';
  else if (!opts.scaling) scalingSkipped = '--skip-scaling';
  else if (!opts.sizes.includes(SCALING_SIZE))
    scalingSkipped = `runs on the ${SCALING_SIZE} world, not in --sizes`;
  else scaling = await benchScaling(worlds.get(SCALING_SIZE) as BenchWorld, opts, records, labels);
  const distAtEnd = distBuiltAt(REPO);
  const warnings: string[] = peerDataSkip ? [`Skipped ${peerDataSkip}.`] : [];
  if (distAtEnd !== distAtStart)
    warnings.push(
      `dist/ was rebuilt during this run (newest file ${distAtStart} at the start, ${distAtEnd} at the end): the figures mix builds; rerun.`,
    );
  // Other work on the cores stretches wall times (CPU times suffer less); say so rather than hide it.
  const load = os.loadavg()[0] ?? 0;
  if (load > machine.cores || machine.busy)
    warnings.push(
      `The machine was busy (1-minute load average ${machine.loadAvg.split(' ')[0]} at the start, ${load.toFixed(2)} at the end, on ${machine.cores} cores): wall times are noisy; compare CPU s too, and rerun on an idle machine for BENCHMARKS.md.`,
    );
  const report = renderReport({
    date,
    machine,
    code: `${codeVersion(REPO)}, dist built ${distAtStart}`,
    ...(warnings.length > 0 ? { warning: warnings.join(' ') } : {}),
    harness: `npx tsx bench/run-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
    installs: installs.notes,
    runs: opts.runs,
    sizes: sections,
    scaling,
    scalingSkipped,
    records,
    caseLabels: labels,
    totalS: (performance.now() - t0) / 1000,
  });
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(path.join(CACHE, 'results.md'), `${report}\n`);
  process.stdout.write(`${report}\n`);
  log(`report written to ${rel(path.join(CACHE, 'results.md'))}`);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    stopAllServers();
    process.exit(130);
  });

main().catch((err: unknown) => {
  stopAllServers();
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
