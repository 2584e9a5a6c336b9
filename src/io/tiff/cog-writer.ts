/**
 * Cloud-Optimized GeoTIFF writer: one band, uint8 or uint16, DEFLATE with optional horizontal
 * predictor, internal overviews, in memory.
 *
 * File layout, as GDAL's COG driver writes and documents it (https://gdal.org/drivers/raster/cog.html,
 * layout list and "Header ghost area"), so GDAL's validate_cloud_optimized_geotiff.py accepts it with
 * no warning, full check included:
 *
 *   header (8 bytes) | ghost area (GDAL structural metadata)
 *   IFD of full resolution + its tag values | IFD of each overview, largest first, + tag values
 *   TileOffsets / TileByteCounts arrays of all IFDs
 *   tiles of the smallest overview ... tiles of the full resolution image (each image row-major),
 *   every tile preceded by its size (uint32 LE, "leader") and followed by its last 4 bytes ("trailer").
 */
import { endianness } from 'node:os';
import { deflateSync } from 'node:zlib';

import {
  validateCogOptions,
  type CogMetadata,
  type ResolvedCogOptions,
  type WriteCogOptions,
} from './cog-options.js';
import { buildOverviews, overviewSizes, type Pixels, type RasterLevel } from './overviews.js';
import { GeoKey, Tag, layoutIfds, makeIfd, writeIfds, type Ifd, type TiffField } from './tiff-tags.js';
import { InternalError } from '../../errors.js';
import { at, u8At, u16At, u32At } from '../../types/checked.js';

export type { CogDataType, CogGeoreference, CogMetadata, WriteCogOptions } from './cog-options.js';

const CLASSIC_TIFF_LIMIT = 0xffffffff;

/** What GDAL's COG driver writes after the header, byte for byte, when there is no mask band. */
const GHOST_BODY =
  'LAYOUT=IFDS_BEFORE_DATA\n' +
  'BLOCK_ORDER=ROW_MAJOR\n' +
  'BLOCK_LEADER=SIZE_AS_UINT4\n' +
  'BLOCK_TRAILER=LAST_4_BYTES_REPEATED\n' +
  'KNOWN_INCOMPATIBLE_EDITION=NO\n' +
  ' '; // the documented space after the last newline (one byte spare should NO become YES)
const GHOST = `GDAL_STRUCTURAL_METADATA_SIZE=${String(GHOST_BODY.length).padStart(6, '0')} bytes\n${GHOST_BODY}`;
const LEADER_SIZE = 4;
const TRAILER_SIZE = 4;

/** Horizontal differencing (TIFF Predictor=2) of each row of a tile, in place, modulo 2^bits. */
function differenceRows(tile: Pixels, tileSize: number): void {
  if (tile instanceof Uint16Array) differenceRows16(tile, tileSize);
  else differenceRows8(tile, tileSize);
}

// One loop per element type, so each stays monomorphic.
function differenceRows16(tile: Uint16Array, tileSize: number): void {
  for (let row = 0; row < tile.length; row += tileSize) {
    for (let i = row + tileSize - 1; i > row; i--) tile[i] = u16At(tile, i) - u16At(tile, i - 1);
  }
}

function differenceRows8(tile: Uint8Array, tileSize: number): void {
  for (let row = 0; row < tile.length; row += tileSize) {
    for (let i = row + tileSize - 1; i > row; i--) tile[i] = u8At(tile, i) - u8At(tile, i - 1);
  }
}

/** One padded tile, differenced when asked (in place: the caller's tile is scratch), DEFLATE-compressed. */
function compressTile(tile: Pixels, o: ResolvedCogOptions): Buffer {
  if (o.predictor === 2) differenceRows(tile, o.tileSize);
  let bytes = Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength);
  if (tile.BYTES_PER_ELEMENT === 2 && endianness() === 'BE') bytes = Buffer.from(bytes).swap16();
  return deflateSync(bytes, { level: o.compressionLevel });
}

/** Cuts a level into padded tiles, row-major, and DEFLATE-compresses each one. */
function encodeTiles(level: RasterLevel, o: ResolvedCogOptions): Buffer[] {
  const { width, height, data } = level;
  const ts = o.tileSize;
  const tile = data instanceof Uint16Array ? new Uint16Array(ts * ts) : new Uint8Array(ts * ts);
  const pad = o.nodata ?? 0;
  const tiles: Buffer[] = [];
  for (let y0 = 0; y0 < height; y0 += ts) {
    const h = Math.min(ts, height - y0);
    for (let x0 = 0; x0 < width; x0 += ts) {
      const w = Math.min(ts, width - x0);
      if (w < ts || h < ts) tile.fill(pad);
      for (let r = 0; r < h; r++) {
        const start = (y0 + r) * width + x0;
        tile.set(data.subarray(start, start + w), r * ts);
      }
      tiles.push(compressTile(tile, o));
    }
  }
  return tiles;
}

/** short when it fits, else long, as libtiff does for image dimensions. */
function dimension(tag: number, value: number): TiffField {
  return { tag, type: value > 0xffff ? 'long' : 'short', values: [value] };
}

function buildIfd(level: RasterLevel, o: ResolvedCogOptions, isOverview: boolean, tileCount: number): Ifd {
  const fields: TiffField[] = [
    dimension(Tag.ImageWidth, level.width),
    dimension(Tag.ImageLength, level.height),
    { tag: Tag.BitsPerSample, type: 'short', values: [o.dataType === 'uint16' ? 16 : 8] },
    { tag: Tag.Compression, type: 'short', values: [8] }, // Adobe DEFLATE
    { tag: Tag.PhotometricInterpretation, type: 'short', values: [1] }, // BlackIsZero
    { tag: Tag.SamplesPerPixel, type: 'short', values: [1] },
    { tag: Tag.PlanarConfiguration, type: 'short', values: [1] },
    { tag: Tag.Predictor, type: 'short', values: [o.predictor] },
    { tag: Tag.TileWidth, type: 'short', values: [o.tileSize] },
    { tag: Tag.TileLength, type: 'short', values: [o.tileSize] },
    { tag: Tag.TileOffsets, type: 'long', values: new Uint32Array(tileCount) },
    { tag: Tag.TileByteCounts, type: 'long', values: new Uint32Array(tileCount) },
    { tag: Tag.SampleFormat, type: 'short', values: [1] }, // unsigned integer
  ];
  if (isOverview) {
    fields.push({ tag: Tag.NewSubfileType, type: 'long', values: [1] }); // reduced-resolution image
  } else {
    const { epsg, originX, originY, pixelSize } = o.georef;
    fields.push(
      { tag: Tag.ModelPixelScale, type: 'double', values: [pixelSize, pixelSize, 0] },
      { tag: Tag.ModelTiepoint, type: 'double', values: [0, 0, 0, originX, originY, 0] },
      {
        tag: Tag.GeoKeyDirectory,
        type: 'short',
        // header: version 1, revision 1.0, 3 keys; then (key, location 0 = inline, count 1, value)
        values: [
          1,
          1,
          0,
          3,
          GeoKey.GTModelType,
          0,
          1,
          1,
          GeoKey.GTRasterType,
          0,
          1,
          1,
          GeoKey.ProjectedCSType,
          0,
          1,
          epsg,
        ],
      },
    );
  }
  if (o.nodata !== undefined) fields.push({ tag: Tag.GdalNodata, type: 'ascii', values: String(o.nodata) });
  if (o.metadata && !isOverview)
    fields.push({ tag: Tag.GdalMetadata, type: 'ascii', values: gdalMetadataXml(o.metadata) });
  return makeIfd(fields);
}

function tileArray(ifd: Ifd, tag: number): Uint32Array {
  const values = ifd.find((f) => f.tag === tag)?.values;
  if (!(values instanceof Uint32Array)) throw new InternalError(`internal: IFD has no tag ${tag}`);
  return values;
}

/** XML text, 7-bit ASCII: markup characters and anything outside printable ASCII as references. */
const xmlText = (v: string): string =>
  v.replace(/[^\x20-\x7e]|[&<>"]/g, (c) => `&#${c.codePointAt(0) ?? 32};`);

/** GDAL's GDAL_METADATA document, on one line (TIFF ASCII fields here hold printable ASCII only). */
export function gdalMetadataXml(m: CogMetadata): string {
  const items = Object.entries(m.items ?? {}).map(
    ([k, v]) => `<Item name="${xmlText(k)}">${xmlText(v)}</Item>`,
  );
  const band = m.band ?? {};
  const role = (name: string, r: string, v: string | number | undefined): string[] =>
    v === undefined ? [] : [`<Item name="${name}" sample="0" role="${r}">${xmlText(String(v))}</Item>`];
  items.push(
    ...role('DESCRIPTION', 'description', band.description),
    ...role('UNITTYPE', 'unittype', band.unit),
    ...role('SCALE', 'scale', band.scale),
    ...role('OFFSET', 'offset', band.offset),
  );
  return `<GDALMetadata>${items.join('')}</GDALMetadata>`;
}

/**
 * Encodes one band as a Cloud-Optimized GeoTIFF and returns the whole file. The output depends only
 * on the options (byte-identical for identical input). Throws an Error naming the option when an
 * option is invalid, or when the file would need BigTIFF (4 GiB or more).
 */
export function encodeCog(opts: WriteCogOptions): Buffer {
  const o = validateCogOptions(opts);
  const full: RasterLevel = { width: o.width, height: o.height, data: o.data };
  const levels = [full, ...buildOverviews(full, o.overviewResampling, o.minOverviewSize, o.nodata)];
  return assemble(
    levels,
    levels.map((level) => encodeTiles(level, o)),
    o,
  );
}

/**
 * The file around already compressed tiles: `tiles[level][j]` is tile j (row-major) of that level,
 * undefined for a sparse tile (offset and byte count 0: GDAL reads it as nodata, or 0 without one).
 */
function assemble(
  levels: readonly { width: number; height: number }[],
  tiles: readonly (readonly (Buffer | undefined)[])[],
  o: ResolvedCogOptions,
): Buffer {
  const ifds = levels.map((level, i) => buildIfd(level as RasterLevel, o, i > 0, at(tiles, i).length));
  const ghostEnd = 8 + GHOST.length;
  const layout = layoutIfds(ifds, ghostEnd, new Set([Tag.TileOffsets, Tag.TileByteCounts]));
  let pos = layout.end;
  for (let i = levels.length - 1; i >= 0; i--) {
    const offsets = tileArray(at(ifds, i), Tag.TileOffsets);
    const byteCounts = tileArray(at(ifds, i), Tag.TileByteCounts);
    at(tiles, i).forEach((t, j) => {
      if (t === undefined) return; // sparse: offset and byte count stay 0
      pos += LEADER_SIZE;
      offsets[j] = Math.min(pos, CLASSIC_TIFF_LIMIT); // clamped: checked below before any use
      byteCounts[j] = t.length;
      pos += t.length + TRAILER_SIZE;
    });
  }
  if (pos > CLASSIC_TIFF_LIMIT) {
    throw new InternalError(`encodeCog: output would be ${pos} bytes; BigTIFF (>= 4 GiB) is not supported`);
  }

  const buf = Buffer.alloc(pos);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(at(layout.placements, 0).offset, 4);
  buf.write(GHOST, 8, 'latin1');
  writeIfds(buf, ifds, layout);
  for (let i = levels.length - 1; i >= 0; i--) {
    const offsets = tileArray(at(ifds, i), Tag.TileOffsets);
    at(tiles, i).forEach((t, j) => {
      if (t === undefined) return;
      const start = u32At(offsets, j);
      buf.writeUInt32LE(t.length, start - LEADER_SIZE);
      t.copy(buf, start);
      t.copy(buf, start + t.length, t.length - TRAILER_SIZE);
    });
  }
  return buf;
}

/**
 * The options of a sparse COG: a uint8 band that is 0 almost everywhere, without a nodata value,
 * given by its non-zero pixels (plain data, so a worker thread can be handed it).
 */
export type SparseCogOptions = Omit<
  WriteCogOptions,
  'data' | 'dataType' | 'nodata' | 'overviewResampling'
> & {
  /** Row-major indices (row * width + column) of the pixels that may be non-zero, each once. */
  pixels: Uint32Array;
  /** The value of each of `pixels`; every other pixel is 0. */
  values: Uint8Array;
};

/**
 * A uint8 COG of a band that is 0 nearly everywhere (a pond-fraction map), with the all-zero tiles
 * left sparse at every level, as GDAL's SPARSE_OK writes them: the cost follows the non-zero tiles,
 * not the image size. Overviews average 2 x 2 pixels (pixels past the image edge left out), as
 * encodeCog's 'average' does with no nodata.
 */
export function encodeSparseCog(opts: SparseCogOptions): Buffer {
  const { levels, raw, o } = sparseLevels(opts);
  return assemble(
    levels,
    raw.map((level) => level.map((t) => (t === undefined ? undefined : compressTile(t, o)))),
    o,
  );
}

/** The sparse COG's levels and their raw tiles, undefined where a tile is all 0. */
function sparseLevels(opts: SparseCogOptions): {
  levels: { width: number; height: number }[];
  raw: (Uint8Array | undefined)[][];
  o: ResolvedCogOptions;
} {
  const { pixels, values, ...rest } = opts;
  // Validated through the dense path's rules with a stand-in one-pixel band.
  const o = validateCogOptions({
    ...rest,
    width: 1,
    height: 1,
    dataType: 'uint8',
    data: new Uint8Array(1),
  });
  const full = { width: opts.width, height: opts.height };
  o.width = full.width;
  o.height = full.height;
  if (!Number.isInteger(full.width) || full.width < 1 || !Number.isInteger(full.height) || full.height < 1)
    throw new InternalError(`encodeSparseCog: width and height must be positive integers`);
  const ts = o.tileSize;
  const sizes = [
    [full.width, full.height] as [number, number],
    ...overviewSizes(full.width, full.height, o.minOverviewSize),
  ];
  const raw: (Uint8Array | undefined)[][] = [fullResolutionTiles(full, ts, pixels, values)];
  for (let k = 1; k < sizes.length; k++) {
    const [pw, ph] = sizes[k - 1] as [number, number];
    const [w, h] = sizes[k] as [number, number];
    const pnx = Math.ceil(pw / ts);
    const prev = raw[k - 1] as (Uint8Array | undefined)[];
    const nx = Math.ceil(w / ts);
    const ny = Math.ceil(h / ts);
    const level: (Uint8Array | undefined)[] = [];
    for (let ty = 0; ty < ny; ty++)
      for (let tx = 0; tx < nx; tx++) {
        let out: Uint8Array | undefined;
        for (let q = 0; q < 4; q++) {
          const cx = 2 * tx + (q & 1);
          const cy = 2 * ty + (q >> 1);
          const child = cx < pnx ? prev[cy * pnx + cx] : undefined;
          if (child === undefined) continue;
          out ??= new Uint8Array(ts * ts);
          halveInto(child, out, ts, (q & 1) * (ts >> 1), (q >> 1) * (ts >> 1), pw - cx * ts, ph - cy * ts);
        }
        level.push(out);
      }
    raw.push(level);
  }
  const levels = sizes.map(([width, height]) => ({ width, height }));
  return {
    levels,
    raw: raw.map((level) => level.map((t) => (t === undefined || isAllZero(t) ? undefined : t))),
    o,
  };
}

/**
 * The full-resolution tiles of a sparse band, row-major, undefined where no pixel is non-zero:
 * each pixel is written into its tile, so the cost follows the non-zero pixels, not the image.
 */
function fullResolutionTiles(
  full: { width: number; height: number },
  ts: number,
  pixels: Uint32Array,
  values: Uint8Array,
): (Uint8Array | undefined)[] {
  if (pixels.length !== values.length)
    throw new InternalError(`encodeSparseCog: ${pixels.length} pixels but ${values.length} values`);
  const nx = Math.ceil(full.width / ts);
  const tiles = new Array<Uint8Array | undefined>(nx * Math.ceil(full.height / ts)).fill(undefined);
  const n = full.width * full.height;
  for (let k = 0; k < pixels.length; k++) {
    const v = values[k] ?? 0;
    if (v === 0) continue;
    const i = pixels[k] ?? n;
    if (i >= n)
      throw new InternalError(`encodeSparseCog: pixel index ${i} is outside ${full.width}x${full.height}`);
    const y = Math.floor(i / full.width);
    const x = i - y * full.width;
    const j = Math.floor(y / ts) * nx + Math.floor(x / ts);
    const tile = (tiles[j] ??= new Uint8Array(ts * ts));
    tile[(y % ts) * ts + (x % ts)] = v;
  }
  return tiles;
}

/** Whether every byte is 0: four at a time where the tile's buffer is aligned (it always is here). */
function isAllZero(t: Uint8Array): boolean {
  if (t.byteOffset % 4 === 0 && t.length % 4 === 0) {
    const words = new Uint32Array(t.buffer, t.byteOffset, t.length / 4);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < t.length; i++) if (t[i] !== 0) return false;
  return true;
}

/**
 * Averages 2 x 2 pixels of `child` (a ts x ts tile whose first `validW` x `validH` pixels lie in the
 * image) into the quadrant of `out` starting at (ox, oy); pixels past the image edge are left out.
 */
function halveInto(
  child: Uint8Array,
  out: Uint8Array,
  ts: number,
  ox: number,
  oy: number,
  validW: number,
  validH: number,
): void {
  const vw = Math.min(ts, validW);
  const vh = Math.min(ts, validH);
  const half = ts >> 1;
  for (let y = 0; y < half && 2 * y < vh; y++) {
    const r0 = 2 * y * ts;
    const hasY1 = 2 * y + 1 < vh;
    for (let x = 0; x < half && 2 * x < vw; x++) {
      const x0 = 2 * x;
      const hasX1 = x0 + 1 < vw;
      let sum = u8At(child, r0 + x0);
      let n = 1;
      if (hasX1) {
        sum += u8At(child, r0 + x0 + 1);
        n++;
      }
      if (hasY1) {
        sum += u8At(child, r0 + ts + x0);
        n++;
        if (hasX1) {
          sum += u8At(child, r0 + ts + x0 + 1);
          n++;
        }
      }
      out[(oy + y) * ts + ox + x] = Math.floor((2 * sum + n) / (2 * n));
    }
  }
}
