/**
 * Which internal tiles a pixel window needs, and fetching their compressed bytes: tiles adjacent in
 * the file are merged into one read (a GDAL COG stores each image's tiles row-major with 8 bytes of
 * leader/trailer between them, so a block of tiles is usually one request), and reads run
 * concurrently, because latency, not bandwidth, dominates remote reads (PERFORMANCE.md §2).
 */
import type { ByteSource } from './byte-source.js';
import { CogFormatError } from './cog-format-error.js';
import type { CogImage } from './cog-image.js';
import { f64At, u32At } from '../types/checked.js';

/** A rectangle of pixels of one image: top-left corner and size, all integers. */
export interface PixelWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Throws a RangeError unless `w` is a non-empty integer window inside the image. */
export function checkWindow(image: CogImage, w: PixelWindow): void {
  const ints = [w.x, w.y, w.width, w.height].every(Number.isSafeInteger);
  if (
    !ints ||
    w.x < 0 ||
    w.y < 0 ||
    w.width < 1 ||
    w.height < 1 ||
    w.x + w.width > image.width ||
    w.y + w.height > image.height
  ) {
    throw new RangeError(
      `window x=${w.x} y=${w.y} ${w.width}x${w.height} is not inside image ${image.ifdIndex} (${image.width}x${image.height})`,
    );
  }
}

/** Indices (row-major) of the internal tiles that intersect `window`, in row-major order. */
export function tilesForWindow(image: CogImage, window: PixelWindow): number[] {
  checkWindow(image, window);
  const tx0 = Math.floor(window.x / image.tileWidth);
  const tx1 = Math.floor((window.x + window.width - 1) / image.tileWidth);
  const ty0 = Math.floor(window.y / image.tileHeight);
  const ty1 = Math.floor((window.y + window.height - 1) / image.tileHeight);
  const out: number[] = [];
  for (let ty = ty0; ty <= ty1; ty++)
    for (let tx = tx0; tx <= tx1; tx++) out.push(ty * image.tilesAcross + tx);
  return out;
}

/** One read covering one or more tiles. */
export interface TileRead {
  offset: number;
  length: number;
  tiles: number[];
}

/**
 * Groups the non-empty tiles into reads: sorted by file offset, a tile joins the current read when the
 * gap before it is at most `maxGap` bytes and the read stays under `maxReadBytes`.
 */
export function planReads(
  image: CogImage,
  tiles: readonly number[],
  maxGap: number,
  maxReadBytes: number,
): TileRead[] {
  const present = [...new Set(tiles)].filter((t) => u32At(image.tileByteCounts, t) > 0);
  present.sort((a, b) => f64At(image.tileOffsets, a) - f64At(image.tileOffsets, b));
  const reads: TileRead[] = [];
  let cur: TileRead | undefined;
  for (const t of present) {
    const start = f64At(image.tileOffsets, t);
    const end = start + u32At(image.tileByteCounts, t);
    if (cur && start - (cur.offset + cur.length) <= maxGap && end - cur.offset <= maxReadBytes) {
      cur.length = Math.max(cur.length, end - cur.offset);
      cur.tiles.push(t);
    } else {
      cur = { offset: start, length: end - start, tiles: [t] };
      reads.push(cur);
    }
  }
  return reads;
}

export interface FetchTilesOptions {
  /** Reads in flight; default 16. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Largest gap bridged when merging adjacent tiles; default 8 KiB. */
  maxGap?: number;
  /** Largest merged read; default 16 MiB. */
  maxReadBytes?: number;
}

/**
 * Compressed bytes of each tile in `tileIndices` (sparse tiles, byte count 0, map to null: nodata).
 * The first failed read aborts the others; the function settles only after all reads have.
 */
export async function fetchTiles(
  source: ByteSource,
  image: CogImage,
  tileIndices: readonly number[],
  opts: FetchTilesOptions = {},
): Promise<Map<number, Uint8Array | null>> {
  const count = image.tileOffsets.length;
  for (const t of tileIndices) {
    if (!Number.isInteger(t) || t < 0 || t >= count)
      throw new RangeError(`${source.id}: no tile ${t} (image has ${count})`);
  }
  const out = new Map<number, Uint8Array | null>();
  for (const t of tileIndices) if (image.tileByteCounts[t] === 0) out.set(t, null);
  const reads = planReads(image, tileIndices, opts.maxGap ?? 8 * 1024, opts.maxReadBytes ?? 16 * 1024 * 1024);
  await runPool(reads, opts.concurrency ?? 16, opts.signal, async (read, signal) => {
    const bytes = await source.read(read.offset, read.length, signal);
    if (bytes.length < read.length) {
      throw new CogFormatError(
        'truncated',
        source.id,
        `tiles ${read.tiles.join(',')} (bytes ${read.offset}..${read.offset + read.length}) run past the end of the file`,
      );
    }
    for (const t of read.tiles) {
      const from = f64At(image.tileOffsets, t) - read.offset;
      out.set(t, bytes.subarray(from, from + u32At(image.tileByteCounts, t)));
    }
  });
  return out;
}

/** Runs `job` over `items` with at most `n` in flight; the first error aborts the rest and is rethrown. */
async function runPool<T>(
  items: readonly T[],
  n: number,
  signal: AbortSignal | undefined,
  job: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  signal?.throwIfAborted();
  const ctl = new AbortController();
  const linked = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal; // no listener on `signal`
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await job(item, linked);
      } catch (error) {
        failure ??= { error: signal?.aborted ? signal.reason : error };
        ctl.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  if (failure) throw failure.error;
}
