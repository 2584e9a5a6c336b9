/**
 * RELIABILITY.md §6 rows 1-10: HTTP and range faults on the asset host, injected by the local server
 * into a real `minewatch scan` of the small world (and, for the pixel-level rows, into our reader
 * in this process). Counts are scaled from the matrix so the file runs in about a minute and a half;
 * each row states its count.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FileByteSource, HttpByteSource } from '../../src/io/byte-source.js';
import { CogFormatError, readCogHeader } from '../../src/io/cog-header.js';
import { fetchTiles } from '../../src/io/cog-window.js';
import { decodeTile } from '../../src/io/decode-tile.js';
import { HttpClient, HttpError } from '../../src/io/http.js';
import type { FaultContext } from '../../src/server/faults.js';
import { faultModes, type FaultModes, type FaultRule } from './helpers/fault-modes.js';
import {
  assetFile,
  BAND_FILE,
  cleanRun,
  health,
  outputHashes,
  readRun,
  record,
  scanCli,
  tempRoot,
  versusClean,
  victims,
  withoutItems,
  withServer,
  type Clean,
  type CliRun,
  type UsedItem,
} from './helpers/harness.js';

const FILE = 'http-faults';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let n = 0;
const outDir = (name: string): string => path.join(tmp, `${++n}-${name}`);

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rangeStart = (ctx: FaultContext): number =>
  Number(/bytes=(\d+)-/.exec(ctx.req.headers.range ?? '')?.[1] ?? -1);
const assetsOf = (items: readonly UsedItem[]): RegExp =>
  new RegExp(`/(${items.map((v) => v.id).join('|')})/`);

/** Runs one scan under `faults`; returns the run and the server's status counts. */
async function faulted(
  faults: FaultModes,
  name: string,
): Promise<{ r: CliRun; out: string; statuses: Map<number, number> }> {
  const out = outDir(name);
  return withServer(world, faults, async (s) => {
    const r = await scanCli(s.url.href, out);
    return { r, out, statuses: new Map(s.stats.byStatus) };
  });
}

const references = new Map<string, Record<string, string>>();
/** Output hashes of a clean run of the world without `ids`: what an S row must equal. */
async function reference(ids: readonly string[]): Promise<Record<string, string>> {
  const key = [...ids].sort().join(',');
  const known = references.get(key);
  if (known) return known;
  const out = outDir('reference');
  const r = await withServer(
    world,
    faultModes([{ kinds: ['search'], action: { kind: 'json', transform: withoutItems(ids) } }]),
    (s) => scanCli(s.url.href, out),
  );
  expect(r.code, r.stderr).toBe(0);
  const h = outputHashes(out);
  references.set(key, h);
  return h;
}

/** Asserts and records an R row: exit 0 and products byte-identical to the clean run. */
async function expectRecovered(
  row: string,
  name: string,
  faults: FaultModes,
  r: CliRun,
  out: string,
  injected: number,
): Promise<void> {
  const h = health(r);
  const cmp =
    r.code === 0
      ? versusClean(out, clean)
      : { byteIdentical: false, lostCandidates: clean.ids.length, duplicateIds: 0 };
  await record(FILE, {
    row,
    name,
    injected,
    ...h,
    ...cmp,
    recoverable: true,
    outcome: `R: exit ${String(r.code)}`,
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(h).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  expect(cmp).toEqual({ byteIdentical: true, lostCandidates: 0, duplicateIds: 0 });
  expect(faults.counters.injected).toBe(injected);
}

/** Injected keys and every attempt time of each. */
function injectedKeys(faults: FaultModes): Map<string, number[]> {
  const keys = new Set(faults.counters.log.map((l) => l.key));
  return new Map([...keys].map((k) => [k, faults.counters.requests.get(k) ?? []]));
}

describe('row 1: 503 SlowDown x2 with Retry-After: 1, then OK', () => {
  it('retries after at least Retry-After, within the attempt cap, and ends byte-identical (50 injections)', async () => {
    const faults = faultModes([
      { kinds: ['asset'], select: { rate: 0.15, seed: 1 }, maxKeys: 25, action: '503x2;retry-after=1' },
    ]);
    const { r, out } = await faulted(faults, 'r1');
    await expectRecovered('1', '503x2 Retry-After 1', faults, r, out, 50);
    for (const [key, times] of injectedKeys(faults)) {
      const legit = clean.keyCounts.get(key) ?? 1;
      // Two failures, then the answers the clean run got; never more than the 5-attempt cap each.
      expect(times.length, key).toBeGreaterThanOrEqual(2 + legit);
      expect(times.length, key).toBeLessThanOrEqual(5 * legit);
      if (legit > 1) continue;
      // Each retry after a 503 waited at least the Retry-After (timer slack: 5 ms).
      expect(times[1]! - times[0]!, key).toBeGreaterThanOrEqual(995);
      expect(times[2]! - times[1]!, key).toBeGreaterThanOrEqual(995);
    }
    expect(readRun(out).http.retries).toBe(50);
  });
});

describe('row 2: 429 without Retry-After', () => {
  it('k=3 < cap: jittered retries, 100 % success, byte-identical (51 injections)', async () => {
    const faults = faultModes([
      { kinds: ['asset'], select: { rate: 0.15, seed: 2 }, maxKeys: 17, action: '429x3' },
    ]);
    const { r, out } = await faulted(faults, 'r2');
    await expectRecovered('2', '429x3', faults, r, out, 51);
    const gaps = [...injectedKeys(faults).values()].flatMap((t) => t.slice(1).map((x, i) => x - t[i]!));
    // Full jitter: waits are spread, not all equal (a fixed delay would make them equal).
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(50);
  });

  // A throttle costs a fifth of an attempt under adaptive concurrency (src/io/adaptive-rate.ts):
  // the 5-attempt cap is 1 + 4 * 5 = 21 attempts of 429.
  it('k >= cap: the item is skipped with "gave up after 21 attempts", 21 requests, the rest processed', async () => {
    const [victim] = victims(clean, 1);
    const faults = faultModes([
      { kinds: ['asset'], path: `/${victim!.id}/${BAND_FILE['nir']!}`, action: '429' },
    ]);
    const { r, out } = await faulted(faults, 'r2-cap');
    const h = health(r);
    expect(r.code, r.stderr).toBe(0);
    const skip = readRun(out).items.skipped.find((s) => s.item === victim!.id);
    expect(skip?.reason).toMatch(/HTTP 429.*gave up after 21 attempts/);
    for (const times of injectedKeys(faults).values()) expect(times.length).toBe(21);
    const same = JSON.stringify(outputHashes(out)) === JSON.stringify(await reference([victim!.id]));
    await record(FILE, {
      row: '2',
      name: '429 beyond the cap',
      injected: faults.counters.injected,
      ...h,
      outcome: `S: ${skip?.reason ?? 'none'}`,
    });
    expect(same).toBe(true);
    expect(h.crashes + h.hangs + h.unhandledRejections).toBe(0);
  });
});

describe('row 3: 500 / 502 / 504 once', () => {
  it('retries each and ends byte-identical (30 injections of each status)', async () => {
    const rule = (status: number, seed: number): FaultRule => ({
      kinds: ['asset'],
      select: { rate: 0.3, seed },
      maxKeys: 30,
      action: `${status}x1`,
    });
    const faults = faultModes([rule(500, 31), rule(502, 32), rule(504, 33)]);
    const { r, out, statuses } = await faulted(faults, 'r3');
    await expectRecovered('3', '500/502/504 x1', faults, r, out, 90);
    expect([statuses.get(500), statuses.get(502), statuses.get(504)]).toEqual([30, 30, 30]);
  });
});

describe('row 4: 404 and S3 403 on one band', () => {
  it('skips exactly those items with the reason, never retries, processes the others (6 injections)', async () => {
    const vs = victims(clean, 6);
    expect(vs).toHaveLength(6);
    const faults = faultModes(
      vs.map((v, i) => ({
        kinds: ['asset'] as const,
        path: `/${v.id}/${BAND_FILE[['nir', 'swir16', 'blue'][i % 3]!]!}`,
        action: i < 3 ? '404' : '403',
      })),
    );
    const { r, out } = await faulted(faults, 'r4');
    expect(r.code, r.stderr).toBe(0);
    const run = readRun(out);
    const reasons = vs.map((v) => run.items.skipped.find((s) => s.item === v.id)?.reason ?? '');
    expect(reasons.slice(0, 3).every((x) => /HTTP 404/.test(x))).toBe(true);
    expect(reasons.slice(3).every((x) => /HTTP 403/.test(x))).toBe(true);
    expect(run.items.skipped).toHaveLength(6);
    // Permanent statuses: one request each, no retry.
    for (const times of injectedKeys(faults).values()) expect(times.length).toBe(1);
    expect(run.http.retries).toBe(0);
    const same = JSON.stringify(outputHashes(out)) === JSON.stringify(await reference(vs.map((v) => v.id)));
    const h = health(r);
    await record(FILE, {
      row: '4',
      name: '404/403 on one band (headers)',
      injected: faults.counters.injected,
      ...h,
      outcome: 'S x6',
    });
    expect(same).toBe(true);
    expect(faults.counters.injected).toBe(6);
  });

  it('a 404 on tile reads (past the header) drops the item while its tile is read, with the reason', async () => {
    const vs = victims(clean, 6).filter((v) => v.window === 'after');
    const faults = faultModes([
      {
        kinds: ['asset'],
        path: assetsOf(vs),
        match: (ctx) => ctx.rawPath.endsWith('/B03.tif') && rangeStart(ctx) >= 65536,
        action: '404',
      },
    ]);
    const { r, out } = await faulted(faults, 'r4-tiles');
    expect(r.code, r.stderr).toBe(0);
    const run = readRun(out);
    for (const v of vs)
      expect(run.items.skipped.find((s) => s.item === v.id)?.reason).toMatch(/asset "green".*HTTP 404/);
    // No retry: at most the requests the clean run made for that range (two blocks may share a tile).
    for (const [key, times] of injectedKeys(faults))
      expect(times.length).toBeLessThanOrEqual(clean.keyCounts.get(key) ?? 1);
    const h = health(r);
    await record(FILE, {
      row: '4',
      name: '404 on tile reads',
      injected: faults.counters.injected,
      ...h,
      outcome: `S x${vs.length}`,
    });
    expect(faults.counters.injected).toBeGreaterThanOrEqual(vs.length);
    expect(h.crashes + h.hangs + h.unhandledRejections).toBe(0);
  });
});

describe('row 5: slow headers and stalled bodies', () => {
  it('times out (30 s per attempt, 10 s stall), retries, settles in time and ends byte-identical (8 injections)', async () => {
    const header = (ctx: FaultContext): boolean => rangeStart(ctx) === 0;
    const faults = faultModes([
      {
        name: 'slow',
        kinds: ['asset'],
        match: header,
        select: { rate: 0.2, seed: 51 },
        maxKeys: 3,
        action: 'slow:31000x1',
      },
      {
        name: 'stall',
        kinds: ['asset'],
        match: header,
        select: { rate: 0.3, seed: 52 },
        maxKeys: 5,
        action: 'stall-after:4096x1',
      },
    ]);
    const { r, out } = await faulted(faults, 'r5');
    await expectRecovered('5', 'slow headers 31 s / stall after 4 KiB', faults, r, out, 8);
    for (const l of faults.counters.log) {
      const times = faults.counters.requests.get(l.key)!;
      const gap = times[l.attempt]! - times[l.attempt - 1]!;
      // The retry came after the client's own timer fired, not after the server gave up.
      expect(gap, `${l.rule} ${l.key}`).toBeGreaterThanOrEqual(l.rule === 'slow' ? 29_500 : 9_500);
      expect(gap, `${l.rule} ${l.key}`).toBeLessThan(l.rule === 'slow' ? 41_000 : 21_000);
    }
    // Every task settled within timeout x attempts + 1 s: the whole run did.
    expect(r.ms).toBeLessThan(clean.ms + 2 * 30_000 + 1_000);
  });
});

describe('row 6: connection reset mid-body', () => {
  it('retries and ends byte-identical (50 injections)', async () => {
    const faults = faultModes([
      { kinds: ['asset'], select: { rate: 0.3, seed: 6 }, maxKeys: 50, action: 'reset-midx1' },
    ]);
    const { r, out } = await faulted(faults, 'r6');
    await expectRecovered('6', 'reset mid-body', faults, r, out, 50);
  });
});

describe('row 7: short body with a matching Content-Length', () => {
  it('is caught by the length check, retried, byte-identical (50 injections)', async () => {
    const faults = faultModes([
      { kinds: ['asset'], select: { rate: 0.3, seed: 7 }, maxKeys: 50, action: 'shortx1' },
    ]);
    const { r, out } = await faulted(faults, 'r7');
    await expectRecovered('7', 'short body', faults, r, out, 50);
  });
});

/** Every tile of every image of `files`, read one tile per request through `faults`, compared with the file. */
async function pixelCheck(
  faults: FaultModes,
  files: readonly string[],
): Promise<{ wrong: number; detected: number; decoded: number; errors: string[] }> {
  return withServer(world, faults, async (s) => {
    const client = new HttpClient({ backoffBaseMs: 5, backoffCapMs: 20 });
    let wrong = 0;
    let detected = 0;
    let decoded = 0;
    const errors: string[] = [];
    for (const file of files) {
      const rel = path
        .relative(path.join(world, 'assets'), file)
        .split(path.sep)
        .map(encodeURIComponent)
        .join('/');
      const local = new FileByteSource(file);
      const truth = await readCogHeader(local);
      let header;
      try {
        header = await readCogHeader(new HttpByteSource(new URL(rel, s.assetsUrl), client));
      } catch (err) {
        if (!(err instanceof CogFormatError)) throw err;
        detected++;
        errors.push(err.message);
        continue;
      }
      const remote = new HttpByteSource(new URL(rel, s.assetsUrl), client);
      for (const [i, image] of header.images.entries()) {
        const ref = truth.images[i]!;
        for (let t = 0; t < image.tileOffsets.length; t++) {
          const want = decodeTile((await fetchTiles(local, ref, [t])).get(t) ?? null, ref, 0);
          let got;
          try {
            got = decodeTile((await fetchTiles(remote, image, [t])).get(t) ?? null, image, 0);
          } catch (err) {
            if (!(err instanceof CogFormatError) && !(err instanceof HttpError)) throw err;
            detected++;
            errors.push((err as Error).message);
            continue;
          }
          decoded++;
          for (let k = 0; k < want.length; k++) if (got[k] !== want[k]) wrong++;
        }
      }
      await local.close();
    }
    return { wrong, detected, decoded, errors };
  });
}

/** Every band of the first two usable items. */
function sampleFiles(): string[] {
  return clean.run.items.before
    .slice(0, 2)
    .flatMap((id) => Object.keys(BAND_FILE).map((b) => assetFile(world, id, b)));
}

describe('row 7 and 8 at the pixel level (our reader, in this process)', () => {
  it('short bodies: every read retried, 0 wrong pixels (50 injections)', async () => {
    const faults = faultModes([{ kinds: ['asset'], maxKeys: 50, action: 'shortx1' }]);
    const res = await pixelCheck(faults, [...sampleFiles(), ...sampleFiles()]);
    await record(FILE, {
      row: '7',
      name: 'short body, pixel check',
      injected: faults.counters.injected,
      silentWrongPixels: res.wrong,
      outcome: `R: ${res.decoded} tiles decoded`,
    });
    expect(faults.counters.injected).toBe(50);
    expect(res.detected).toBe(0);
    expect(res.wrong).toBe(0);
  });

  it('shifted bytes under a truthful-looking Content-Range: never silently wrong (50 injections)', async () => {
    const faults = faultModes([{ kinds: ['asset'], maxKeys: 50, action: 'shift:2x1' }]);
    const files = sampleFiles();
    const res = await pixelCheck(faults, [...files, ...files, ...files, ...files]);
    await record(FILE, {
      row: '8',
      name: 'shift:2, pixel check',
      injected: faults.counters.injected,
      silentWrongPixels: res.wrong,
      outcome: `S: ${res.detected} detected, ${res.decoded} clean tiles`,
    });
    expect(faults.counters.injected).toBe(50);
    // geotiff.js decoded 4,084 of 4,096 pixels wrong here; the zlib checksum and our header checks refuse instead.
    expect(res.wrong).toBe(0);
    expect(res.detected).toBeGreaterThanOrEqual(1);
    expect(
      res.errors.every((e) => /corrupt deflate|not a TIFF|malformed|bad|byte order|inflates|magic/i.test(e)),
    ).toBe(true);
  });
});

describe('row 8: shifted bytes in a scan', () => {
  it('every item hit is skipped with the reason; the output equals a clean run without them', async () => {
    const vs = victims(clean, 6);
    // Tile reads of non-red bands (red's overview read is the offsets step: see the next test).
    const faults = faultModes([
      {
        kinds: ['asset'],
        path: assetsOf(vs),
        match: (ctx) => !ctx.rawPath.endsWith('/B04.tif') && rangeStart(ctx) >= 65536,
        action: 'shift:2',
      },
    ]);
    const { r, out } = await faulted(faults, 'r8');
    expect(r.code, r.stderr).toBe(0);
    const run = readRun(out);
    const hitItems = [
      ...new Set(faults.counters.log.map((l) => vs.find((v) => l.key.includes(`/${v.id}/`))?.id)),
    ];
    for (const id of hitItems)
      expect(run.items.skipped.find((s) => s.item === id)?.reason, id).toMatch(
        /corrupt deflate stream|inflates/,
      );
    const ref = await reference(run.items.skipped.map((s) => s.item));
    const identical = JSON.stringify(outputHashes(out)) === JSON.stringify(ref);
    const h = health(r);
    await record(FILE, {
      row: '8',
      name: 'shift:2 in a scan',
      injected: faults.counters.injected,
      ...h,
      silentWrongPixels: identical ? 0 : 1,
      outcome: `S x${hitItems.length}`,
    });
    expect(hitItems.length).toBeGreaterThanOrEqual(1);
    expect(identical).toBe(true);
  });

  // A failure reading or decoding an item's small red overview (the offsets step) skips that item.
  let overviewFault: { injected: number; code: number | null; stderr: string } | undefined;
  it('an item whose red overview read fails is skipped, not the whole run', async () => {
    const [victim] = victims(clean, 1);
    const red = assetFile(world, victim!.id, 'red');
    const header = await readCogHeader(new FileByteSource(red));
    const ov = [...header.images].sort((a, b) => Math.abs(a.width - 256) - Math.abs(b.width - 256))[0]!;
    const start = ov.tileOffsets[0]!;
    const faults = faultModes([
      {
        kinds: ['asset'],
        path: `/${victim!.id}/B04.tif`,
        match: (ctx) => ctx.req.headers.range?.startsWith(`bytes=${start}-`) ?? false,
        action: '404',
      },
    ]);
    const { r, out } = await faulted(faults, 'r8-overview');
    overviewFault = { injected: faults.counters.injected, code: r.code, stderr: r.stderr };
    await record(FILE, {
      row: '4/8',
      name: 'failure reading the red overview (offsets step)',
      injected: faults.counters.injected,
      ...health(r),
      outcome: r.code === 0 ? 'S' : `E instead of S: exit ${String(r.code)}: ${r.stderr.trim()}`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readRun(out).items.skipped.map((s) => s.item)).toContain(victim!.id);
  });

  it('(the fault above was really injected, and the run still finished)', () => {
    expect(overviewFault?.injected).toBe(1);
    expect(overviewFault?.code).toBe(0);
  });
});

describe('row 9: a server that ignores Range (200 with the whole file)', () => {
  it('reads small files whole under the size cap and ends byte-identical (10 injections)', async () => {
    const faults = faultModes([
      { kinds: ['asset'], select: { rate: 0.2, seed: 9 }, maxKeys: 10, action: 'norangex1' },
    ]);
    const { r, out } = await faulted(faults, 'r9');
    await expectRecovered('9', 'Range ignored, size-capped full read', faults, r, out, 10);
  });

  it('refuses a whole file above the cap, having read no more than the cap (10 injections)', async () => {
    const file = assetFile(world, clean.run.items.before[0]!, 'red');
    const size = readFileSync(file).length;
    const cap = 64 * 1024;
    expect(size).toBeGreaterThan(cap);
    const faults = faultModes([{ kinds: ['asset'], action: 'norange' }]);
    const kinds: string[] = [];
    let read = 0;
    await withServer(world, faults, async (s) => {
      const rel = path.relative(path.join(world, 'assets'), file);
      for (let i = 0; i < 10; i++) {
        const client = new HttpClient({ fullBodyCapBytes: cap });
        const err = await client
          .getRange(new URL(rel, s.assetsUrl), 1000 * i, 1000 * i + 99)
          .catch((e: unknown) => e);
        kinds.push(err instanceof HttpError ? err.kind : String(err));
        read = Math.max(read, client.stats.bytes);
      }
    });
    await record(FILE, {
      row: '9',
      name: 'Range ignored above the cap',
      injected: faults.counters.injected,
      outcome: `S: ${kinds[0] ?? ''}`,
    });
    expect(kinds).toEqual(Array(10).fill('range-ignored'));
    expect(read).toBeLessThanOrEqual(cap);
  });
});

describe('row 10: ranges past the end of the file', () => {
  it('are clamped to the known size: correct bytes, no 416 (10 reads)', async () => {
    const file = assetFile(world, clean.run.items.before[0]!, 'scl');
    const bytes = readFileSync(file);
    const size = bytes.length;
    await withServer(world, undefined, async (s) => {
      const rel = path.relative(path.join(world, 'assets'), file);
      const src = new HttpByteSource(new URL(rel, s.assetsUrl), new HttpClient());
      expect(await src.size()).toBe(size);
      const reads: [number, number][] = [
        [size - 10, 100],
        [size - 1, 2],
        [size, 10],
        [size + 1000, 10],
        [0, size + 1],
        [size - 500, 1000],
        [size * 2, 1],
        [size - 2, 4096],
        [1, size],
        [size + 1, 0],
      ];
      for (const [offset, length] of reads) {
        const got = await src.read(offset, length);
        expect(
          Buffer.from(got).equals(bytes.subarray(Math.min(offset, size), Math.min(offset + length, size))),
        ).toBe(true);
      }
      expect(s.stats.byStatus.get(416) ?? 0).toBe(0);
      // A source that does not know the size yet gets one 416, learns the size and returns nothing.
      const fresh = new HttpByteSource(new URL(rel, s.assetsUrl), new HttpClient());
      expect((await fresh.read(size + 5, 10)).length).toBe(0);
    });
    await record(FILE, { row: '10', name: '416 clamp', injected: 10, outcome: 'clamped, 0 416s' });
  });
});
