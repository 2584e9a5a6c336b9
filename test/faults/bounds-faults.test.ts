/**
 * Rows 40-43: a hostile catalogue, image or AOI must not exhaust memory, and nothing may keep a run
 * alive for ever. Each row drives a real `minewatch scan` child (or, for the AOI, our checker in
 * this process) and records the figure it checks: the child's peak RSS (process.resourceUsage at
 * exit, from the probe), the exit code and its one line, the server's bytes sent. No row asserts
 * elapsed time: they wait for exit codes and server events.
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FaultContext, FaultDecision, FaultInjector } from '../../src/server/faults.js';
import {
  cleanRun,
  folderHashes,
  health,
  isOneLineError,
  peakRssMb,
  record,
  scanCli,
  tempRoot,
  withServer,
  type Clean,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'bounds-faults';
const world = inject('smallWorld');
/** The README's bound: peak RSS of a scan whatever the catalogue or image (see "Limits"). */
export const PEAK_RSS_BOUND_MB = 1024;
let tmp: string;
let clean: Clean;
let n = 0;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An output folder holding a previous run's products, and their hashes. */
function previousOutput(): { out: string; before: Record<string, string> } {
  const out = path.join(tmp, `out-${++n}`);
  mkdirSync(path.dirname(out), { recursive: true });
  cpSync(clean.out, out, { recursive: true });
  return { out, before: folderHashes(out) };
}

type Json = Record<string, unknown>;

/** The world's items, as the search answers them. */
function worldItems(): Json[] {
  const fc = JSON.parse(readFileSync(path.join(world, 'stac', 'items.json'), 'utf8')) as { features: Json[] };
  return fc.features;
}

/** An injector that answers every search request itself. */
function searchInjector(
  answer: (ctx: FaultContext) => FaultDecision | Promise<FaultDecision>,
): FaultInjector {
  return { onRequest: (ctx) => (ctx.kind === 'search' ? answer(ctx) : undefined) };
}

/** Copies of the world's items under new ids (so none is dropped as a duplicate), `bytes` of them. */
function pageOfCopies(items: readonly Json[], page: number, bytes: number): Json[] {
  const out: Json[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const item = items[i % items.length]!;
    const copy = { ...item, id: `${String(item['id'])}-p${page}-${i}` };
    size += JSON.stringify(copy).length;
    out.push(copy);
  }
  return out;
}

async function runScan(
  faults: FaultInjector,
  out: string,
  extra: string[] = [],
): Promise<{ r: CliRun; search: number }> {
  return withServer(world, faults, async (s) => {
    const r = await scanCli(s.url.href, out, extra, { deadlineMs: 120_000 });
    return { r, search: s.stats.byKind.get('search') ?? 0 };
  });
}

describe('row 40: endless and huge search pages', () => {
  it('endless 12 MiB pages of valid items: the run budget ends the search, exit 3, peak RSS bounded', async () => {
    const items = worldItems();
    let sent = 0;
    const faults = searchInjector((ctx) => {
      const page = Number(ctx.query.get('page') ?? '0');
      const base = `http://${ctx.req.headers.host ?? ''}/v1/search`;
      const body = JSON.stringify({
        type: 'FeatureCollection',
        features: pageOfCopies(items, page, 12 * 2 ** 20),
        links: [{ rel: 'next', method: 'GET', href: `${base}?page=${page + 1}&w=${ctx.seq}` }],
      });
      sent += Buffer.byteLength(body);
      ctx.res.writeHead(200, { 'Content-Type': 'application/geo+json' });
      ctx.res.end(body);
      return { action: 'handled' };
    });
    const { out, before } = previousOutput();
    const { r, search } = await runScan(faults, out);
    const rss = peakRssMb(r);
    await record(FILE, {
      row: '40',
      name: 'endless 12 MiB search pages',
      injected: search,
      ...health(r),
      outcome: `E: exit ${String(r.code)} after ${search} pages (${(sent / 2 ** 20).toFixed(0)} MiB sent), peak RSS ${rss.toFixed(0)} MB (bound ${PEAK_RSS_BOUND_MB}): ${r.stderr.trim().slice(0, 160)}`,
    });
    expect(r.code, r.stderr).toBe(3);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/bad STAC response from .*passed their budget of 134217728 bytes/);
    expect(folderHashes(out)).toEqual(before);
    // 128 MiB of 12 MiB pages: at most 11 whole pages, and the one the budget stopped.
    expect(search).toBeLessThanOrEqual(12);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(PEAK_RSS_BOUND_MB);
    expect(health(r)).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  });

  it('one endless streamed page: the per-response cap stops reading, exit 3, the server stops sending', async () => {
    const items = worldItems();
    const feature = JSON.stringify(items[0]);
    let sent = 0;
    let closed = 0;
    const faults = searchInjector((ctx) => {
      ctx.res.writeHead(200, { 'Content-Type': 'application/geo+json' });
      ctx.res.write('{"type":"FeatureCollection","features":[');
      const chunk = `${Array.from({ length: 64 }, () => feature).join(',')},`;
      const pump = (): void => {
        while (!ctx.res.destroyed && sent < 1024 * 2 ** 20) {
          sent += chunk.length;
          if (!ctx.res.write(chunk)) {
            ctx.res.once('drain', pump);
            return;
          }
        }
        ctx.res.destroy();
      };
      ctx.res.on('close', () => closed++);
      pump();
      return { action: 'handled' };
    });
    const { out, before } = previousOutput();
    const { r, search } = await runScan(faults, out);
    const rss = peakRssMb(r);
    await record(FILE, {
      row: '40',
      name: 'one endless search page',
      injected: search,
      ...health(r),
      outcome: `E: exit ${String(r.code)}, ${(sent / 2 ** 20).toFixed(0)} MiB sent before the client hung up, peak RSS ${rss.toFixed(0)} MB (bound ${PEAK_RSS_BOUND_MB}): ${r.stderr.trim().slice(0, 160)}`,
    });
    expect(r.code, r.stderr).toBe(3);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/bad STAC response from POST .*JSON body larger than 16777216 bytes/);
    expect(folderHashes(out)).toEqual(before);
    expect(closed).toBe(search);
    // Two windows, one 16 MiB cap each, plus what the socket buffers held.
    expect(sent).toBeLessThan(64 * 2 ** 20);
    expect(rss).toBeLessThan(PEAK_RSS_BOUND_MB);
    expect(health(r)).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  });
});
