import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelComponents } from '../../src/raster/label.js';
import { close, dilate, erode, open, removeSmall } from '../reference/morphology.js';

/** Reference: brute-force square window, outside the raster = background. */
function brute(mask: Uint8Array, w: number, h: number, r: number, all: boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let any = false;
      let every = true;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const [nx, ny] = [x + dx, y + dy];
          const v = nx >= 0 && ny >= 0 && nx < w && ny < h && mask[ny * w + nx] !== 0;
          any ||= v;
          every &&= v;
        }
      }
      out.push((all ? every : any) ? 1 : 0);
    }
  }
  return out;
}

const maskArb = fc
  .record({
    w: fc.integer({ min: 1, max: 14 }),
    h: fc.integer({ min: 1, max: 14 }),
    r: fc.integer({ min: 0, max: 3 }),
  })
  .chain(({ w, h, r }) =>
    fc
      .uint8Array({ minLength: w * h, maxLength: w * h })
      .map((a) => ({ w, h, r, mask: a.map((v) => (v < 100 ? 1 : 0)) })),
  );

describe('dilate / erode', () => {
  it('match a brute-force square window for any radius', () => {
    fc.assert(
      fc.property(maskArb, ({ w, h, r, mask }) => {
        expect(Array.from(dilate(mask, w, h, r))).toEqual(brute(mask, w, h, r, false));
        expect(Array.from(erode(mask, w, h, r))).toEqual(brute(mask, w, h, r, true));
      }),
      { numRuns: 300 },
    );
  });

  it('with radius 1 (the word-parallel path) match it for any nonzero bytes, width and alignment', () => {
    const arb = fc
      .record({ w: fc.integer({ min: 1, max: 41 }), h: fc.integer({ min: 1, max: 9 }), shift: fc.nat(3) })
      .chain(({ w, h, shift }) =>
        fc
          .uint8Array({ minLength: w * h, maxLength: w * h })
          .map((a) => ({ w, h, shift, mask: a.map((v) => (v < 120 ? v % 7 : 0)) })),
      );
    fc.assert(
      fc.property(arb, ({ w, h, shift, mask }) => {
        // A view at byte offset `shift`: the word-wise passes must not assume an aligned plane.
        const view = new Uint8Array(mask.length + 3).subarray(shift, shift + mask.length);
        view.set(mask);
        expect(Array.from(dilate(view, w, h, 1))).toEqual(brute(mask, w, h, 1, false));
        expect(Array.from(erode(view, w, h, 1))).toEqual(brute(mask, w, h, 1, true));
      }),
      { numRuns: 400 },
    );
  });

  it('grow a pixel into a 3x3 square, erode it back, and may work in place', () => {
    const m = new Uint8Array(25);
    m[12] = 1;
    const d = dilate(m, 5, 5);
    expect(Array.from(d).reduce((a, b) => a + b)).toBe(9);
    erode(d, 5, 5, 1, d);
    expect(Array.from(d)).toEqual(Array.from(m));
  });

  it('opening removes a speck and keeps a block; closing fills a one-pixel hole', () => {
    const m = new Uint8Array(64);
    m[0] = 1; // speck at the corner
    for (const y of [3, 4, 5]) for (const x of [3, 4, 5]) m[y * 8 + x] = 1;
    const o = open(m, 8, 8);
    expect(o[0]).toBe(0);
    expect(Array.from(o).reduce((a, b) => a + b)).toBe(9);
    const holed = new Uint8Array(64).fill(1);
    holed[3 * 8 + 3] = 0;
    expect(close(holed, 8, 8)[3 * 8 + 3]).toBe(1);
  });

  it('rejects a negative or fractional radius', () => {
    expect(() => dilate(new Uint8Array(4), 2, 2, -1)).toThrow(RangeError);
    expect(() => erode(new Uint8Array(4), 2, 2, 1.5)).toThrow(RangeError);
  });
});

describe('removeSmall', () => {
  it('keeps exactly the components with at least minArea pixels', () => {
    fc.assert(
      fc.property(
        maskArb,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<4 | 8>(4, 8),
        ({ w, h, mask }, minArea, conn) => {
          const { labels, components } = labelComponents(mask, w, h, { connectivity: conn });
          const big = new Set(components.filter((c) => c.area >= minArea).map((c) => c.label));
          const out = new Uint8Array(w * h).fill(7); // stale content must be overwritten
          const kept = removeSmall(mask, w, h, minArea, conn, out);
          expect(kept).toBe(big.size);
          expect(Array.from(out)).toEqual(Array.from(labels, (l) => (big.has(l) ? 1 : 0)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts a diagonal pair as one blob with 8-connectivity only, and works in place', () => {
    const m = Uint8Array.from([1, 0, 0, 1]);
    expect(removeSmall(m, 2, 2, 2, 4)).toBe(0);
    expect(removeSmall(m, 2, 2, 2, 8, m)).toBe(1);
    expect(Array.from(m)).toEqual([1, 0, 0, 1]);
  });
});
