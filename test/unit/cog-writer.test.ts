import fc from 'fast-check';
import { fromArrayBuffer, type GeoTIFF } from 'geotiff';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { encodeCog, encodeSparseCog, type WriteCogOptions } from '../../src/io/tiff/cog-writer.js';
import {
  buildOverviews,
  downsampleAverage,
  downsampleNearest,
  overviewSizes,
} from '../../src/io/tiff/overviews.js';

const GEOREF = { epsg: 32647, originX: 399960, originY: 2800020, pixelSize: 10 };

function openCog(buf: Buffer): Promise<GeoTIFF> {
  return fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

/** Deterministic pseudo-random pixels (xorshift32) masked to the type's range. */
function pixels(dataType: 'uint8' | 'uint16', length: number, seed = 1): Uint8Array | Uint16Array {
  const out = dataType === 'uint16' ? new Uint16Array(length) : new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s; // typed array stores modulo 2^bits
  }
  return out;
}

function opts(overrides: Partial<WriteCogOptions> = {}): WriteCogOptions {
  const width = overrides.width ?? 600;
  const height = overrides.height ?? 400;
  const dataType = overrides.dataType ?? 'uint16';
  return {
    width,
    height,
    dataType,
    data: pixels(dataType, width * height),
    georef: GEOREF,
    tileSize: 256,
    ...overrides,
  };
}

/** Compares pixel arrays value by value and reports the first difference (no giant diffs). */
function expectSamePixels(actual: unknown, expected: ArrayLike<number>, label = 'pixels'): void {
  const a = actual as ArrayLike<number>;
  expect(a.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== expected[i]) {
      expect.fail(`${label}: first difference at index ${i}: got ${a[i]}, expected ${expected[i]}`);
    }
  }
}

/** A tiny independent IFD reader: each IFD as tag -> numeric values (ASCII as char codes). */
interface RawIfd {
  offset: number;
  tags: number[];
  values: Map<number, number[]>;
}
function readIfds(buf: Buffer): RawIfd[] {
  const sizes: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8 };
  const ifds: RawIfd[] = [];
  let offset = buf.readUInt32LE(4);
  while (offset !== 0) {
    const n = buf.readUInt16LE(offset);
    const ifd: RawIfd = { offset, tags: [], values: new Map() };
    for (let i = 0; i < n; i++) {
      const e = offset + 2 + 12 * i;
      const tag = buf.readUInt16LE(e);
      const type = buf.readUInt16LE(e + 2);
      const count = buf.readUInt32LE(e + 4);
      const size = sizes[type]!;
      const at = size * count <= 4 ? e + 8 : buf.readUInt32LE(e + 8);
      const values: number[] = [];
      for (let k = 0; k < count; k++) {
        const p = at + k * size;
        values.push(
          type === 3
            ? buf.readUInt16LE(p)
            : type === 4
              ? buf.readUInt32LE(p)
              : type === 12
                ? buf.readDoubleLE(p)
                : buf.readUInt8(p),
        );
      }
      ifd.tags.push(tag);
      ifd.values.set(tag, values);
    }
    ifds.push(ifd);
    offset = buf.readUInt32LE(offset + 2 + 12 * n);
  }
  return ifds;
}

describe('encodeCog round trip through geotiff.js', () => {
  const combos = [
    { dataType: 'uint8', predictor: 1 },
    { dataType: 'uint8', predictor: 2 },
    { dataType: 'uint16', predictor: 1 },
    { dataType: 'uint16', predictor: 2 },
  ] as const;

  it.each(combos)('$dataType predictor $predictor: size, tiling and every pixel', async (c) => {
    const o = opts({ width: 1000, height: 700, tileSize: 512, ...c });
    const tiff = await openCog(encodeCog(o));
    const image = await tiff.getImage(0);
    expect(image.getWidth()).toBe(1000);
    expect(image.getHeight()).toBe(700);
    expect(image.getTileWidth()).toBe(512);
    expect(image.getTileHeight()).toBe(512);
    expect(image.getBitsPerSample()).toBe(c.dataType === 'uint16' ? 16 : 8);
    expect(image.getSamplesPerPixel()).toBe(1);
    expect(image.fileDirectory.getValue('Compression')).toBe(8);
    expect(await image.fileDirectory.loadValue('Predictor')).toBe(c.predictor);
    const raster = await image.readRasters({ interleave: true });
    expect(raster).toBeInstanceOf(c.dataType === 'uint16' ? Uint16Array : Uint8Array);
    expectSamePixels(raster, o.data);
  });

  it('reads a window crossing tile boundaries', async () => {
    const o = opts({ width: 700, height: 530 });
    const image = await (await openCog(encodeCog(o))).getImage(0);
    const window = [250, 250, 520, 530] as [number, number, number, number];
    const raster = (await image.readRasters({ window, interleave: true })) as unknown as Uint16Array;
    const expected: number[] = [];
    for (let y = 250; y < 530; y++) for (let x = 250; x < 520; x++) expected.push(o.data[y * 700 + x]!);
    expect(Array.from(raster)).toEqual(expected);
  });

  it('writes georeferencing: origin, resolution, geokeys', async () => {
    const image = await (await openCog(encodeCog(opts()))).getImage(0);
    expect(image.getOrigin()).toEqual([399960, 2800020, 0]);
    expect(image.getResolution()).toEqual([10, -10, 0]);
    expect(image.getBoundingBox()).toEqual([399960, 2800020 - 4000, 399960 + 6000, 2800020]);
    const keys = image.getGeoKeys();
    expect(keys).toMatchObject({ GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32647 });
  });

  it('writes the GDAL_NODATA tag when nodata is given, and only then', async () => {
    const withNodata = await (await openCog(encodeCog(opts({ nodata: 0 })))).getImage(0);
    expect(withNodata.getGDALNoData()).toBe(0);
    const u8 = await (await openCog(encodeCog(opts({ dataType: 'uint8', nodata: 255 })))).getImage(0);
    expect(u8.getGDALNoData()).toBe(255);
    const without = await (await openCog(encodeCog(opts()))).getImage(0);
    expect(without.getGDALNoData()).toBeNull();
  });
});

describe('overviews', () => {
  it('computes level sizes by halving (rounded up) until the image fits minSize', () => {
    expect(overviewSizes(1000, 700, 512)).toEqual([[500, 350]]);
    expect(overviewSizes(1500, 1100, 512)).toEqual([
      [750, 550],
      [375, 275],
    ]);
    expect(overviewSizes(10980, 10980, 1024)).toEqual([
      [5490, 5490],
      [2745, 2745],
      [1373, 1373],
      [687, 687],
    ]);
    expect(overviewSizes(512, 300, 512)).toEqual([]);
    expect(overviewSizes(5, 3, 1)).toEqual([
      [3, 2],
      [2, 1],
      [1, 1],
    ]);
  });

  it('writes one reduced-resolution IFD per level, largest first', async () => {
    const o = opts({ width: 1500, height: 1100, tileSize: 256 });
    const tiff = await openCog(encodeCog(o));
    const expected = [[1500, 1100], ...overviewSizes(1500, 1100, 256)];
    expect(await tiff.getImageCount()).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const image = await tiff.getImage(i);
      expect([image.getWidth(), image.getHeight()]).toEqual(expected[i]);
      expect(image.fileDirectory.getValue('NewSubfileType') ?? 0).toBe(i === 0 ? 0 : 1);
    }
    expect(expected.at(-1)).toEqual([188, 138]);
  });

  it('honours minOverviewSize', async () => {
    const o = opts({ width: 600, height: 400, tileSize: 256, minOverviewSize: 100 });
    const tiff = await openCog(encodeCog(o));
    const sizes = [];
    for (let i = 0; i < (await tiff.getImageCount()); i++) {
      const image = await tiff.getImage(i);
      sizes.push([image.getWidth(), image.getHeight()]);
    }
    expect(sizes).toEqual([
      [600, 400],
      [300, 200],
      [150, 100],
      [75, 50],
    ]);
  });

  it('average ignores nodata, rounds half up, and only counts pixels inside the image', () => {
    const nd = 0;
    // 5x3: the right column and the bottom row form partial 2x2 blocks
    // prettier-ignore
    const data = new Uint16Array([
      10, 20,   nd, nd,   7,
      30, nd,   nd, nd,   8,
      1,  2,    nd, 5,    nd,
    ]);
    const half = downsampleAverage({ width: 5, height: 3, data }, nd);
    expect([half.width, half.height]).toEqual([3, 2]);
    // (10+20+30)/3 = 20; all nodata -> nodata; (7+8)/2 = 7.5 -> 8; (1+2)/2 = 1.5 -> 2; 5; nodata
    expect(Array.from(half.data)).toEqual([20, nd, 8, 2, 5, nd]);
    // Without a nodata value, zeros are ordinary values.
    expect(Array.from(downsampleAverage({ width: 5, height: 3, data }).data)).toEqual([15, 0, 8, 2, 3, 0]);
  });

  it('nearest picks the top-left pixel of each 2x2 block', () => {
    // prettier-ignore
    const data = new Uint8Array([
      1, 2, 3, 4, 5,
      6, 7, 8, 9, 10,
      11, 12, 13, 14, 15,
    ]);
    const half = downsampleNearest({ width: 5, height: 3, data });
    expect([half.width, half.height]).toEqual([3, 2]);
    expect(Array.from(half.data)).toEqual([1, 3, 5, 11, 13, 15]);
    expect(half.data).toBeInstanceOf(Uint8Array);
  });

  it('the file holds the averaged overview (nodata ignored), as geotiff.js decodes it', async () => {
    const width = 300;
    const height = 300;
    const data = new Uint16Array(width * height);
    for (let i = 0; i < data.length; i++) data[i] = i % 3 === 0 ? 65535 : 100 + (i % 7);
    const o = opts({ width, height, data, nodata: 65535, tileSize: 256 });
    const tiff = await openCog(encodeCog(o));
    const overview = await (await tiff.getImage(1)).readRasters({ interleave: true });
    const expected = downsampleAverage({ width, height, data }, 65535).data;
    expectSamePixels(overview, expected);
    expect(Array.from(expected)).not.toContain(65535); // every 2x2 block has a valid pixel here
    expect(Array.from(expected).every((v) => v >= 100 && v <= 106)).toBe(true);
  });

  it('nearest overviews keep class values of an SCL-like map', async () => {
    const width = 600;
    const height = 300;
    const data = pixels('uint8', width * height).map((v) => v % 12);
    const o = opts({ width, height, dataType: 'uint8', data, overviewResampling: 'nearest' });
    const tiff = await openCog(encodeCog(o));
    const overview = (await (
      await tiff.getImage(1)
    ).readRasters({ interleave: true })) as unknown as Uint8Array;
    expectSamePixels(overview, downsampleNearest({ width, height, data }).data);
  });
});

describe('COG layout', () => {
  it('has the GDAL ghost area, then all IFDs, then tiles smallest overview first, with leader and trailer', () => {
    const o = opts({ width: 1000, height: 700, tileSize: 256, nodata: 0 });
    const buf = encodeCog(o);
    expect(buf.toString('latin1', 0, 4)).toBe('II*\0');
    const ghost =
      'GDAL_STRUCTURAL_METADATA_SIZE=000140 bytes\n' +
      'LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n' +
      'BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ';
    expect(buf.toString('latin1', 8, 8 + ghost.length)).toBe(ghost);
    expect(buf.readUInt32LE(4)).toBe(192); // 8 + 43 + 140, rounded up to a word boundary

    const ifds = readIfds(buf);
    expect(ifds.map((i) => i.values.get(256)![0])).toEqual([1000, 500, 250]);
    for (const ifd of ifds) expect(ifd.tags).toEqual([...ifd.tags].sort((a, b) => a - b));
    for (let i = 1; i < ifds.length; i++) expect(ifds[i]!.offset).toBeGreaterThan(ifds[i - 1]!.offset);

    const tileRuns = ifds.map((ifd) => ({ offsets: ifd.values.get(324)!, counts: ifd.values.get(325)! }));
    const firstData = Math.min(...tileRuns.flatMap((r) => r.offsets));
    // every IFD and every tag value lies before the first tile
    expect(firstData).toBeGreaterThan(ifds.at(-1)!.offset);
    // smallest overview first, full resolution last; each image row-major, back to back
    let expectedOffset = firstData;
    for (const run of [...tileRuns].reverse()) {
      run.offsets.forEach((offset, j) => {
        const count = run.counts[j]!;
        expect(offset).toBe(expectedOffset);
        expect(buf.readUInt32LE(offset - 4)).toBe(count); // leader
        expect(buf.subarray(offset + count, offset + count + 4)).toEqual(
          buf.subarray(offset + count - 4, offset + count),
        ); // trailer
        expectedOffset = offset + count + 8;
      });
    }
    expect(expectedOffset - 4).toBe(buf.length);
  });

  it('writes the tags GDAL expects on the full-resolution IFD', () => {
    const ifd = readIfds(encodeCog(opts({ nodata: 0, predictor: 2 })))[0]!;
    const v = (tag: number): number[] | undefined => ifd.values.get(tag);
    expect(v(254)).toBeUndefined(); // full resolution: NewSubfileType 0 by default
    expect(v(258)).toEqual([16]);
    expect(v(259)).toEqual([8]);
    expect(v(262)).toEqual([1]);
    expect(v(277)).toEqual([1]);
    expect(v(284)).toEqual([1]);
    expect(v(317)).toEqual([2]);
    expect(v(339)).toEqual([1]);
    expect(v(33550)).toEqual([10, 10, 0]);
    expect(v(33922)).toEqual([0, 0, 0, 399960, 2800020, 0]);
    expect(v(34735)).toEqual([1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32647]);
    expect(String.fromCharCode(...v(42113)!)).toBe('0\0');
  });

  it('pads partial edge tiles to the full tile size with nodata', () => {
    const o = opts({ width: 300, height: 260, tileSize: 256, nodata: 9, predictor: 1 });
    const buf = encodeCog(o);
    const ifd = readIfds(buf)[0]!;
    const offsets = ifd.values.get(324)!;
    const counts = ifd.values.get(325)!;
    expect(offsets).toHaveLength(4);
    // bottom-right tile: 44 x 4 real pixels
    const raw = inflateSync(buf.subarray(offsets[3], offsets[3]! + counts[3]!));
    expect(raw.length).toBe(256 * 256 * 2);
    const tile = new Uint16Array(raw.buffer, raw.byteOffset, 256 * 256);
    expect(tile[0]).toBe(o.data[256 * 300 + 256]);
    expect(tile[3 * 256 + 43]).toBe(o.data[259 * 300 + 299]);
    expect(tile[3 * 256 + 44]).toBe(9);
    expect(tile[4 * 256]).toBe(9);
    expect(tile[256 * 256 - 1]).toBe(9);
  });

  it('is deterministic: the same input gives byte-identical output', () => {
    const o = opts({ width: 900, height: 500, nodata: 0 });
    const a = encodeCog(o);
    const b = encodeCog({ ...o, data: o.data.slice(), georef: { ...o.georef } });
    expect(a.equals(b)).toBe(true);
  });

  // Its speed belongs in a benchmark, never in a test.
  it('round-trips a 2048x2048 uint16 band of noise in 1024-pixel tiles', async () => {
    const o = opts({ width: 2048, height: 2048, tileSize: 1024 });
    const image = await (await openCog(encodeCog(o))).getImage();
    expect([image.getWidth(), image.getHeight(), image.getTileWidth()]).toEqual([2048, 2048, 1024]);
    expectSamePixels(await image.readRasters({ interleave: true }), o.data);
  });
});

describe('option validation', () => {
  const base = opts({ width: 10, height: 10 });
  const bad: Array<[string, Partial<WriteCogOptions> | Record<string, unknown>, RegExp]> = [
    ['data length', { data: new Uint16Array(99) }, /data length 99 does not match width\*height/],
    ['non-integer width', { width: 10.5 }, /width must be a positive integer/],
    ['zero height', { height: 0 }, /height must be a positive integer/],
    ['dataType', { dataType: 'float32' }, /dataType must be 'uint8' or 'uint16'/],
    ['array type', { data: new Uint8Array(100) }, /data must be a Uint16Array for dataType 'uint16'/],
    ['tile size', { tileSize: 300 }, /unsupported tileSize 300/],
    ['predictor', { predictor: 3 }, /predictor must be 1 or 2/],
    ['compression level', { compressionLevel: 12 }, /compressionLevel must be an integer in 0..9/],
    ['nodata out of range', { nodata: 70000 }, /nodata must be an integer in 0..65535/],
    ['nodata fraction', { nodata: 0.5 }, /nodata must be an integer/],
    ['resampling', { overviewResampling: 'bilinear' }, /overviewResampling must be/],
    ['minOverviewSize', { minOverviewSize: 0 }, /minOverviewSize must be a positive integer/],
    ['epsg', { georef: { ...GEOREF, epsg: 3.5 } }, /georef.epsg must be an EPSG code/],
    ['pixel size', { georef: { ...GEOREF, pixelSize: -10 } }, /georef.pixelSize must be a positive number/],
    ['origin', { georef: { ...GEOREF, originX: Number.NaN } }, /georef.originX must be a finite number/],
  ];
  it.each(bad)('rejects a bad %s', (_name, override, message) => {
    expect(() => encodeCog({ ...base, ...override })).toThrow(message);
  });

  it('rejects uint8 nodata above 255', () => {
    expect(() => encodeCog({ ...opts({ width: 4, height: 4, dataType: 'uint8' }), nodata: 256 })).toThrow(
      /nodata must be an integer in 0..255 for uint8/,
    );
  });
});

describe('property: small random images round-trip', () => {
  it('every level decodes to the input and to buildOverviews', async () => {
    const arb = fc
      .record({
        width: fc.integer({ min: 1, max: 70 }),
        height: fc.integer({ min: 1, max: 70 }),
        dataType: fc.constantFrom('uint8' as const, 'uint16' as const),
        predictor: fc.constantFrom(1 as const, 2 as const),
        resampling: fc.constantFrom('average' as const, 'nearest' as const),
        minOverviewSize: fc.integer({ min: 1, max: 40 }),
        nodata: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
        seed: fc.integer({ min: 1, max: 0x7fffffff }),
      })
      .map((r) => {
        const data = pixels(r.dataType, r.width * r.height, r.seed);
        // sprinkle nodata so that averaging has something to ignore
        if (r.nodata !== undefined) for (let i = 0; i < data.length; i += 3) data[i] = r.nodata;
        return { ...r, data };
      });
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const full = { width: r.width, height: r.height, data: r.data };
        const buf = encodeCog({
          ...full,
          dataType: r.dataType,
          georef: GEOREF,
          nodata: r.nodata,
          tileSize: 256,
          predictor: r.predictor,
          overviewResampling: r.resampling,
          minOverviewSize: r.minOverviewSize,
        });
        const levels = [full, ...buildOverviews(full, r.resampling, r.minOverviewSize, r.nodata)];
        const tiff = await openCog(buf);
        expect(await tiff.getImageCount()).toBe(levels.length);
        for (let i = 0; i < levels.length; i++) {
          const image = await tiff.getImage(i);
          expect([image.getWidth(), image.getHeight()]).toEqual([levels[i]!.width, levels[i]!.height]);
          const raster = await image.readRasters({ interleave: true });
          expectSamePixels(raster, levels[i]!.data, `level ${i}`);
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** A uint8 band that is 0 but for a few spots, given both ways: dense, and as its non-zero pixels. */
function sparseBand(width: number, height: number, seed: number, spots: number) {
  const dense = new Uint8Array(width * height);
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) >>> 0);
  for (let s = 0; s < spots; s++) dense[next() % dense.length] = 1 + (next() % 255);
  const pixels = Uint32Array.from(dense.keys()).filter((i) => dense[i] !== 0);
  return { dense, pixels, values: Uint8Array.from(pixels, (i) => dense[i]!) };
}

describe('sparse COG from its non-zero pixels', () => {
  it('stores only the tiles holding a non-zero pixel, at full resolution', async () => {
    const [width, height, ts] = [700, 450, 256 as const];
    // Spots in tiles (1,0), (0,1) and (2,1); the other three tiles hold none.
    const dense = new Uint8Array(width * height);
    for (const [px, py, v] of [
      [300, 10, 9],
      [5, 300, 200],
      [699, 449, 1],
      [600, 260, 77],
    ] as const)
      dense[py * width + px] = v;
    const pixels = Uint32Array.from(dense.keys()).filter((i) => dense[i] !== 0);
    const values = Uint8Array.from(pixels, (i) => dense[i]!);
    const tiff = await openCog(
      encodeSparseCog({ width, height, georef: GEOREF, tileSize: ts, compressionLevel: 6, pixels, values }),
    );
    const full = await tiff.getImage(0);
    const counts = Array.from((await full.fileDirectory.loadValue('TileByteCounts')) ?? [], Number);
    const nx = Math.ceil(width / ts);
    const busy = new Set(['1,0', '0,1', '2,1']);
    expect(counts).toHaveLength(nx * Math.ceil(height / ts));
    for (let j = 0; j < counts.length; j++)
      expect(counts[j] !== 0).toBe(busy.has(`${j % nx},${Math.floor(j / nx)}`));
    expectSamePixels(await full.readRasters({ interleave: true }), dense);
  });

  it('property: every level decodes to the dense band and its 2 x 2 average overviews', async () => {
    const arb = fc.record({
      width: fc.integer({ min: 1, max: 600 }),
      height: fc.integer({ min: 1, max: 600 }),
      spots: fc.integer({ min: 0, max: 40 }),
      minOverviewSize: fc.integer({ min: 16, max: 300 }),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const { dense, pixels, values } = sparseBand(r.width, r.height, r.seed, r.spots);
        const buf = encodeSparseCog({
          width: r.width,
          height: r.height,
          georef: GEOREF,
          tileSize: 256,
          compressionLevel: 6,
          minOverviewSize: r.minOverviewSize,
          pixels,
          values,
        });
        const full = { width: r.width, height: r.height, data: dense };
        const levels = [full, ...buildOverviews(full, 'average', r.minOverviewSize, undefined)];
        const tiff = await openCog(buf);
        expect(await tiff.getImageCount()).toBe(levels.length);
        for (let i = 0; i < levels.length; i++) {
          const raster = await (await tiff.getImage(i)).readRasters({ interleave: true });
          expectSamePixels(raster, levels[i]!.data, `level ${i}`);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses pixels and values of different lengths, and a pixel outside the image', () => {
    const base = { width: 10, height: 10, georef: GEOREF, tileSize: 256 as const };
    expect(() =>
      encodeSparseCog({ ...base, pixels: Uint32Array.of(1, 2), values: Uint8Array.of(5) }),
    ).toThrow(/2 pixels but 1 values/);
    expect(() => encodeSparseCog({ ...base, pixels: Uint32Array.of(100), values: Uint8Array.of(5) })).toThrow(
      /pixel index 100 is outside 10x10/,
    );
  });
});
