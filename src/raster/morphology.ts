/**
 * Binary morphology with a (2r+1) x (2r+1) square structuring element, and small-blob removal.
 *
 * A square element is separable: a horizontal pass then a vertical pass, each a sliding window
 * count, so the cost is O(pixels) whatever r is. Pixels outside the raster count as background
 * (scipy's default border_value=0): erosion eats into the raster's edges, dilation is unaffected.
 * Inputs treat any nonzero as set; outputs are 0/1. `out` may be the input itself.
 */
import { labelRuns } from './runs.js';

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

/**
 * Vertical pass, row by row with one running count per column (walking columns would stride
 * through memory). `src` (0/1) must not alias `dst`.
 */
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

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Each byte of a word to 0/1 (nonzero -> 1). Bit 0 of a byte ends up as the OR of that byte's
 * bits 0-7: the shifts add up to 7, so no bit of a neighbouring byte can reach it.
 */
function bits01(v: number): number {
  v |= v >>> 4;
  v |= v >>> 2;
  v |= v >>> 1;
  return v & 0x01010101;
}

/**
 * A row buffer for the word-wise passes: the row's bytes at offset 4 of an aligned buffer, with
 * zero bytes before and after them (outside the raster is background), viewed as words.
 */
class RowBuffer {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;

  constructor(w: number) {
    this.words = new Uint32Array(((w + 3) >>> 2) + 2);
    this.bytes = new Uint8Array(this.words.buffer);
  }

  load(src: Uint8Array, start: number, w: number): void {
    this.bytes.set(src.subarray(start, start + w), 4);
  }

  store(dst: Uint8Array, start: number, w: number): void {
    dst.set(this.bytes.subarray(4, 4 + w), start);
  }
}

/**
 * Horizontal 3-pixel pass, row by row through a padded row buffer (so `dst` may be `src`). In
 * word k of a little-endian row, the left neighbours are (cur << 8 | prev >>> 24) and the right
 * ones (cur >>> 8 | next << 24); the zero padding makes the row's ends see background.
 */
function rows3(src: Uint8Array, dst: Uint8Array, w: number, h: number, erodes: boolean): void {
  const inp = new RowBuffer(w);
  const out = new RowBuffer(w);
  const s = inp.words;
  const d = out.words;
  const last = s.length - 1; // the zero word after the row
  for (let row = 0; row < w * h; row += w) {
    inp.load(src, row, w);
    let prev = 0;
    let cur = bits01(s[1] as number);
    for (let k = 1; k < last; k++) {
      const next = bits01(s[k + 1] as number);
      const left = (cur << 8) | (prev >>> 24);
      const right = (cur >>> 8) | (next << 24);
      d[k] = erodes ? cur & left & right : cur | left | right;
      prev = cur;
      cur = next;
    }
    out.store(dst, row, w);
  }
}

/**
 * Vertical 3-pixel pass on 0/1 bytes, in place: OR (dilate) or AND (erode) of each row with the
 * rows above and below, kept in three rotating row buffers. A row outside the raster is
 * background, so erosion clears the first and last rows.
 */
function cols3(plane: Uint8Array, w: number, h: number, erodes: boolean): void {
  let above = new RowBuffer(w); // all zero: the row above the first
  let here = new RowBuffer(w);
  let below = new RowBuffer(w);
  const out = new RowBuffer(w);
  const d = out.words;
  here.load(plane, 0, w);
  for (let y = 0; y < h; y++) {
    if (y + 1 < h) below.load(plane, (y + 1) * w, w);
    else below.words.fill(0);
    const a = above.words;
    const b = here.words;
    const c = below.words;
    for (let k = 1; k < d.length - 1; k++) {
      d[k] = erodes
        ? (a[k] as number) & (b[k] as number) & (c[k] as number)
        : (a[k] as number) | (b[k] as number) | (c[k] as number);
    }
    out.store(plane, y * w, w);
    [above, here, below] = [here, below, above];
  }
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
