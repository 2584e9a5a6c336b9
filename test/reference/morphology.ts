/**
 * Binary morphology with a (2r+1) x (2r+1) square structuring element, and small-blob removal.
 *
 * A square element is separable: a horizontal pass then a vertical pass, each a sliding window
 * count, so the cost is O(pixels) whatever r is. Pixels outside the raster count as background
 * (scipy's default border_value=0): erosion eats into the raster's edges, dilation is unaffected;
 * any nonzero input is set; outputs are 0/1; `out` may be the input itself.
 */
import { cols3, LITTLE_ENDIAN, rows3 } from './morphology-3x3.js';
import { labelRuns } from '../../src/raster/runs.js';

function check(mask: Uint8Array, w: number, h: number, out: Uint8Array, r: number): void {
  if (!Number.isInteger(r) || r < 0) throw new RangeError(`radius ${r} must be a non-negative integer`);
  if (mask.length < w * h || out.length < w * h) throw new RangeError(`mask and out need ${w * h} values`);
}

/** Horizontal pass: dst = 1 where the row window [x-r, x+r] holds at least `need` set pixels. */
function rows(src: Uint8Array, dst: Uint8Array, w: number, h: number, r: number, need: number): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let n = 0;
    for (let x = 0; x < Math.min(r, w); x++) n += src[row + x] !== 0 ? 1 : 0;
    for (let x = 0; x < w; x++) {
      if (x + r < w && src[row + x + r] !== 0) n++;
      if (x - r - 1 >= 0 && src[row + x - r - 1] !== 0) n--;
      dst[row + x] = n >= need ? 1 : 0;
    }
  }
}

/** Vertical pass, row by row, a running count per column (no strided walks); src must not alias dst. */
function cols(src: Uint8Array, dst: Uint8Array, w: number, h: number, r: number, need: number): void {
  const n = new Int32Array(w);
  for (let y = 0; y < Math.min(r, h); y++) for (let x = 0; x < w; x++) n[x] = n[x]! + src[y * w + x]!;
  for (let y = 0; y < h; y++) {
    const add = y + r < h ? (y + r) * w : -1;
    const sub = y - r - 1 >= 0 ? (y - r - 1) * w : -1;
    for (let x = 0; x < w; x++) {
      let c = n[x]!;
      if (add >= 0) c += src[add + x]!;
      if (sub >= 0) c -= src[sub + x]!;
      n[x] = c;
      dst[y * w + x] = c >= need ? 1 : 0;
    }
  }
}

function separable(
  mask: Uint8Array,
  w: number,
  h: number,
  r: number,
  need: number,
  out: Uint8Array,
): Uint8Array {
  check(mask, w, h, out, r);
  if (r === 1 && LITTLE_ENDIAN && w > 0) {
    // The 3x3 element (every use in detection): four pixels per 32-bit operation, in place
    // through row buffers, so no second full-size plane (120 MB at 10980²).
    const erodes = need === 3;
    rows3(mask, out, w, h, erodes);
    cols3(out, w, h, erodes);
    return out;
  }
  const tmp = new Uint8Array(w * h); // lets `out` alias `mask`
  rows(mask, tmp, w, h, r, need);
  cols(tmp, out, w, h, r, need);
  return out;
}

/** Dilation: a pixel is set if any pixel within Chebyshev distance r is set. */
export function dilate(
  mask: Uint8Array,
  w: number,
  h: number,
  r = 1,
  out: Uint8Array = new Uint8Array(w * h),
): Uint8Array {
  return separable(mask, w, h, r, 1, out);
}

/** Erosion: a pixel stays set only if every pixel within Chebyshev distance r is set (and inside). */
export function erode(
  mask: Uint8Array,
  w: number,
  h: number,
  r = 1,
  out: Uint8Array = new Uint8Array(w * h),
): Uint8Array {
  return separable(mask, w, h, r, 2 * r + 1, out); // a window poking outside is never full
}

/** Opening (erode then dilate): removes specks and thin spurs narrower than 2r+1. */
export function open(
  mask: Uint8Array,
  w: number,
  h: number,
  r = 1,
  out: Uint8Array = new Uint8Array(w * h),
): Uint8Array {
  return dilate(erode(mask, w, h, r, out), w, h, r, out);
}

/** Closing (dilate then erode): fills gaps and holes narrower than 2r+1. */
export function close(
  mask: Uint8Array,
  w: number,
  h: number,
  r = 1,
  out: Uint8Array = new Uint8Array(w * h),
): Uint8Array {
  return erode(dilate(mask, w, h, r, out), w, h, r, out);
}

/**
 * Clears every connected component with fewer than `minArea` pixels. Writes 0/1 into `out`
 * (may be `mask`); returns the number of components kept.
 */
export function removeSmall(
  mask: Uint8Array,
  w: number,
  h: number,
  minArea: number,
  connectivity: 4 | 8 = 8,
  out: Uint8Array = new Uint8Array(w * h),
): number {
  check(mask, w, h, out, 0);
  // Work on runs: no label plane needed, and clearing is a fill per run.
  const { n, start, end, rowFirst, label, count } = labelRuns(mask, w, h, connectivity);
  const area = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) area[label[i]!] = area[label[i]!]! + end[i]! - start[i]!;
  out.fill(0, 0, w * h);
  let kept = 0;
  for (let l = 1; l <= count; l++) if (area[l]! >= minArea) kept++;
  for (let y = 0; y < h; y++) {
    for (let i = rowFirst[y]!; i < rowFirst[y + 1]!; i++) {
      if (area[label[i]!]! >= minArea) out.fill(1, y * w + start[i]!, y * w + end[i]!);
    }
  }
  return kept;
}
