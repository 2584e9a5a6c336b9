import fc from 'fast-check';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { MemoryByteSource, type ByteSource } from '../../src/io/byte-source.js';
import { CogFormatError, readCogHeader, type CogImage } from '../../src/io/cog-header.js';
import { fetchTiles, planReads, tilesForWindow, type PixelWindow } from '../../src/io/cog-window.js';
import {
  assembleWindow,
  decodeTile,
  undoHorizontalDifferencing,
  type Pixels,
} from '../../src/io/decode-tile.js';
import { buildOverviews } from '../../src/io/tiff/overviews.js';
import { encodeCog, type WriteCogOptions } from '../../src/io/tiff/cog-writer.js';

const GEOREF = { epsg: 32647, originX: 399960, originY: 2800020, pixelSize: 10 };

/** Pixels with structure (gradients) and noise, so predictor and deflate both matter. */
function pixels(kind: 'uint8' | 'uint16', width: number, height: number, seed = 9): Pixels {
  const out = kind === 'uint16' ? new Uint16Array(width * height) : new Uint8Array(width * height);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      out[y * width + x] =
        kind === 'uint16' ? 800 + 7 * x + 3 * y + (s % 200) : (x + 2 * y + (s % 16)) & 0xff;
    }
  }
  return out;
}

async function decodeWindow(buf: Uint8Array, window: PixelWindow | 'full', imageIndex = 0): Promise<Pixels> {
  const source = new MemoryByteSource(buf);
  const header = await readCogHeader(source);
  const image = header.images[imageIndex]!;
  const w = window === 'full' ? { x: 0, y: 0, width: image.width, height: image.height } : window;
  const raw = await fetchTiles(source, image, tilesForWindow(image, w));
  const tiles = new Map([...raw].map(([i, bytes]) => [i, decodeTile(bytes, image, image.nodata)]));
  return assembleWindow(tiles, image, w);
}

function crop(data: Pixels, width: number, w: PixelWindow): number[] {
  const out: number[] = [];
  for (let y = w.y; y < w.y + w.height; y++)
    out.push(...data.subarray(y * width + w.x, y * width + w.x + w.width));
  return out;
}

/** A minimal CogImage for direct decodeTile calls. */
function image(over: Partial<CogImage> = {}): CogImage {
  return {
    ifdIndex: 0, width: 8, height: 4, tileWidth: 8, tileHeight: 4, tilesAcross: 1, tilesDown: 1,
    bitsPerSample: 16, bytesPerSample: 2, sampleFormat: 1, samplesPerPixel: 1, planarConfig: 1,
    compression: 8, predictor: 1, tileOffsets: new Float64Array([0]), tileByteCounts: new Uint32Array([1]),
    newSubfileType: 0, nodata: undefined, littleEndian: true, ...over,
  }; // prettier-ignore
}

describe('decoding COGs from our writer gives back the source pixels', () => {
  const cases: Partial<WriteCogOptions>[] = [
    { dataType: 'uint16', predictor: 2, tileSize: 512, width: 1100, height: 700 },
    { dataType: 'uint16', predictor: 1, tileSize: 1024, width: 1030, height: 1025 },
    { dataType: 'uint8', predictor: 2, tileSize: 256, width: 600, height: 300 },
    { dataType: 'uint8', predictor: 1, tileSize: 512, width: 513, height: 90 },
  ];
  for (const c of cases) {
    it(`full image, ${JSON.stringify(c)}`, async () => {
      const data = pixels(c.dataType!, c.width!, c.height!);
      const buf = encodeCog({ ...c, data, georef: GEOREF } as WriteCogOptions);
      const out = await decodeWindow(buf, 'full');
      expect(out).toBeInstanceOf(data.constructor);
      expect(out.length).toBe(data.length);
      expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(data.buffer))).toBe(
        true,
      );
    });
  }

  it('any window equals the same crop of the source (property)', async () => {
    const W = 700;
    const H = 530;
    const data = pixels('uint16', W, H, 4);
    const buf = encodeCog({
      width: W,
      height: H,
      dataType: 'uint16',
      data,
      georef: GEOREF,
      tileSize: 256,
      predictor: 2,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: W - 1 }),
        fc.integer({ min: 0, max: H - 1 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        async (x, y, w, h) => {
          const win = { x, y, width: Math.min(w, W - x), height: Math.min(h, H - y) };
          expect([...(await decodeWindow(buf, win))]).toEqual(crop(data, W, win));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('overview images equal the writer overviews', async () => {
    const data = pixels('uint16', 600, 600, 2);
    const buf = encodeCog({
      width: 600,
      height: 600,
      dataType: 'uint16',
      data,
      georef: GEOREF,
      tileSize: 256,
      nodata: 0,
    });
    const levels = buildOverviews({ width: 600, height: 600, data }, 'average', 256, 0);
    for (let i = 0; i < levels.length; i++) {
      expect([...(await decodeWindow(buf, 'full', i + 1))]).toEqual([...levels[i]!.data]);
    }
  });
});

describe('decodeTile', () => {
  const expected = 8 * 4 * 2;

  it('fills a sparse (null) tile with nodata, or 0', () => {
    expect([...decodeTile(null, image(), 7)]).toEqual(new Array(32).fill(7));
    expect([...decodeTile(null, image({ bitsPerSample: 8, bytesPerSample: 1 }), undefined)]).toEqual(
      new Array(32).fill(0),
    );
  });

  it('refuses a tile that inflates beyond the tile size (a deflate bomb) without allocating it', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    const err = (() => {
      try {
        decodeTile(bomb, image(), 0, 'bomb.tif tile 0');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CogFormatError);
    expect(err).toMatchObject({
      reason: 'pixel-budget',
      message: `bomb.tif tile 0: tile inflates to more than its ${expected} bytes`,
    });
  });

  it('refuses a tile that inflates short, a cut stream and garbage', () => {
    expect(() => decodeTile(deflateSync(Buffer.alloc(expected - 2)), image(), 0)).toThrow(
      /inflates to 62 bytes, expected 64/,
    );
    const good = deflateSync(Buffer.alloc(expected, 3));
    expect(() => decodeTile(good.subarray(0, good.length - 5), image(), 0)).toThrow(CogFormatError);
    expect(() => decodeTile(new Uint8Array([1, 2, 3, 4, 5]), image(), 0)).toThrow(/corrupt deflate stream/);
    expect(() => decodeTile(new Uint8Array(10), image({ compression: 1 }), 0)).toThrow(
      /uncompressed tile has 10 of 64 bytes/,
    );
  });

  it('reads 16-bit samples in the file byte order and undoes the predictor after swapping', () => {
    const values = [1000, 1300, 900, 65535, 0, 1, 2, 3];
    const diffs = values.map((v, i) => (i === 0 ? v : (v - values[i - 1]! + 65536) % 65536));
    const raw = Buffer.alloc(expected);
    for (let row = 0; row < 4; row++) diffs.forEach((d, i) => raw.writeUInt16BE(d, row * 16 + 2 * i));
    const out = decodeTile(deflateSync(raw), image({ littleEndian: false, predictor: 2 }), 0);
    expect([...out.subarray(0, 8)]).toEqual(values);
    expect([...out.subarray(24, 32)]).toEqual(values);
    const le = Buffer.alloc(expected);
    for (let i = 0; i < 32; i++) le.writeUInt16LE(values[i % 8]!, 2 * i);
    expect([...decodeTile(le, image({ compression: 1 }), 0).subarray(0, 8)]).toEqual(values);
  });

  it('does not modify the compressed input of an uncompressed tile', () => {
    const raw = new Uint8Array(32).fill(1);
    decodeTile(raw, image({ compression: 1, predictor: 2, bitsPerSample: 8, bytesPerSample: 1 }), 0);
    expect([...raw]).toEqual(new Array(32).fill(1));
  });

  it('undoes the predictor per sample for interleaved samples, wrapping modulo 2^bits', () => {
    // 2 pixels x 3 samples per row, 2 rows: differences of (250, 10, 5) then (+10, +250, -6)
    const a = new Uint8Array([250, 10, 5, 10, 250, 250, 1, 2, 3, 1, 1, 1]);
    undoHorizontalDifferencing(a, 2, 3);
    expect([...a]).toEqual([250, 10, 5, 4, 4, 255, 1, 2, 3, 2, 3, 4]);
  });

  it('undoes a one-sample 16-bit predictor as a running sum modulo 2^16, for any row width (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (width, rows, seed) => {
          const a = new Uint16Array(width * rows);
          let s = seed;
          for (let i = 0; i < a.length; i++) a[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 16;
          const expected = Array.from(a);
          for (let r = 0; r < rows; r++)
            for (let x = 1; x < width; x++)
              expected[r * width + x] =
                ((expected[r * width + x - 1] ?? 0) + (expected[r * width + x] ?? 0)) % 65536;
          undoHorizontalDifferencing(a, width, 1);
          expect(Array.from(a)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('tilesForWindow, planReads and assembleWindow', () => {
  const img = image({
    width: 1000,
    height: 600,
    tileWidth: 256,
    tileHeight: 256,
    tilesAcross: 4,
    tilesDown: 3,
  });

  it('lists the tiles a window touches, row-major, and refuses windows outside the image', () => {
    expect(tilesForWindow(img, { x: 0, y: 0, width: 1000, height: 600 })).toEqual([...Array(12).keys()]);
    expect(tilesForWindow(img, { x: 255, y: 255, width: 2, height: 2 })).toEqual([0, 1, 4, 5]);
    expect(tilesForWindow(img, { x: 999, y: 599, width: 1, height: 1 })).toEqual([11]);
    expect(() => tilesForWindow(img, { x: 990, y: 0, width: 11, height: 1 })).toThrow(
      /not inside image 0 \(1000x600\)/,
    );
    expect(() => tilesForWindow(img, { x: 0, y: 0, width: 0, height: 1 })).toThrow(RangeError);
    expect(() => tilesForWindow(img, { x: 0.5, y: 0, width: 1, height: 1 })).toThrow(RangeError);
  });

  it('merges tiles adjacent in the file, bridges small gaps only, and skips sparse tiles', () => {
    const offsets = new Float64Array([100, 208, 316, 10_000, 10_108, 0]);
    const counts = new Uint32Array([100, 100, 100, 100, 100, 0]);
    const im = image({ tileOffsets: offsets, tileByteCounts: counts, tilesAcross: 6, width: 48 });
    expect(planReads(im, [3, 0, 1, 2, 4, 5], 8, 1 << 20)).toEqual([
      { offset: 100, length: 316, tiles: [0, 1, 2] },
      { offset: 10_000, length: 208, tiles: [3, 4] },
    ]);
    expect(planReads(im, [0, 1, 2], 7, 1 << 20).length).toBe(3);
    expect(planReads(im, [0, 1, 2], 8, 250).map((r) => r.tiles)).toEqual([[0, 1], [2]]);
  });

  it('fetchTiles maps sparse tiles to null and checks indices', async () => {
    const bytes = new Uint8Array(300).map((_, i) => i & 0xff);
    const im = image({
      tileOffsets: new Float64Array([10, 0, 200]),
      tileByteCounts: new Uint32Array([5, 0, 3]),
      tilesAcross: 3,
      width: 24,
    });
    const got = await fetchTiles(new MemoryByteSource(bytes), im, [0, 1, 2]);
    expect(got.get(1)).toBeNull();
    expect([...got.get(0)!]).toEqual([10, 11, 12, 13, 14]);
    expect([...got.get(2)!]).toEqual([200, 201, 202]);
    await expect(fetchTiles(new MemoryByteSource(bytes), im, [3])).rejects.toThrow(/no tile 3/);
    const short = new MemoryByteSource(bytes.subarray(0, 202), 'short.tif');
    await expect(fetchTiles(short, im, [2])).rejects.toMatchObject({
      reason: 'truncated',
      sourceId: 'short.tif',
    });
  });

  it('fetchTiles keeps at most `concurrency` reads in flight, and the first failure stops the rest', async () => {
    const n = 12;
    const im = image({
      tileOffsets: Float64Array.from({ length: n }, (_, i) => i * 100_000),
      tileByteCounts: new Uint32Array(n).fill(10),
      tilesAcross: n,
      width: 8 * n,
    });
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    const slow = (failAt?: number): ByteSource => ({
      id: 'slow',
      read: async (offset, length, signal) => {
        started++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        signal?.throwIfAborted();
        if (offset === failAt) throw new Error('boom');
        return new Uint8Array(length);
      },
      size: () => Promise.resolve(undefined),
      close: () => Promise.resolve(),
    });
    const all = [...Array(n).keys()];
    expect((await fetchTiles(slow(), im, all, { concurrency: 3 })).size).toBe(n);
    expect(maxInFlight).toBe(3);
    started = 0;
    await expect(fetchTiles(slow(200_000), im, all, { concurrency: 2 })).rejects.toThrow('boom');
    expect(started).toBeLessThan(n);
    expect(inFlight).toBe(0); // settled only after every read had
  });

  it('assembleWindow hands back a window that is exactly one whole tile without copying it', () => {
    const tile = pixels('uint16', 256, 256);
    const tiles = new Map<number, Pixels>([[1, tile]]);
    expect(assembleWindow(tiles, img, { x: 256, y: 0, width: 256, height: 256 })).toBe(tile);
    // One row short of the tile: a copy, with the same values.
    const part = assembleWindow(tiles, img, { x: 256, y: 0, width: 256, height: 255 });
    expect(part).not.toBe(tile);
    expect(Array.from(part)).toEqual(Array.from(tile.subarray(0, 256 * 255)));
  });

  it('assembleWindow refuses a missing tile', () => {
    const tiles = new Map<number, Pixels>([[0, new Uint16Array(256 * 256)]]);
    expect(() => assembleWindow(tiles, img, { x: 200, y: 0, width: 100, height: 10 })).toThrow(
      /tile 1 of image 0 is missing/,
    );
  });
});
