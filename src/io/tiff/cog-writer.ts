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

import { validateCogOptions, type ResolvedCogOptions, type WriteCogOptions } from './cog-options.js';
import { buildOverviews, type Pixels, type RasterLevel } from './overviews.js';
import { GeoKey, Tag, layoutIfds, makeIfd, writeIfds, type Ifd, type TiffField } from './tiff-tags.js';

export type { CogDataType, CogGeoreference, WriteCogOptions } from './cog-options.js';

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
  for (let row = 0; row < tile.length; row += tileSize) {
    for (let i = row + tileSize - 1; i > row; i--) tile[i] = tile[i]! - tile[i - 1]!;
  }
}

/** Cuts a level into padded tiles, row-major, and DEFLATE-compresses each one. */
function encodeTiles(level: RasterLevel, o: ResolvedCogOptions): Buffer[] {
  const { width, height, data } = level;
  const ts = o.tileSize;
  const tile = data instanceof Uint16Array ? new Uint16Array(ts * ts) : new Uint8Array(ts * ts);
  const swap = tile.BYTES_PER_ELEMENT === 2 && endianness() === 'BE';
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
      if (o.predictor === 2) differenceRows(tile, ts);
      let bytes = Buffer.from(tile.buffer, tile.byteOffset, tile.byteLength);
      if (swap) bytes = Buffer.from(bytes).swap16();
      tiles.push(deflateSync(bytes, { level: o.compressionLevel }));
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
  return makeIfd(fields);
}

function tileArray(ifd: Ifd, tag: number): Uint32Array {
  const values = ifd.find((f) => f.tag === tag)?.values;
  if (!(values instanceof Uint32Array)) throw new Error(`internal: IFD has no tag ${tag}`);
  return values;
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
  const tiles = levels.map((level) => encodeTiles(level, o));
  const ifds = levels.map((level, i) => buildIfd(level, o, i > 0, tiles[i]!.length));

  const ghostEnd = 8 + GHOST.length;
  const layout = layoutIfds(ifds, ghostEnd, new Set([Tag.TileOffsets, Tag.TileByteCounts]));
  let pos = layout.end;
  for (let i = levels.length - 1; i >= 0; i--) {
    const offsets = tileArray(ifds[i]!, Tag.TileOffsets);
    const byteCounts = tileArray(ifds[i]!, Tag.TileByteCounts);
    tiles[i]!.forEach((t, j) => {
      pos += LEADER_SIZE;
      offsets[j] = Math.min(pos, CLASSIC_TIFF_LIMIT); // clamped: checked below before any use
      byteCounts[j] = t.length;
      pos += t.length + TRAILER_SIZE;
    });
  }
  if (pos > CLASSIC_TIFF_LIMIT) {
    throw new Error(`encodeCog: output would be ${pos} bytes; BigTIFF (>= 4 GiB) is not supported`);
  }

  const buf = Buffer.alloc(pos);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(layout.placements[0]!.offset, 4);
  buf.write(GHOST, 8, 'latin1');
  writeIfds(buf, ifds, layout);
  for (let i = levels.length - 1; i >= 0; i--) {
    const offsets = tileArray(ifds[i]!, Tag.TileOffsets);
    tiles[i]!.forEach((t, j) => {
      const at = offsets[j]!;
      buf.writeUInt32LE(t.length, at - LEADER_SIZE);
      t.copy(buf, at);
      t.copy(buf, at + t.length, t.length - TRAILER_SIZE);
    });
  }
  return buf;
}
