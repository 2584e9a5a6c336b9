/**
 * Byte-level surgery on classic little-endian TIFFs (what encodeCog and the world generator write),
 * to make the corrupt files of RELIABILITY.md §6 rows 11-14 and 16 from real COGs: IFD chains that
 * loop or run past the end, patched dimensions and codecs, missing georeferencing, a deflate bomb.
 * Independent of src/io on purpose: the reader under test must not also be the tool that breaks it.
 */
import { deflateSync } from 'node:zlib';

export interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Offset of the 12-byte entry. */
  entryPos: number;
  /** Offset of the first value byte (inline in the entry, or out of line). */
  valuePos: number;
}

export interface Ifd {
  offset: number;
  entries: Entry[];
  /** Offset of the 4-byte next-IFD pointer. */
  nextPos: number;
}

const SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

export const T = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  SamplesPerPixel: 277,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  GeoKeyDirectory: 34735,
} as const;

/** The IFD chain of a classic LE TIFF (stops at 64 IFDs or a repeat: these files are ours). */
export function readIfds(buf: Buffer): Ifd[] {
  if (buf.toString('latin1', 0, 2) !== 'II' || buf.readUInt16LE(2) !== 42)
    throw new Error('not a classic LE TIFF');
  const out: Ifd[] = [];
  const seen = new Set<number>();
  for (let at = buf.readUInt32LE(4); at !== 0 && !seen.has(at) && out.length < 64;) {
    seen.add(at);
    const n = buf.readUInt16LE(at);
    const entries: Entry[] = [];
    for (let i = 0; i < n; i++) {
      const p = at + 2 + 12 * i;
      const type = buf.readUInt16LE(p + 2);
      const count = buf.readUInt32LE(p + 4);
      const bytes = (SIZE[type] ?? 1) * count;
      entries.push({
        tag: buf.readUInt16LE(p),
        type,
        count,
        entryPos: p,
        valuePos: bytes <= 4 ? p + 8 : buf.readUInt32LE(p + 8),
      });
    }
    const nextPos = at + 2 + 12 * n;
    out.push({ offset: at, entries, nextPos });
    at = buf.readUInt32LE(nextPos);
  }
  return out;
}

export function entry(ifd: Ifd, tag: number): Entry {
  const e = ifd.entries.find((x) => x.tag === tag);
  if (!e) throw new Error(`no tag ${tag} in IFD at ${ifd.offset}`);
  return e;
}

/** Writes value `i` of a SHORT or LONG field. */
export function setValue(buf: Buffer, e: Entry, value: number, i = 0): void {
  if (e.type === 3) buf.writeUInt16LE(value, e.valuePos + 2 * i);
  else if (e.type === 4) buf.writeUInt32LE(value, e.valuePos + 4 * i);
  else throw new Error(`tag ${e.tag} has type ${e.type}, not SHORT or LONG`);
}

export function getValue(buf: Buffer, e: Entry, i = 0): number {
  return e.type === 3 ? buf.readUInt16LE(e.valuePos + 2 * i) : buf.readUInt32LE(e.valuePos + 4 * i);
}

/** Points IFD `from`'s next pointer at `to` (an offset). */
export function setNext(buf: Buffer, ifd: Ifd, to: number): void {
  buf.writeUInt32LE(to, ifd.nextPos);
}

/** Renames a tag (keeps its value): a reader no longer finds it. */
export function renameTag(buf: Buffer, e: Entry, tag: number): void {
  buf.writeUInt16LE(tag, e.entryPos);
}

/** A copy of `cog` whose first tile of the full-resolution image is a deflate stream of `mib` MiB of zeros. */
export function deflateBomb(cog: Buffer, mib = 64): Buffer {
  const bomb = deflateSync(Buffer.alloc(mib * 1024 * 1024));
  const out = Buffer.concat([cog, bomb]);
  const [ifd0] = readIfds(out);
  setValue(out, entry(ifd0!, T.TileOffsets), cog.length, 0);
  setValue(out, entry(ifd0!, T.TileByteCounts), bomb.length, 0);
  return out;
}

/** Every tile byte count of every IFD set to 0: sparse tiles, all nodata. */
export function allNodata(cog: Buffer): Buffer {
  const out = Buffer.from(cog);
  for (const ifd of readIfds(out)) {
    const counts = entry(ifd, T.TileByteCounts);
    for (let i = 0; i < counts.count; i++) setValue(out, counts, 0, i);
  }
  return out;
}

/** The GeoKey value of `key` (e.g. 3072 ProjectedCSTypeGeoKey), with its position, in IFD 0. */
export function geoKey(buf: Buffer, key: number): { pos: number; value: number } {
  const dir = entry(readIfds(buf)[0]!, T.GeoKeyDirectory);
  const n = buf.readUInt16LE(dir.valuePos + 6);
  for (let i = 1; i <= n; i++) {
    const p = dir.valuePos + 8 * i;
    if (buf.readUInt16LE(p) === key && buf.readUInt16LE(p + 2) === 0)
      return { pos: p + 6, value: buf.readUInt16LE(p + 6) };
  }
  throw new Error(`no inline GeoKey ${key}`);
}

/**
 * A small but consistent dimension bomb: one IFD declaring `width` x `height` uint16 pixels in
 * 512x512 deflate tiles, with full tile arrays all pointing at one tiny tile (every sample `fill`,
 * default 0), and an EPSG code; with `georef` (upper-left corner and pixel size, metres) also the
 * tie point and pixel scale, so a scan's grid check accepts it.
 */
export function dimensionBomb(
  width: number,
  height: number,
  opts: { fill?: number; georef?: { x: number; y: number; pixel: number } } = {},
): Buffer {
  const tiles = Math.ceil(width / 512) * Math.ceil(height / 512);
  const tile = deflateSync(Buffer.from(new Uint16Array(512 * 512).fill(opts.fill ?? 0).buffer));
  const g = opts.georef;
  const fields: [number, number, number[]][] = [
    [T.ImageWidth, 4, [width]],
    [T.ImageLength, 4, [height]],
    [T.BitsPerSample, 3, [16]],
    [T.Compression, 3, [8]],
    [T.Photometric, 3, [1]],
    [T.SamplesPerPixel, 3, [1]],
    [T.TileWidth, 3, [512]],
    [T.TileLength, 3, [512]],
    [T.TileOffsets, 4, Array<number>(tiles).fill(0)],
    [T.TileByteCounts, 4, Array<number>(tiles).fill(tile.length)],
    [T.SampleFormat, 3, [1]],
    ...(g
      ? ([
          [T.ModelPixelScale, 12, [g.pixel, g.pixel, 0]],
          [T.ModelTiepoint, 12, [0, 0, 0, g.x, g.y, 0]],
        ] as [number, number, number[]][])
      : []),
    [T.GeoKeyDirectory, 3, [1, 1, 0, 1, 3072, 0, 1, 32646]],
  ];
  const ifdSize = 2 + 12 * fields.length + 4;
  let extra = 8 + ifdSize;
  const placed = fields.map(([tag, type, values]) => {
    const bytes = (SIZE[type] ?? 1) * values.length;
    const at = bytes <= 4 ? -1 : extra;
    if (bytes > 4) extra += bytes + (bytes % 2);
    return { tag, type, values, at };
  });
  const tileAt = extra;
  const buf = Buffer.alloc(tileAt + tile.length);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(fields.length, 8);
  placed.forEach((f, i) => {
    const p = 10 + 12 * i;
    buf.writeUInt16LE(f.tag, p);
    buf.writeUInt16LE(f.type, p + 2);
    buf.writeUInt32LE(f.values.length, p + 4);
    const base = f.at < 0 ? p + 8 : f.at;
    if (f.at >= 0) buf.writeUInt32LE(f.at, p + 8);
    f.values.forEach((v, k) => {
      const value = f.tag === T.TileOffsets ? tileAt : v;
      if (f.type === 3) buf.writeUInt16LE(value, base + 2 * k);
      else if (f.type === 12) buf.writeDoubleLE(value, base + 8 * k);
      else buf.writeUInt32LE(value, base + 4 * k);
    });
  });
  buf.writeUInt32LE(0, 10 + 12 * fields.length);
  tile.copy(buf, tileAt);
  return buf;
}
