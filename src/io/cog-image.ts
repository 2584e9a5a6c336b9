/**
 * One image (IFD) of a tiled TIFF, read and checked: dimensions, tiling, sample layout, codec and
 * predictor against what decode-tile.ts supports, the pixel and tile budgets, and the tile arrays.
 */
import { HeaderBytes, readAscii, readNumbers, type IfdEntry } from './tiff-ifd.js';
import { f64At } from '../types/checked.js';

export interface CogImage {
  /** Position in the IFD chain (0 = full resolution). */
  ifdIndex: number;
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  tilesAcross: number;
  tilesDown: number;
  bitsPerSample: 8 | 16;
  bytesPerSample: 1 | 2;
  /** Always 1 (unsigned integer): the only format the decoder supports. */
  sampleFormat: 1;
  samplesPerPixel: number;
  planarConfig: 1 | 2;
  /** 1 none, 8 and 32946 deflate. */
  compression: 1 | 8 | 32946;
  predictor: 1 | 2;
  /** Per tile, row-major; offsets as float64 because BigTIFF offsets exceed 32 bits. */
  tileOffsets: Float64Array;
  /** 0 marks a sparse tile (all nodata). */
  tileByteCounts: Uint32Array;
  /** Bit 0 set on reduced-resolution images (overviews). */
  newSubfileType: number;
  /** GDAL_NODATA of this image. */
  nodata: number | undefined;
  littleEndian: boolean;
}

export const Tag = {
  NewSubfileType: 254, ImageWidth: 256, ImageLength: 257, BitsPerSample: 258, Compression: 259,
  StripOffsets: 273, SamplesPerPixel: 277, PlanarConfiguration: 284, Predictor: 317, TileWidth: 322,
  TileLength: 323, TileOffsets: 324, TileByteCounts: 325, SampleFormat: 339, GdalNodata: 42113,
} as const; // prettier-ignore

const CODEC_NAMES: Record<number, string> = {
  2: 'CCITT RLE', 3: 'CCITT G3', 4: 'CCITT G4', 5: 'LZW', 6: 'old JPEG', 7: 'JPEG', 32773: 'PackBits',
  33003: 'JPEG 2000', 33005: 'JPEG 2000', 34887: 'LERC', 34925: 'LZMA', 50000: 'ZSTD', 50001: 'WebP',
  50002: 'JPEG XL',
}; // prettier-ignore

/** The first value of a numeric tag, or `fallback` when absent (required when no fallback). */
export async function scalar(
  hb: HeaderBytes,
  entries: Map<number, IfdEntry>,
  tag: number,
  le: boolean,
  fallback?: number,
): Promise<number> {
  const e = entries.get(tag);
  if (e === undefined || e.count === 0) {
    if (fallback === undefined) hb.fail('malformed', `missing required tag ${tag}`);
    return fallback;
  }
  return f64At(await readNumbers(hb, e, le, 1 << 16), 0);
}

/** Reads one IFD as an image, refusing what the decoder cannot decode or the budgets do not allow. */
export async function readImage(
  hb: HeaderBytes,
  entries: Map<number, IfdEntry>,
  ifdIndex: number,
  le: boolean,
  limits: { maxImageBytes: number; maxTileBytes: number },
): Promise<CogImage> {
  const where = `image ${ifdIndex}`;
  const get = (tag: number, fallback?: number): Promise<number> => scalar(hb, entries, tag, le, fallback);
  const width = await get(Tag.ImageWidth);
  const height = await get(Tag.ImageLength);
  const offsetsEntry = entries.get(Tag.TileOffsets);
  if (!entries.has(Tag.TileWidth) || offsetsEntry === undefined) {
    hb.fail('not-tiled', `${where} is not tiled${entries.has(Tag.StripOffsets) ? ' (stripped TIFF)' : ''}`);
  }
  const tileWidth = await get(Tag.TileWidth);
  const tileHeight = await get(Tag.TileLength);
  const spp = await get(Tag.SamplesPerPixel, 1);
  const planar = await get(Tag.PlanarConfiguration, 1);
  const compression = await get(Tag.Compression, 1);
  const predictor = await get(Tag.Predictor, 1);
  const bitsEntry = entries.get(Tag.BitsPerSample);
  const bits = bitsEntry ? await readNumbers(hb, bitsEntry, le, 1 << 16) : new Float64Array([1]);
  const formatEntry = entries.get(Tag.SampleFormat);
  const formats = formatEntry ? await readNumbers(hb, formatEntry, le, 1 << 16) : new Float64Array([1]);

  for (const [name, v] of [
    ['width', width],
    ['height', height],
    ['tile width', tileWidth],
    ['tile height', tileHeight],
    ['samples per pixel', spp],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) hb.fail('malformed', `${where}: ${name} ${v}`);
  }
  if (compression !== 1 && compression !== 8 && compression !== 32946) {
    const name = CODEC_NAMES[compression];
    hb.fail('unsupported', `${where}: unsupported codec ${compression}${name ? ` (${name})` : ''}`);
  }
  if (predictor !== 1 && predictor !== 2) {
    hb.fail(
      'unsupported',
      `${where}: unsupported predictor ${predictor}${predictor === 3 ? ' (floating point)' : ''}`,
    );
  }
  const b = bits[0];
  if (b === undefined || (b !== 8 && b !== 16) || bits.some((x) => x !== b)) {
    hb.fail('unsupported', `${where}: unsupported BitsPerSample ${[...bits].join(',')} (8 or 16 only)`);
  }
  if (formats.some((f) => f !== 1)) {
    hb.fail('unsupported', `${where}: unsupported SampleFormat ${[...formats].join(',')} (unsigned only)`);
  }
  if (planar !== 1 && planar !== 2) hb.fail('malformed', `${where}: PlanarConfiguration ${planar}`);
  if (planar === 2 && spp > 1) hb.fail('unsupported', `${where}: separate planes with ${spp} samples`);

  const bytesPerSample = b / 8;
  const imageBytes = width * height * spp * bytesPerSample;
  if (imageBytes > limits.maxImageBytes) {
    hb.fail(
      'pixel-budget',
      `${where}: ${width}x${height}x${spp}x${bytesPerSample} bytes exceeds the pixel budget of ${limits.maxImageBytes} bytes`,
    );
  }
  const tileBytes = tileWidth * tileHeight * spp * bytesPerSample;
  if (tileBytes > limits.maxTileBytes) {
    hb.fail(
      'pixel-budget',
      `${where}: tile ${tileWidth}x${tileHeight} exceeds the tile budget of ${limits.maxTileBytes} bytes`,
    );
  }
  const tilesAcross = Math.ceil(width / tileWidth);
  const tilesDown = Math.ceil(height / tileHeight);
  const tiles = tilesAcross * tilesDown;
  const countsEntry = entries.get(Tag.TileByteCounts);
  if (countsEntry === undefined) hb.fail('malformed', `${where}: no TileByteCounts`);
  if (offsetsEntry.count !== tiles || countsEntry.count !== tiles) {
    hb.fail(
      'malformed',
      `${where}: ${offsetsEntry.count} tile offsets and ${countsEntry.count} byte counts for ${tiles} tiles`,
    );
  }
  const tileOffsets = await readNumbers(hb, offsetsEntry, le, tiles);
  const counts = await readNumbers(hb, countsEntry, le, tiles);
  // Deflate's worst case (stored blocks) adds 5 bytes per 64 KiB plus 6; a count far beyond the
  // decoded tile size is not a tile but a bomb or garbage.
  const maxCompressed = Math.min(tileBytes + (tileBytes >> 8) + 1024, 0xffffffff);
  for (let t = 0; t < tiles; t++) {
    const n = f64At(counts, t);
    const off = f64At(tileOffsets, t);
    if (!Number.isSafeInteger(n) || n < 0 || n > maxCompressed) {
      hb.fail('pixel-budget', `${where}: tile ${t} byte count ${n} exceeds the cap of ${maxCompressed}`);
    }
    if (n > 0 && (!Number.isSafeInteger(off) || off < 8)) {
      hb.fail('malformed', `${where}: tile ${t} offset ${off}`);
    }
    if (n > 0 && hb.size !== undefined && off + n > hb.size) {
      hb.fail(
        'truncated',
        `${where}: tile ${t} (bytes ${off}..${off + n}) lies past the end of the file (${hb.size} bytes)`,
      );
    }
  }
  const nodataEntry = entries.get(Tag.GdalNodata);
  const nodataText =
    nodataEntry && nodataEntry.type === 2 ? (await readAscii(hb, nodataEntry, 256)).trim() : '';
  const nodata = nodataText === '' ? undefined : Number(nodataText);
  return {
    ifdIndex,
    width,
    height,
    tileWidth,
    tileHeight,
    tilesAcross,
    tilesDown,
    bitsPerSample: b,
    bytesPerSample: bytesPerSample as 1 | 2,
    sampleFormat: 1,
    samplesPerPixel: spp,
    planarConfig: planar,
    compression,
    predictor,
    tileOffsets,
    tileByteCounts: Uint32Array.from(counts),
    newSubfileType: await get(Tag.NewSubfileType, 0),
    nodata: nodata !== undefined && Number.isFinite(nodata) ? nodata : undefined, // "nan" means nothing for integers
    littleEndian: le,
  };
}
