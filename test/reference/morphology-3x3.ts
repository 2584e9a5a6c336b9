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
export function bits01(v: number): number {
  v |= v >>> 4;
  v |= v >>> 2;
  v |= v >>> 1;
  return v & 0x01010101;
}

/**
 * A row buffer for the word-wise passes: the row's bytes at offset 4 of an aligned buffer, with
 * zero bytes before and after them (outside the raster is background), viewed as words.
 */
export class RowBuffer {
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
