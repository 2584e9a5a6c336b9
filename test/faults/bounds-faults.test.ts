/**
 * Rows 40-43: a hostile catalogue, image or AOI must not exhaust memory, and nothing may keep a run
 * alive for ever. Each row drives a real `minewatch scan` child (or, for the AOI, our checker in
 * this process) and records the figure it checks: the child's peak RSS (process.resourceUsage at
 * exit, from the probe), the exit code and its one line, the server's bytes sent. No row asserts
 * elapsed time: they wait for exit codes and server events.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FaultContext, FaultDecision, FaultInjector } from '../../src/server/faults.js';
import { parseAoi } from '../../src/geo/aoi.js';
import { InvalidInputError } from '../../src/errors.js';
import { dimensionBomb } from './helpers/tiff-patch.js';
import {
  assetFile,
  cleanRun,
  folderHashes,
  health,
  isOneLineError,
  peakRssMb,
  readRun,
  record,
  scanCli,
  tempRoot,
  withServer,
  type Clean,
  type CliRun,
  victims,
  previousOutputAt,
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
  return previousOutputAt(clean.out, path.join(tmp, `out-${++n}`));
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

describe('row 41: a dimension-bomb TIFF without overviews', () => {
  it("23552² uint16 as an item's red band: the offset check reads one 256² window, peak RSS bounded", async () => {
    const [victim] = victims(clean, 1);
    const copy = path.join(tmp, `world-${++n}`);
    cpSync(world, copy, { recursive: true });
    // The item says what the file says (proj:shape), so the grid check lets it through to the offsets.
    const itemsFile = path.join(copy, 'stac', 'items.json');
    const fc = JSON.parse(readFileSync(itemsFile, 'utf8')) as {
      features: { id: string; assets: Record<string, Json> }[];
    };
    const red = fc.features.find((f) => f.id === victim!.id)!.assets['red']!;
    const t = red['proj:transform'] as number[];
    red['proj:shape'] = [23552, 23552];
    writeFileSync(itemsFile, JSON.stringify(fc));
    const bomb = dimensionBomb(23552, 23552, { fill: 1500, georef: { x: t[2]!, y: t[5]!, pixel: t[0]! } });
    writeFileSync(assetFile(copy, victim!.id, 'red'), bomb);
    const out = path.join(tmp, `out-${++n}`);
    const r = await withServer(copy, undefined, (s) => scanCli(s.url.href, out, [], { deadlineMs: 120_000 }));
    const rss = peakRssMb(r);
    const run =
      r.code === 0 ? (readRun(out) as unknown as { offsets: Record<string, { reason: string }> }) : undefined;
    const reason = run?.offsets[victim!.id]?.reason ?? '(no offset decision)';
    await record(FILE, {
      row: '41',
      name: 'dimension bomb without overviews (offset check)',
      injected: 1,
      ...health(r),
      outcome: `S/bounded: exit ${String(r.code)}, ${bomb.length} byte file declaring 23552², peak RSS ${rss.toFixed(0)} MB (bound ${PEAK_RSS_BOUND_MB}); offset: ${reason.slice(0, 160)}`,
    });
    expect(r.code, r.stderr).toBe(0);
    // 65,536 valid pixels: the 256² window, not the 555 Mpx image.
    expect(reason).toMatch(/dark DN 1500 over 65536 valid pixels/);
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(PEAK_RSS_BOUND_MB);
    expect(health(r)).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  });
});

/**
 * A search answer that sends its headers and then one byte every `everyMs`, forever (until the
 * client hangs up). Counts the connections the client closed.
 */
function trickle(everyMs: number): FaultInjector & { hungUp: () => number; dispose: () => void } {
  let hungUp = 0;
  const timers = new Set<NodeJS.Timeout>();
  return {
    hungUp: () => hungUp,
    dispose: () => timers.forEach((t) => clearInterval(t)),
    onRequest: (ctx) => {
      if (ctx.kind !== 'search') return undefined;
      ctx.res.writeHead(200, { 'Content-Type': 'application/geo+json' });
      ctx.res.write('{');
      const t = setInterval(() => ctx.res.write(' '), everyMs);
      timers.add(t);
      ctx.res.on('close', () => {
        clearInterval(t);
        timers.delete(t);
        hungUp++;
      });
      return { action: 'handled' };
    },
  };
}

describe('row 42: a server that trickles', () => {
  it('one byte a second: each attempt aborts for low speed, the search gives up, exit 3', async () => {
    const faults = trickle(1000);
    const { out, before } = previousOutput();
    // A 2 s speed window (MW_HTTP_LOW_SPEED_TIME) keeps the row short; the default is 15 s.
    const r = await withServer(world, faults, (s) =>
      scanCli(s.url.href, out, [], { env: { MW_HTTP_LOW_SPEED_TIME: '2' }, deadlineMs: 120_000 }),
    );
    await record(FILE, {
      row: '42',
      name: 'trickle: low-speed abort',
      injected: faults.hungUp(),
      ...health(r),
      outcome: `E: exit ${String(r.code)}, ${faults.hungUp()} trickling answers cut by the client: ${r.stderr.trim().slice(0, 200)}`,
    });
    expect(r.code, r.stderr).toBe(3);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/body arrived at under 1024 bytes\/s for 2000 ms; gave up after 5 attempts/);
    // Both windows: 5 attempts each, every one cut by the client (the server never ends them).
    expect(faults.hungUp()).toBe(10);
    expect(folderHashes(out)).toEqual(before);
    expect(health(r)).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  });

  it('fast enough to pass the speed check but never done: --timeout ends the run, exit 124', async () => {
    // 64 bytes every 50 ms (1.25 KiB/s): above the speed limit, under the 30 s attempt timeout for
    // a long while, and 5 attempts of it: without --timeout the run would last minutes.
    const faults = trickle(50);
    const spam = {
      ...faults,
      onRequest: (ctx: FaultContext) => {
        const d = faults.onRequest(ctx);
        if (ctx.kind === 'search') {
          const t = setInterval(() => ctx.res.write(' '.repeat(63)), 50);
          ctx.res.on('close', () => clearInterval(t));
        }
        return d;
      },
    };
    const { out, before } = previousOutput();
    const r = await withServer(world, spam, (s) => scanCli(s.url.href, out, ['--timeout', '3s']));
    faults.dispose();
    await record(FILE, {
      row: '42',
      name: 'trickle: --timeout',
      injected: faults.hungUp(),
      ...health(r),
      outcome: `E: exit ${String(r.code)}: ${r.stderr.trim().slice(0, 200)}`,
    });
    expect(r.code, r.stderr).toBe(124);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/stopped by --timeout 3s: the run did not finish in time/);
    expect(faults.hungUp()).toBeGreaterThanOrEqual(2);
    expect(folderHashes(out)).toEqual(before);
    expect(health(r)).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  });
});

/** A near-circle of `n` vertices around Myitkyina, wavy so no two edges are parallel. */
function bigRing(n: number): number[][] {
  const ring = Array.from({ length: n }, (_, i) => {
    const t = (2 * Math.PI * i) / n;
    const r = 0.2 * (1 + 0.05 * Math.sin(37 * t));
    return [97.4 + r * Math.cos(t), 25.5 + r * Math.sin(t)];
  });
  return [...ring, ring[0]!];
}

describe('row 43: a 200,000-vertex AOI', () => {
  it('the self-intersection check returns its verdicts: valid, one crossing refused with its place, a star of spikes refused as too intricate', async () => {
    const ring = bigRing(200_000);
    const t0 = performance.now();
    const aoi = parseAoi({ type: 'Polygon', coordinates: [ring] }, 'big.geojson');
    const validSeconds = (performance.now() - t0) / 1000;
    const crossed = ring.slice();
    [crossed[150_000], crossed[150_001]] = [crossed[150_001]!, crossed[150_000]!];
    let refused: unknown;
    try {
      parseAoi({ type: 'Polygon', coordinates: [crossed] }, 'crossed.geojson');
    } catch (err) {
      refused = err;
    }
    // 100,000 spikes all reaching the centre: every box overlaps, the pair budget decides.
    const star = ring.map((p, i) => {
      const r = i % 2 === 0 ? 1 : 0.01;
      return [97.4 + r * ((p[0] ?? 0) - 97.4), 25.5 + r * ((p[1] ?? 0) - 25.5)];
    });
    star[star.length - 1] = star[0]!;
    let intricate: unknown;
    try {
      parseAoi({ type: 'Polygon', coordinates: [star] }, 'star.geojson');
    } catch (err) {
      intricate = err;
    }
    await record(FILE, {
      row: '43',
      name: '200,000-vertex AOI',
      injected: 3,
      outcome: `verdicts: valid (${aoi.geometry.coordinates[0]?.length ?? 0} positions, ${validSeconds.toFixed(2)} s, not asserted); ${(refused as Error | undefined)?.message ?? 'not refused'}; ${(intricate as Error | undefined)?.message ?? 'not refused'}`,
    });
    expect(intricate).toBeInstanceOf(InvalidInputError);
    expect((intricate as Error).message).toMatch(/star\.geojson: part 0 is too intricate to check/);
    expect(aoi.geometry.type).toBe('Polygon');
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as Error).message).toMatch(
      /invalid AOI crossed\.geojson: part 0 intersects itself near 97\.\d{5}, 25\.\d{5}/,
    );
  });
});
