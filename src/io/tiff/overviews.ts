/**
 * Reduced-resolution levels for COG overviews: each level is half the previous one (rounded up),
 * made from the previous level, until the level fits in `minSize` x `minSize`.
 */
import { at } from '../../types/checked.js';

export type OverviewResampling = 'nearest' | 'average';

export type Pixels = Uint8Array | Uint16Array;

export interface RasterLevel<T extends Pixels = Pixels> {
  width: number;
  height: number;
  data: T;
}

/** Widths and heights of the overview levels of a `width` x `height` image (full resolution excluded). */
export function overviewSizes(width: number, height: number, minSize: number): Array<[number, number]> {
  const sizes: Array<[number, number]> = [];
  let w = width;
  let h = height;
  while (w > minSize || h > minSize) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    sizes.push([w, h]);
  }
  return sizes;
}

function emptyLike<T extends Pixels>(data: T, length: number): T {
  return (data instanceof Uint16Array ? new Uint16Array(length) : new Uint8Array(length)) as T;
}

/** Halves a level by taking the top-left pixel of each 2x2 block (for class maps such as SCL). */
export function downsampleNearest<T extends Pixels>(src: RasterLevel<T>): RasterLevel<T> {
  const width = Math.ceil(src.width / 2);
  const height = Math.ceil(src.height / 2);
  const out = emptyLike(src.data, width * height);
  const s = src.data;
  for (let y = 0; y < height; y++) {
    const srcRow = 2 * y * src.width;
    const dstRow = y * width;
    for (let x = 0; x < width; x++) out[dstRow + x] = at(s, srcRow + 2 * x);
  }
  return { width, height, data: out };
}

/**
 * Halves a level by averaging each 2x2 block (rounded half up), skipping pixels equal to `nodata`
 * and pixels beyond the right or bottom edge. A block with no valid pixel becomes `nodata`.
 */
export function downsampleAverage<T extends Pixels>(src: RasterLevel<T>, nodata?: number): RasterLevel<T> {
  const width = Math.ceil(src.width / 2);
  const height = Math.ceil(src.height / 2);
  const out = emptyLike(src.data, width * height);
  const s = src.data;
  const sw = src.width;
  // Pixel values are never negative, so -1 never matches when there is no nodata value.
  const nd = nodata ?? -1;
  for (let y = 0; y < height; y++) {
    const r0 = 2 * y * sw;
    const r1 = 2 * y + 1 < src.height ? r0 + sw : -1;
    const dstRow = y * width;
    for (let x = 0; x < width; x++) {
      const x0 = 2 * x;
      const hasX1 = x0 + 1 < sw;
      let sum = 0;
      let n = 0;
      let v = at(s, r0 + x0);
      if (v !== nd) {
        sum += v;
        n++;
      }
      if (hasX1) {
        v = at(s, r0 + x0 + 1);
        if (v !== nd) {
          sum += v;
          n++;
        }
      }
      if (r1 >= 0) {
        v = at(s, r1 + x0);
        if (v !== nd) {
          sum += v;
          n++;
        }
        if (hasX1) {
          v = at(s, r1 + x0 + 1);
          if (v !== nd) {
            sum += v;
            n++;
          }
        }
      }
      out[dstRow + x] = n === 0 ? nd : Math.floor((2 * sum + n) / (2 * n));
    }
  }
  return { width, height, data: out };
}

/** All overview levels of `full`, largest first. */
export function buildOverviews<T extends Pixels>(
  full: RasterLevel<T>,
  resampling: OverviewResampling,
  minSize: number,
  nodata?: number,
): Array<RasterLevel<T>> {
  const levels: Array<RasterLevel<T>> = [];
  let level = full;
  for (let i = overviewSizes(full.width, full.height, minSize).length; i > 0; i--) {
    level = resampling === 'nearest' ? downsampleNearest(level) : downsampleAverage(level, nodata);
    levels.push(level);
  }
  return levels;
}
