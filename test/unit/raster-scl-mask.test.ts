import { describe, expect, it } from 'vitest';
import {
  clearMask10m,
  makeSclClearLut,
  PixelStatus,
  pixelStatus10m,
  SCL_CLEAR_LUT,
  SCL_STATUS_LUT,
} from '../../src/raster/scl-mask.js';

describe('SCL lookup tables', () => {
  it('masks no data, defective, shadow, clouds and cirrus; keeps the ground classes', () => {
    const out = [0, 1, 3, 8, 9, 10];
    const clear = [2, 4, 5, 6, 7, 11];
    for (const c of out) expect(SCL_CLEAR_LUT[c], `class ${c}`).toBe(0);
    for (const c of clear) expect(SCL_CLEAR_LUT[c], `class ${c}`).toBe(1);
    for (let c = 12; c < 256; c++) expect(SCL_CLEAR_LUT[c]).toBe(0);
  });

  it('optionally treats snow as obscured', () => {
    expect(makeSclClearLut({ snowObscures: true })[11]).toBe(0);
    expect(makeSclClearLut({ snowObscures: true })[4]).toBe(1);
  });

  it('says why a pixel is not clear', () => {
    expect([0, 1, 12, 255].map((c) => SCL_STATUS_LUT[c])).toEqual(Array(4).fill(PixelStatus.NoData));
    expect([3, 8, 9, 10].map((c) => SCL_STATUS_LUT[c])).toEqual(Array(4).fill(PixelStatus.Obscured));
    expect([2, 4, 5, 6, 7].map((c) => SCL_STATUS_LUT[c])).toEqual(Array(5).fill(PixelStatus.Clear));
  });
});

describe('clearMask10m / pixelStatus10m', () => {
  // 20 m grid 3 x 2 covering a 5 x 3 10 m grid (odd sizes: the last 20 m column/row is half used).
  const scl = Uint8Array.from([4, 9, 0, 3, 6, 8]);
  const [w2, h2, w, h] = [3, 2, 5, 3];

  it('upsamples 2x by indexing and counts clear pixels', () => {
    const out = new Uint8Array(w * h);
    const clear = clearMask10m(scl, w2, h2, w, h, out);
    // prettier-ignore
    expect(Array.from(out)).toEqual([
      1, 1, 0, 0, 0,
      1, 1, 0, 0, 0,
      0, 0, 1, 1, 0,
    ]);
    expect(clear).toBe(6);
  });

  it('writes statuses and counts obscured versus nodata pixels at 10 m', () => {
    const out = new Uint8Array(w * h);
    const counts = pixelStatus10m(scl, w2, h2, w, h, out);
    // prettier-ignore
    expect(Array.from(out)).toEqual([
      0, 0, 1, 1, 2,
      0, 0, 1, 1, 2,
      1, 1, 0, 0, 1,
    ]);
    expect(counts).toEqual({ clear: 6, obscured: 7, nodata: 2 });
  });

  it('rejects a 20 m grid too small for the 10 m grid', () => {
    expect(() => clearMask10m(scl, 2, 2, 5, 3, new Uint8Array(15))).toThrow(/does not cover/);
  });
});
