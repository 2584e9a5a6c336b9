/**
 * RELIABILITY.md §6 row 15 (and a sample of row 29): 1,000 seeded byte-flip mutants of a small COG
 * (256x256 uint16, two overviews, written by our encodeCog). Each flips 1-16 bytes: in the header and
 * IFD region, in the tile data, or both. Every mutant must decode (readCogHeader + fetchTiles +
 * decodeTile through a MemoryByteSource) or be refused with a CogFormatError / RangeError; never an
 * other exception, never a hang (10 s per mutant). Tile-data-only mutants must never decode to
 * different pixels (the zlib checksum sees to it). Every tenth mutant is also decoded inside the real
 * WorkerPool, where even a crash would be contained, and must agree with the in-process outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCog } from '../../src/io/tiff/cog-writer.js';
import { TaskTimeoutError, WorkerCrashedError, WorkerPool } from '../../src/run/worker-pool.js';
import { record } from './helpers/harness.js';
import { differingSamples, tryDecode, type Outcome } from './helpers/read-cog.js';
import { readIfds, entry, T, getValue } from './helpers/tiff-patch.js';

const FILE = 'fuzz-cog';
const MUTANTS = 1_000;
const SEED = 0x5eed;

/** mulberry32: small, seeded, good enough to pick bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A 256x256 uint16 COG of smooth terrain plus noise, tiles of 256, overviews 128 and 64. */
function fixture(): Buffer {
  const w = 256;
  const data = new Uint16Array(w * w);
  const r = rng(7);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++)
      data[y * w + x] = Math.round(1200 + 800 * Math.sin(x / 23) * Math.cos(y / 31) + r() * 60);
  return Buffer.from(
    encodeCog({
      width: w,
      height: w,
      dataType: 'uint16',
      data,
      georef: { epsg: 32647, originX: 500_000, originY: 2_800_000, pixelSize: 10 },
      nodata: 0,
      tileSize: 256,
      minOverviewSize: 64,
      predictor: 2,
    }),
  );
}

interface Mutant {
  bytes: Buffer;
  region: 'header' | 'tiles' | 'both';
  flips: number;
}

/** Mutant i: 1-16 flips (XOR with a non-zero byte) in the header region, the tile region, or both. */
function mutate(orig: Buffer, tileStart: number, i: number): Mutant {
  const r = rng(SEED + i * 7919);
  const region = (['header', 'tiles', 'both'] as const)[i % 3]!;
  const flips = 1 + Math.floor(r() * 16);
  const bytes = Buffer.from(orig);
  for (let k = 0; k < flips; k++) {
    const inHeader = region === 'header' || (region === 'both' && k % 2 === 0);
    const at = inHeader
      ? Math.floor(r() * tileStart)
      : tileStart + Math.floor(r() * (orig.length - tileStart));
    bytes[at] = bytes[at]! ^ (1 + Math.floor(r() * 255));
  }
  return { bytes, region, flips };
}

let orig: Buffer;
let tileStart: number;
let truth: Outcome;
let pool: WorkerPool;

beforeAll(async () => {
  orig = fixture();
  // Everything before the first tile is header, IFDs, tag values and tile arrays.
  tileStart = Math.min(...readIfds(orig).map((ifd) => getValue(orig, entry(ifd, T.TileOffsets)))) - 4;
  truth = await tryDecode(orig);
  pool = new WorkerPool({
    size: 2,
    taskModules: [new URL('./fixtures/decode-task.mjs', import.meta.url)],
    resourceLimits: { maxOldGenerationSizeMb: 128 },
    taskTimeoutMs: 10_000,
  });
});
afterAll(async () => {
  await pool.close();
});

describe('row 15: 1,000 byte-flip mutants of a small COG', () => {
  it('each decodes or is refused with a reason; no crash, no hang, no silently wrong tile data', async () => {
    expect(truth.kind).toBe('decoded');
    expect(readIfds(orig)).toHaveLength(3);
    const counts = { decoded: 0, rejected: 0, crash: 0, hang: 0, silent: 0, differentHeader: 0 };
    const reasons = new Map<string, number>();
    const crashes: string[] = [];
    const sampled: { i: number; outcome: Outcome; bytes: Buffer }[] = [];
    let slowest = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const m = mutate(orig, tileStart, i);
      const t0 = performance.now();
      const o = await tryDecode(m.bytes, 10_000);
      slowest = Math.max(slowest, performance.now() - t0);
      counts[o.kind]++;
      if (o.kind === 'rejected') reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
      if (o.kind === 'crash') crashes.push(`#${i} (${m.region}, ${m.flips} flips): ${o.message}`);
      if (o.kind === 'decoded' && truth.kind === 'decoded') {
        const wrong = differingSamples(o.tiles, truth.tiles);
        if (wrong > 0 && m.region === 'tiles') counts.silent += wrong;
        if (wrong > 0 && m.region !== 'tiles') counts.differentHeader++;
      }
      if (i % 10 === 0) sampled.push({ i, outcome: o, bytes: m.bytes });
    }

    // The sample again, in worker threads: same verdicts, same pixels; a crash there stays there.
    let poolCrashes = 0;
    let poolHangs = 0;
    const disagreements: string[] = [];
    type WorkerAnswer = { kind: string; checksum?: number; message?: string };
    const results: WorkerAnswer[] = await Promise.all(
      sampled.map(({ bytes }) =>
        pool
          .run<{ bytes: Uint8Array }, { kind: string; checksum?: number; message?: string }>('decodeCog', {
            bytes,
          })
          .catch((e: unknown) => {
            if (e instanceof WorkerCrashedError) poolCrashes++;
            else if (e instanceof TaskTimeoutError) poolHangs++;
            return { kind: 'pool-error', message: String(e) };
          }),
      ),
    );
    const reference = await pool.run<{ bytes: Uint8Array }, { kind: string; checksum: number }>('decodeCog', {
      bytes: orig,
    });
    sampled.forEach(({ i, outcome }, k) => {
      const w = results[k]!;
      if (w.kind !== outcome.kind)
        disagreements.push(`#${i}: in-process ${outcome.kind}, worker ${w.kind} ${w.message ?? ''}`);
      if (w.kind === 'crash') poolCrashes++;
    });
    const stats = pool.stats();

    await record(FILE, {
      row: '15',
      name: '1,000 byte-flip mutants (+100 in workers)',
      injected: MUTANTS,
      crashes: counts.crash + poolCrashes,
      hangs: counts.hang + poolHangs,
      silentWrongPixels: counts.silent,
      outcome:
        `${counts.decoded} decoded, ${counts.rejected} refused (${[...reasons].map(([r, c]) => `${r} ${c}`).join(', ')}); ` +
        `${counts.differentHeader} header mutants decode as a different valid TIFF; slowest ${Math.round(slowest)} ms; ` +
        `pool: ${stats.completed} done, ${stats.crashed} crashed, workers ${stats.workers}`,
    });
    expect(crashes).toEqual([]);
    expect(counts.hang).toBe(0);
    expect(counts.silent).toBe(0);
    expect(counts.decoded + counts.rejected).toBe(MUTANTS);
    expect(counts.rejected).toBeGreaterThan(MUTANTS / 3);
    expect(disagreements).toEqual([]);
    expect([poolCrashes, poolHangs]).toEqual([0, 0]);
    expect(reference.kind).toBe('decoded');
    expect(stats.workers).toBe(2);
    // Decoded tile-data mutants in workers give the original pixels (flips outside the zlib stream).
    sampled.forEach(({ outcome }, k) => {
      const w = results[k]!;
      if (
        outcome.kind === 'decoded' &&
        truth.kind === 'decoded' &&
        differingSamples(outcome.tiles, truth.tiles) === 0
      )
        expect(w.checksum).toBe(reference.checksum);
    });
  });
});
