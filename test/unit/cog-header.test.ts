import { fromArrayBuffer } from 'geotiff';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { MemoryByteSource, type ByteSource } from '../../src/io/byte-source.js';
import {
  CogFormatError,
  readCogHeader,
  type CogHeader,
  type CogHeaderOptions,
} from '../../src/io/cog-header.js';
import { fetchTiles, tilesForWindow } from '../../src/io/cog-window.js';
import { assembleWindow, decodeTile } from '../../src/io/decode-tile.js';
import { encodeCog, type WriteCogOptions } from '../../src/io/tiff/cog-writer.js';

const GEOREF = { epsg: 32647, originX: 399960, originY: 2800020, pixelSize: 10 };

function pixels(kind: 'uint8' | 'uint16', n: number, seed = 3): Uint8Array | Uint16Array {
  const out = kind === 'uint16' ? new Uint16Array(n) : new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s >>> 8) % 3000; // smooth-ish and small, like reflectance
  }
  return out;
}

function cog(over: Partial<WriteCogOptions> = {}): Buffer {
  const width = over.width ?? 700;
  const height = over.height ?? 530;
  const dataType = over.dataType ?? 'uint16';
  return encodeCog({
    width,
    height,
    dataType,
    data: pixels(dataType, width * height),
    georef: GEOREF,
    ...over,
  });
}

const src = (b: Uint8Array, id = 'test.tif'): MemoryByteSource => new MemoryByteSource(b, id);

async function formatError(p: Promise<unknown>): Promise<CogFormatError> {
  const err: unknown = await p.then(
    () => new Error('expected a CogFormatError, got a header'),
    (e: unknown) => e,
  );
  if (!(err instanceof CogFormatError)) throw err;
  return err;
}

// ---------------------------------------------------------------------------------------------
// A tiny TIFF writer for what encodeCog cannot make: big-endian, BigTIFF, strips, odd tags.

type Field = { tag: number; type: 2 | 3 | 4 | 12 | 16; values: number[] | string };
const SIZE = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 } as const;

/** header | data | IFDs, each followed by its out-of-line values. `ifds(dataStart)` builds the fields. */
function buildTiff(
  le: boolean,
  big: boolean,
  data: Uint8Array,
  ifds: (dataStart: number) => Field[][],
): Uint8Array {
  const head = big ? 16 : 8;
  const fieldSets = ifds(head).map((f) => [...f].sort((a, b) => a.tag - b.tag));
  const ptr = big ? 8 : 4;
  const bytesOf = (f: Field): number =>
    (typeof f.values === 'string' ? f.values.length + 1 : f.values.length) * SIZE[f.type];
  let pos = head + data.length;
  const ifdAt: number[] = [];
  for (const fields of fieldSets) {
    pos += pos & 1;
    ifdAt.push(pos);
    pos += (big ? 8 : 2) + fields.length * (big ? 20 : 12) + ptr;
    for (const f of fields) if (bytesOf(f) > ptr) pos += bytesOf(f) + (bytesOf(f) & 1);
  }
  const buf = new Uint8Array(pos);
  const dv = new DataView(buf.buffer);
  const put = (at: number, type: number, v: number): void => {
    if (type === 3) dv.setUint16(at, v, le);
    else if (type === 4) dv.setUint32(at, v, le);
    else if (type === 12) dv.setFloat64(at, v, le);
    else if (type === 16) dv.setBigUint64(at, BigInt(v), le);
    else dv.setUint8(at, v);
  };
  buf.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  dv.setUint16(2, big ? 43 : 42, le);
  if (big) {
    dv.setUint16(4, 8, le);
    put(8, 16, ifdAt[0]!);
  } else put(4, 4, ifdAt[0]!);
  buf.set(data, head);
  fieldSets.forEach((fields, k) => {
    let at = ifdAt[k]!;
    put(at, big ? 16 : 3, fields.length);
    at += big ? 8 : 2;
    let extra = at + fields.length * (big ? 20 : 12) + ptr;
    for (const f of fields) {
      const vals = typeof f.values === 'string' ? [...f.values, '\0'].map((c) => c.charCodeAt(0)) : f.values;
      put(at, 3, f.tag);
      put(at + 2, 3, f.type);
      put(at + 4, big ? 16 : 4, vals.length);
      const valueField = at + (big ? 12 : 8);
      let dst = valueField;
      if (bytesOf(f) > ptr) {
        put(valueField, big ? 16 : 4, extra);
        dst = extra;
        extra += bytesOf(f) + (bytesOf(f) & 1);
      }
      vals.forEach((v, i) => put(dst + i * SIZE[f.type], f.type, v));
      at += big ? 20 : 12;
    }
    put(at, big ? 16 : 4, ifdAt[k + 1] ?? 0);
  });
  return buf;
}

interface Tiled {
  le: boolean;
  big: boolean;
  width: number;
  height: number;
  tile: number;
  bits: 8 | 16;
  predictor: 1 | 2;
  data: Uint8Array | Uint16Array;
  extra?: Field[];
  omit?: number[];
  compression?: 1 | 8;
}

/** A one-image tiled GeoTIFF in any byte order, classic or BigTIFF. */
function tiledTiff(t: Tiled): Uint8Array {
  const across = Math.ceil(t.width / t.tile);
  const down = Math.ceil(t.height / t.tile);
  const bps = t.bits / 8;
  const blobs: Uint8Array[] = [];
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const tile = t.bits === 16 ? new Uint16Array(t.tile * t.tile) : new Uint8Array(t.tile * t.tile);
      for (let r = 0; r < t.tile; r++) {
        for (let c = 0; c < t.tile; c++) {
          const x = tx * t.tile + c;
          const y = ty * t.tile + r;
          tile[r * t.tile + c] = x < t.width && y < t.height ? t.data[y * t.width + x]! : 0;
        }
      }
      if (t.predictor === 2) {
        for (let r = 0; r < t.tile; r++) {
          for (let c = t.tile - 1; c > 0; c--)
            tile[r * t.tile + c] = tile[r * t.tile + c]! - tile[r * t.tile + c - 1]!;
        }
      }
      const raw = new Uint8Array(tile.length * bps);
      const dv = new DataView(raw.buffer);
      tile.forEach((v, i) => (bps === 2 ? dv.setUint16(2 * i, v, t.le) : dv.setUint8(i, v)));
      blobs.push((t.compression ?? 8) === 8 ? deflateSync(raw) : raw);
    }
  }
  const data = new Uint8Array(blobs.reduce((n, b) => n + b.length, 0));
  const offsets: number[] = [];
  let at = 0;
  for (const b of blobs) {
    data.set(b, at);
    offsets.push(at);
    at += b.length;
  }
  const omit = new Set(t.omit ?? []);
  const off: 4 | 16 = t.big ? 16 : 4;
  return buildTiff(t.le, t.big, data, (start) => {
    const fields: Field[] = [
      { tag: 256, type: 4, values: [t.width] },
      { tag: 257, type: 4, values: [t.height] },
      { tag: 258, type: 3, values: [t.bits] },
      { tag: 259, type: 3, values: [t.compression ?? 8] },
      { tag: 262, type: 3, values: [1] },
      { tag: 277, type: 3, values: [1] },
      { tag: 317, type: 3, values: [t.predictor] },
      { tag: 322, type: 3, values: [t.tile] },
      { tag: 323, type: 3, values: [t.tile] },
      { tag: 324, type: off, values: offsets.map((o) => o + start) },
      { tag: 325, type: 4, values: blobs.map((b) => b.length) },
      { tag: 339, type: 3, values: [1] },
      { tag: 33550, type: 12, values: [20, 20, 0] },
      { tag: 33922, type: 12, values: [0, 0, 0, 500000, 2700000, 0] },
      { tag: 34735, type: 3, values: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32646] },
    ];
    return [[...fields.filter((f) => !omit.has(f.tag)), ...(t.extra ?? [])]];
  });
}

// ---------------------------------------------------------------------------------------------
// Byte patching of encodeCog output (classic little-endian).

function ifdOffsets(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let at = dv.getUint32(4, true); at !== 0 && out.length < 100;) {
    out.push(at);
    at = dv.getUint32(at + 2 + 12 * dv.getUint16(at, true), true);
  }
  return out;
}

function setNextIfd(b: Uint8Array, ifd: number, next: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(ifd + 2 + 12 * dv.getUint16(ifd, true), next, true);
}

/** Overwrites the inline SHORT/LONG value of `tag` in the IFD at `ifd`. */
function patchTag(b: Uint8Array, ifd: number, tag: number, value: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint16(ifd, true);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    if (dv.getUint16(e, true) !== tag) continue;
    if (dv.getUint16(e + 2, true) === 3) dv.setUint16(e + 8, value, true);
    else dv.setUint32(e + 8, value, true);
    return;
  }
  throw new Error(`tag ${tag} not in IFD at ${ifd}`);
}

async function readAll(source: ByteSource, header: CogHeader, i = 0): Promise<Uint8Array | Uint16Array> {
  const image = header.images[i]!;
  const window = { x: 0, y: 0, width: image.width, height: image.height };
  const raw = await fetchTiles(source, image, tilesForWindow(image, window));
  const tiles = new Map([...raw].map(([k, v]) => [k, decodeTile(v, image, image.nodata)]));
  return assembleWindow(tiles, image, window);
}

describe('readCogHeader on COGs from our writer', () => {
  const variants: Partial<WriteCogOptions>[] = [
    { dataType: 'uint16', predictor: 2, tileSize: 512 },
    { dataType: 'uint16', predictor: 1, tileSize: 1024, nodata: 0 },
    { dataType: 'uint8', predictor: 2, tileSize: 512, nodata: 255 },
    { dataType: 'uint8', predictor: 1, tileSize: 256, width: 1100, height: 260 },
  ];
  for (const v of variants) {
    it(`matches geotiff.js for ${JSON.stringify(v)}`, async () => {
      const buf = cog(v);
      const h = await readCogHeader(src(buf));
      const gt = await fromArrayBuffer(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer,
      );
      expect(h.images.length).toBe(await gt.getImageCount());
      expect(h).toMatchObject({ littleEndian: true, bigTiff: false, epsg: 32647, byteLength: buf.length });
      expect(h.origin).toEqual([GEOREF.originX, GEOREF.originY]);
      expect(h.pixelSize).toEqual([10, 10]);
      expect(h.nodata).toBe(v.nodata);
      for (let i = 0; i < h.images.length; i++) {
        const mine = h.images[i]!;
        const theirs = await gt.getImage(i);
        expect(mine).toMatchObject({
          ifdIndex: i,
          width: theirs.getWidth(),
          height: theirs.getHeight(),
          tileWidth: v.tileSize,
          tileHeight: v.tileSize,
          bitsPerSample: theirs.getBitsPerSample(),
          samplesPerPixel: 1,
          compression: 8,
          predictor: v.predictor,
          newSubfileType: i === 0 ? 0 : 1,
          nodata: v.nodata,
        });
        expect(mine.tilesAcross * mine.tilesDown).toBe(mine.tileOffsets.length);
        expect([...mine.tileOffsets]).toEqual([
          ...((await theirs.fileDirectory.loadValue('TileOffsets')) as number[]),
        ]);
        expect([...mine.tileByteCounts]).toEqual([
          ...((await theirs.fileDirectory.loadValue('TileByteCounts')) as number[]),
        ]);
      }
    });
  }

  it('gives the same header when the first read is tiny and the header must grow', async () => {
    const buf = cog({ width: 3000, height: 2100, tileSize: 256, dataType: 'uint8' });
    const whole = await readCogHeader(src(buf));
    const grown = await readCogHeader(src(buf), { initialBytes: 16 });
    expect(grown).toEqual(whole);
  });

  it('reads no further than it needs: one read of 64 KiB for a GDAL-layout COG', async () => {
    const buf = cog({ width: 2000, height: 2000, tileSize: 512 });
    const reads: [number, number][] = [];
    const spy: ByteSource = {
      id: 'spy',
      read: (o, n) => {
        reads.push([o, n]);
        return Promise.resolve(buf.subarray(o, o + n));
      },
      size: () => Promise.resolve(buf.length),
      close: () => Promise.resolve(),
    };
    await readCogHeader(spy);
    expect(reads).toEqual([[0, 65536]]);
  });
});

describe('readCogHeader on hand-made TIFFs', () => {
  const W = 70;
  const H = 45;
  for (const le of [true, false]) {
    for (const big of [false, true]) {
      for (const bits of [8, 16] as const) {
        it(`reads ${le ? 'little' : 'big'}-endian ${big ? 'BigTIFF' : 'classic'} ${bits}-bit like geotiff.js`, async () => {
          const data = pixels(bits === 16 ? 'uint16' : 'uint8', W * H, 11);
          const buf = tiledTiff({ le, big, width: W, height: H, tile: 32, bits, predictor: 2, data });
          const h = await readCogHeader(src(buf));
          expect(h).toMatchObject({ littleEndian: le, bigTiff: big, epsg: 32646, origin: [500000, 2700000] });
          expect(h.pixelSize).toEqual([20, 20]);
          expect(h.images[0]).toMatchObject({
            width: W,
            height: H,
            tilesAcross: 3,
            tilesDown: 2,
            bitsPerSample: bits,
          });
          const mine = await readAll(src(buf), h);
          const gt = await fromArrayBuffer(buf.slice().buffer);
          const [theirs] = (await (await gt.getImage()).readRasters({ interleave: false })) as unknown as [
            ArrayLike<number>,
          ];
          expect([...mine]).toEqual([...data]);
          // geotiff.js 3.0.5 undoes predictor 2 in host byte order, so its big-endian 16-bit values are
          // wrong (geotiffjs/geotiff.js PR #543, #550); GDAL 3.6 reads these files as `data`, checked by hand.
          if (le || bits === 8) expect([...mine]).toEqual(Array.from(theirs));
          else expect(Array.from(theirs)).not.toEqual([...data]);
        });
      }
    }
  }

  it('reads uncompressed tiles', async () => {
    const data = pixels('uint16', W * H, 5);
    const buf = tiledTiff({
      le: false,
      big: false,
      width: W,
      height: H,
      tile: 16,
      bits: 16,
      predictor: 1,
      data,
      compression: 1,
    });
    const h = await readCogHeader(src(buf));
    expect(h.images[0]!.compression).toBe(1);
    expect([...(await readAll(src(buf), h))]).toEqual([...data]);
  });

  it('takes the georeference from ModelTransformation and shifts PixelIsPoint by half a pixel', async () => {
    const data = pixels('uint8', 64, 1);
    const base = {
      le: true,
      big: false,
      width: 8,
      height: 8,
      tile: 16,
      bits: 8 as const,
      predictor: 1 as const,
      data,
    };
    const mt = tiledTiff({
      ...base,
      omit: [33550, 33922],
      extra: [{ tag: 34264, type: 12, values: [30, 0, 0, 100, 0, -30, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1] }],
    });
    const h = await readCogHeader(src(mt));
    expect([h.origin, h.pixelSize]).toEqual([
      [100, 900],
      [30, 30],
    ]);
    const point = tiledTiff({
      ...base,
      omit: [34735],
      extra: [{ tag: 34735, type: 3, values: [1, 1, 0, 2, 1025, 0, 1, 2, 2048, 0, 1, 4326] }],
    });
    const p = await readCogHeader(src(point));
    expect([p.epsg, p.origin]).toEqual([4326, [500000 - 10, 2700000 + 10]]);
  });
});

describe('readCogHeader rejects bad files with a clear CogFormatError', () => {
  const good = (): Uint8Array => new Uint8Array(cog({ width: 600, height: 600, tileSize: 256 }));

  it('wrong magic and wrong version', async () => {
    const a = good();
    a[0] = 0x58;
    a[1] = 0x58;
    expect(await formatError(readCogHeader(src(a)))).toMatchObject({
      reason: 'bad-magic',
      sourceId: 'test.tif',
    });
    const b = good();
    b[2] = 41;
    expect((await formatError(readCogHeader(src(b)))).message).toMatch(
      /test\.tif: not a TIFF \(version 41\)/,
    );
  });

  it.each([0, 7, 8, 100, 0.5, 0.99])('a file cut at %s', async (cut) => {
    const a = good();
    const n = cut < 1 ? Math.floor(a.length * cut) : cut;
    const err = await formatError(readCogHeader(src(a.subarray(0, n))));
    expect(['truncated', 'malformed']).toContain(err.reason);
    expect(err.message).toMatch(/end of the file|file has/);
  });

  it('an IFD that points at itself', async () => {
    const a = good();
    const [first] = ifdOffsets(a);
    setNextIfd(a, first!, first!);
    const err = await formatError(readCogHeader(src(a)));
    expect(err.reason).toBe('ifd-loop');
    expect(err.message).toMatch(/IFD loop/);
  });

  it('IFDs A -> B -> A', async () => {
    const a = good();
    const [first, second] = ifdOffsets(a);
    setNextIfd(a, second!, first!);
    expect((await formatError(readCogHeader(src(a)))).reason).toBe('ifd-loop');
  });

  it('a chain longer than the IFD cap', async () => {
    const a = good();
    expect((await formatError(readCogHeader(src(a), { maxIfds: 2 }))).message).toMatch(
      /IFD loop: more than 2 IFDs/,
    );
  });

  it('a next-IFD offset past the end of the file', async () => {
    const a = good();
    const offs = ifdOffsets(a);
    setNextIfd(a, offs[offs.length - 1]!, a.length + 100);
    const err = await formatError(readCogHeader(src(a)));
    expect(err.reason).toBe('malformed');
    expect(err.message).toMatch(/past the end of the file/);
  });

  it('huge declared dimensions are refused before any tile array is read', async () => {
    const data = new Uint16Array(4);
    const buf = tiledTiff({
      le: true,
      big: false,
      width: 2,
      height: 2,
      tile: 16,
      bits: 16,
      predictor: 1,
      data,
    });
    const huge = new Uint8Array(buf);
    // width and height are LONGs: patch both to 100000
    const ifd = new DataView(huge.buffer).getUint32(4, true);
    patchTag(huge, ifd, 256, 100000);
    patchTag(huge, ifd, 257, 100000);
    const err = await formatError(readCogHeader(src(huge)));
    expect(err.reason).toBe('pixel-budget');
    expect(err.message).toMatch(/100000x100000x1x2 bytes exceeds the pixel budget/);
    const opts: CogHeaderOptions = { maxImageBytes: 1000 };
    expect((await formatError(readCogHeader(src(cog({ width: 600, height: 600 })), opts))).reason).toBe(
      'pixel-budget',
    );
  });

  it('an unsupported codec, named', async () => {
    const a = good();
    patchTag(a, ifdOffsets(a)[0]!, 259, 34925);
    const err = await formatError(readCogHeader(src(a)));
    expect(err.reason).toBe('unsupported');
    expect(err.message).toMatch(/unsupported codec 34925 \(LZMA\)/);
  });

  it('predictor 3 and 32-bit samples', async () => {
    const a = good();
    patchTag(a, ifdOffsets(a)[0]!, 317, 3);
    expect((await formatError(readCogHeader(src(a)))).message).toMatch(/unsupported predictor 3/);
    const b = good();
    patchTag(b, ifdOffsets(b)[0]!, 258, 32);
    expect((await formatError(readCogHeader(src(b)))).message).toMatch(/BitsPerSample 32/);
  });

  it('a stripped TIFF', async () => {
    const data = new Uint8Array(64);
    const buf = tiledTiff({
      le: true, big: false, width: 8, height: 8, tile: 16, bits: 8, predictor: 1, data, compression: 1,
      omit: [322, 323, 324, 325],
      extra: [{ tag: 273, type: 4, values: [8] }, { tag: 279, type: 4, values: [64] }],
    }); // prettier-ignore
    const err = await formatError(readCogHeader(src(buf)));
    expect(err.reason).toBe('not-tiled');
    expect(err.message).toMatch(/not tiled \(stripped TIFF\)/);
  });

  it('missing or rotated georeferencing', async () => {
    const base = {
      le: true,
      big: false,
      width: 8,
      height: 8,
      tile: 16,
      bits: 8 as const,
      predictor: 1 as const,
      data: new Uint8Array(64),
    };
    const noKeys = tiledTiff({ ...base, omit: [34735] });
    expect((await formatError(readCogHeader(src(noKeys)))).message).toMatch(/no GeoKeyDirectory/);
    const noTie = tiledTiff({ ...base, omit: [33922] });
    expect((await formatError(readCogHeader(src(noTie)))).reason).toBe('no-georef');
    const rotated = tiledTiff({
      ...base,
      omit: [33550, 33922],
      extra: [{ tag: 34264, type: 12, values: [30, 2, 0, 100, 2, -30, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1] }],
    });
    expect((await formatError(readCogHeader(src(rotated)))).message).toMatch(/rotated/);
  });

  it('a tile byte count beyond what deflate could produce', async () => {
    const a = good();
    const dv = new DataView(a.buffer);
    const ifd = ifdOffsets(a)[0]!;
    const n = dv.getUint16(ifd, true);
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + 12 * i;
      if (dv.getUint16(e, true) === 325) dv.setUint32(dv.getUint32(e + 8, true), 50_000_000, true);
    }
    expect((await formatError(readCogHeader(src(a)))).message).toMatch(
      /tile 0 byte count 50000000 exceeds the cap/,
    );
  });

  it('a header larger than the header budget', async () => {
    const err = await formatError(readCogHeader(src(good()), { maxHeaderBytes: 256, initialBytes: 64 }));
    expect(err.reason).toBe('header-too-large');
  });

  it('random byte flips in the header: a header or a CogFormatError, never another error or a hang', async () => {
    const base = good();
    const headerEnd = 2048;
    let s = 12345;
    const rnd = (n: number): number => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s % n;
    };
    let parsed = 0;
    let refused = 0;
    for (let k = 0; k < 500; k++) {
      const a = new Uint8Array(base);
      for (let f = 1 + rnd(16); f > 0; f--) a[rnd(headerEnd)] = rnd(256);
      try {
        await readCogHeader(src(a));
        parsed++;
      } catch (err) {
        if (!(err instanceof CogFormatError)) throw err;
        refused++;
      }
    }
    expect(parsed + refused).toBe(500);
    expect(refused).toBeGreaterThan(0);
  });
});
