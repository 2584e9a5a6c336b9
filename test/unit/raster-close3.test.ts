import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { close, dilate, erode } from '../../src/raster/morphology.js';

describe('close (3x3, one streaming pass)', () => {
  it('equals erode(dilate(mask)) for any mask and size, also in place', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 23 * 9, maxLength: 23 * 9 }),
        (w, h, values) => {
          // Sparse-ish masks with nonzero values other than 1 (the passes read "nonzero").
          const mask = Uint8Array.from(values.slice(0, w * h), (v) => (v >= 3 ? v : 0));
          const expected = erode(dilate(mask, w, h, 1), w, h, 1);
          expect(Array.from(close(mask, w, h, 1))).toEqual(Array.from(expected));
          const inPlace = mask.slice();
          close(inPlace, w, h, 1, inPlace);
          expect(Array.from(inPlace)).toEqual(Array.from(expected));
        },
      ),
      { numRuns: 400 },
    );
  });
});
