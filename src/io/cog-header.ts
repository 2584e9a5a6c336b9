/**
 * Our own COG header parser. Not geotiff.js: it walks the IFD chain with no loop guard and a cyclic
 * file killed the whole process (RELIABILITY.md §0.1). Here the chain walk has a seen-set and a cap,
 * every offset is checked against the file size, and every image is checked against what the decoder
 * supports and against a pixel budget before a single tile is fetched.
 */
import type { ByteSource } from './byte-source.js';
import { readGeoref, type Georef } from './cog-georef.js';
import { readImage, scalar, Tag, type CogImage } from './cog-image.js';
import { HeaderBytes, readIfd, readLayout, type IfdEntry } from './tiff-ifd.js';

export { CogFormatError, type CogFormatReason } from './cog-format-error.js';
export type { CogImage } from './cog-image.js';

export interface CogHeader {
  sourceId: string;
  /** Full resolution first, then overviews in file order; mask images are left out. */
  images: CogImage[];
  littleEndian: boolean;
  bigTiff: boolean;
  /** File size, when the source knows it. */
  byteLength: number | undefined;
  epsg: number;
  /** Top-left corner of the top-left pixel of the full-resolution image, in the CRS of `epsg`. */
  origin: [number, number];
  /** Pixel width and height (both positive; rows go south) of the full-resolution image. */
  pixelSize: [number, number];
  nodata?: number;
}

export interface CogHeaderOptions {
  signal?: AbortSignal;
  /** First read; default 64 KiB (a GDAL COG's IFDs and tile arrays usually fit). */
  initialBytes?: number;
  /** Bytes the header may need in all; default 16 MiB (RELIABILITY.md T8). */
  maxHeaderBytes?: number;
  /** Longest IFD chain; default 64 (RELIABILITY.md T4). */
  maxIfds?: number;
  /** Largest image, width*height*samples*bytes; default 2 GiB (a Sentinel-2 10 m band is 241 MB). */
  maxImageBytes?: number;
  /** Largest decoded tile; default 64 MiB. Compressed tiles are capped from it (deflate's bound). */
  maxTileBytes?: number;
}

/** Reads and checks the header of a COG (any tiled TIFF) through `source`. */
export async function readCogHeader(source: ByteSource, opts: CogHeaderOptions = {}): Promise<CogHeader> {
  const hb: HeaderBytes = new HeaderBytes(source, opts.maxHeaderBytes ?? 16 * 1024 * 1024, opts.signal);
  await hb.init(opts.initialBytes ?? 64 * 1024);
  const layout = await readLayout(hb);
  const minOffset = layout.bigTiff ? 16 : 8;
  const maxIfds = opts.maxIfds ?? 64;
  const ifds: Map<number, IfdEntry>[] = [];
  const seen = new Set<number>();
  for (let at = layout.firstIfd; at !== 0;) {
    if (seen.has(at)) hb.fail('ifd-loop', `IFD loop: IFD ${seen.size} points back to offset ${at}`);
    if (seen.size >= maxIfds) hb.fail('ifd-loop', `IFD loop: more than ${maxIfds} IFDs`);
    if (hb.size !== undefined && at >= hb.size) {
      hb.fail(
        'malformed',
        `malformed IFD chain: IFD offset ${at} is past the end of the file (${hb.size} bytes)`,
      );
    }
    if (at < minOffset) hb.fail('malformed', `malformed IFD chain: IFD offset ${at} inside the file header`);
    seen.add(at);
    const { entries, next } = await readIfd(hb, layout, at);
    ifds.push(entries);
    at = next;
  }
  const firstIfd = ifds[0];
  if (firstIfd === undefined) hb.fail('malformed', 'no IFD');
  const limits = {
    maxImageBytes: opts.maxImageBytes ?? 2 * 1024 ** 3,
    maxTileBytes: opts.maxTileBytes ?? 64 * 1024 ** 2,
  };
  const images: CogImage[] = [];
  for (const [i, entries] of ifds.entries()) {
    const subfile = await scalar(hb, entries, Tag.NewSubfileType, layout.littleEndian, 0);
    if (subfile & 4) continue; // a transparency mask, not data
    images.push(await readImage(hb, entries, i, layout.littleEndian, limits));
  }
  const full = images[0];
  if (full === undefined || full.ifdIndex !== 0)
    hb.fail('malformed', 'the first IFD is a mask, not an image');
  const geo: Georef = await readGeoref(hb, firstIfd, layout.littleEndian);
  return {
    sourceId: source.id,
    images,
    littleEndian: layout.littleEndian,
    bigTiff: layout.bigTiff,
    byteLength: hb.size,
    ...geo,
    ...(full.nodata === undefined ? {} : { nodata: full.nodata }),
  };
}
