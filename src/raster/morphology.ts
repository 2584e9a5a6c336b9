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
  const tmp = new Uint8Array(w * h); // lets `out` alias `mask`
  if (r === 1 && LITTLE_ENDIAN) {
    // The 3x3 element (every use in detection): four pixels per 32-bit operation.
    const erodes = need === 3;
    rows3(mask, tmp, w, h, erodes);
    cols3(tmp, out, w, h, erodes);
    return out;
  }
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

/** A window of the row [x-1, x+1] on 0/1-or-any bytes, clipped at the row's ends. */
function rowPixel(src: Uint8Array, row: number, x: number, w: number, erodes: boolean): number {
  let n = 0;
  for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) if (src[row + xx] !== 0) n++;
  return erodes ? (n === 3 ? 1 : 0) : n > 0 ? 1 : 0;
}

/**
 * Horizontal 3-pixel pass over the plane as one stream of little-endian words: in word k, the
 * left neighbours are (cur << 8 | prev >>> 24) and the right ones (cur >>> 8 | next << 24).
 * The stream runs across row ends, so the first and last pixel of every row, and the pixels
 * after the last whole word, are redone by rowPixel.
 */
function rows3(src: Uint8Array, dst: Uint8Array, w: number, h: number, erodes: boolean): void {
  const n = w * h;
  if (src.byteOffset % 4 !== 0 || w < 3) {
    rows(src, dst, w, h, 1, erodes ? 3 : 1);
    return;
  }
  const nw = n >>> 2;
  const s = new Uint32Array(src.buffer, src.byteOffset, nw);
  const d = new Uint32Array(dst.buffer, dst.byteOffset, nw);
  let prev = 0;
  let cur = nw > 0 ? bits01(s[0] as number) : 0;
  for (let k = 0; k < nw; k++) {
    const next = k + 1 < nw ? bits01(s[k + 1] as number) : 0;
    const left = (cur << 8) | (prev >>> 24);
    const right = (cur >>> 8) | (next << 24);
    d[k] = erodes ? cur & left & right : cur | left | right;
    prev = cur;
    cur = next;
  }
  for (let i = Math.max(0, 4 * nw - 1); i < n; i++) {
    const x = i % w;
    dst[i] = rowPixel(src, i - x, x, w, erodes);
  }
  for (let row = 0; row < n; row += w) {
    dst[row] = rowPixel(src, row, 0, w, erodes);
    dst[row + w - 1] = rowPixel(src, row, w - 1, w, erodes);
  }
}

/**
 * Vertical 3-pixel pass on 0/1 bytes: OR (dilate) or AND (erode) of the rows above and below;
 * a row outside the raster is background, so erosion clears the first and last rows. Word-wise
 * when rows are whole words, else byte-wise.
 */
function cols3(src: Uint8Array, dst: Uint8Array, w: number, h: number, erodes: boolean): void {
  if (w % 4 === 0 && src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0) {
    const n = (w * h) >>> 2;
    const s = new Uint32Array(src.buffer, src.byteOffset, n);
    const d = new Uint32Array(dst.buffer, dst.byteOffset, n);
    cols3Words(s, d, w >>> 2, h, erodes);
  } else cols3Bytes(src, dst, w, h, erodes);
}

// Two copies of one loop so each sees one array type (a loop over both runs several times slower).
function cols3Words(s: Uint32Array, d: Uint32Array, rw: number, h: number, erodes: boolean): void {
  for (let y = 0; y < h; y++) {
    const row = y * rw;
    const up = y > 0 ? row - rw : -1;
    const down = y + 1 < h ? row + rw : -1;
    for (let k = 0; k < rw; k++) {
      const a = up < 0 ? 0 : (s[up + k] as number);
      const b = down < 0 ? 0 : (s[down + k] as number);
      const c = s[row + k] as number;
      d[row + k] = erodes ? a & b & c : a | b | c;
    }
  }
}

function cols3Bytes(s: Uint8Array, d: Uint8Array, rw: number, h: number, erodes: boolean): void {
  for (let y = 0; y < h; y++) {
    const row = y * rw;
    const up = y > 0 ? row - rw : -1;
    const down = y + 1 < h ? row + rw : -1;
    for (let k = 0; k < rw; k++) {
      const a = up < 0 ? 0 : (s[up + k] as number);
      const b = down < 0 ? 0 : (s[down + k] as number);
      const c = s[row + k] as number;
      d[row + k] = erodes ? a & b & c : a | b | c;
    }
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
