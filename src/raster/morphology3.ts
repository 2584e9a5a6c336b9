/**
 * The 3x3 (radius 1) dilation and erosion passes of morphology.ts, word-parallel: four 0/1
 * pixels per 32-bit operation, in place through padded row buffers. Little-endian hosts only
 * (LITTLE_ENDIAN says which); morphology.ts falls back to its running counts elsewhere.
 */

export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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
export function rows3(src: Uint8Array, dst: Uint8Array, w: number, h: number, erodes: boolean): void {
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
export function cols3(plane: Uint8Array, w: number, h: number, erodes: boolean): void {
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

/**
 * Closing with the 3x3 element (dilate, then erode with outside as background) in one streaming
 * pass: the same result as rows3/cols3 four times, but the plane is read and written once
 * instead of four times (0.56 s of 10980² detection, all on the main thread while the workers
 * idle). Row t of `dst` is written only after input row t + 2 is read, so `dst` may be `src`.
 */
export function close3(src: Uint8Array, dst: Uint8Array, w: number, h: number): void {
  const nw = ((w + 3) >>> 2) + 2;
  const last = nw - 1; // the zero word after the row
  const tail = w & 3;
  // Dilation spills pixel w-1 into the byte after it, inside the row's last word: clear it, or
  // the erosion would see a set pixel right of the raster.
  const tailMask = tail === 0 ? 0xffffffff : (2 ** (8 * tail) - 1) >>> 0;
  const inp = new RowBuffer(w);
  const s = inp.words;
  /** Horizontal dilation of input row y (background outside the raster) into d. */
  const hdil = (y: number, d: Uint32Array): void => {
    if (y >= h) {
      d.fill(0);
      return;
    }
    inp.load(src, y * w, w);
    let prev = 0;
    let cur = bits01(s[1] as number);
    for (let k = 1; k < last; k++) {
      const next = bits01(s[k + 1] as number);
      d[k] = cur | (cur << 8) | (prev >>> 24) | (cur >>> 8) | (next << 24);
      prev = cur;
      cur = next;
    }
    d[last - 1] = (d[last - 1] as number) & tailMask;
  };
  let a = new Uint32Array(nw); // horizontal dilation of row t - 1
  let b = new Uint32Array(nw); // ... of row t
  let c = new Uint32Array(nw); // ... of row t + 1
  const dil = new Uint32Array(nw); // dilated row t
  let e0 = new Uint32Array(nw); // horizontal erosion of dilated row t - 2
  let e1 = new Uint32Array(nw); // ... t - 1
  let e2 = new Uint32Array(nw); // ... t
  const out = new RowBuffer(w);
  const o = out.words;
  if (h > 0) hdil(0, b);
  for (let t = 0; t <= h; t++) {
    if (t < h) {
      hdil(t + 1, c);
      for (let k = 1; k < last; k++) dil[k] = (a[k] as number) | (b[k] as number) | (c[k] as number);
      let prev = 0;
      let cur = dil[1] as number;
      for (let k = 1; k < last; k++) {
        const next = dil[k + 1] as number;
        e2[k] = cur & ((cur << 8) | (prev >>> 24)) & ((cur >>> 8) | (next << 24));
        prev = cur;
        cur = next;
      }
      [a, b, c] = [b, c, a];
    } else e2.fill(0);
    if (t >= 1) {
      for (let k = 1; k < last; k++) o[k] = (e0[k] as number) & (e1[k] as number) & (e2[k] as number);
      out.store(dst, (t - 1) * w, w);
    }
    [e0, e1, e2] = [e1, e2, e0];
  }
}
