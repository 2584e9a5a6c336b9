/** The 3x3 closing in one streaming pass, on the word-parallel rows of morphology3.ts. */
import { bits01, RowBuffer } from './morphology3.js';

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
