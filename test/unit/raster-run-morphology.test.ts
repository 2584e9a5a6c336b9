import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { componentStats, componentStatsOfRuns } from '../../src/raster/label.js';
import { close } from '../reference/morphology.js';
import { closeRuns3, cropRuns, fullRuns, runsFromPixels } from '../../src/raster/run-morphology.js';
import { labelRowRuns, labelRuns, maskRuns, type RowRuns } from '../../src/raster/runs.js';

/** A w x h mask from fast-check values, about a third set, in clumps and specks. */
const masks = fc
  .record({
    w: fc.integer({ min: 1, max: 31 }),
    h: fc.integer({ min: 1, max: 17 }),
    values: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 31 * 17, maxLength: 31 * 17 }),
  })
  .map(({ w, h, values }) => ({
    w,
    h,
    mask: Uint8Array.from(values.slice(0, w * h), (v) => (v >= 4 ? 1 : 0)),
  }));

const setPixels = (mask: Uint8Array): number[] => [...mask.keys()].filter((i) => mask[i] !== 0);

const plain = (r: RowRuns): unknown => ({
  start: Array.from(r.start.subarray(0, r.n)),
  end: Array.from(r.end.subarray(0, r.n)),
  rowFirst: Array.from(r.rowFirst),
});

describe('masks as runs', () => {
  it('runsFromPixels gives the runs maskRuns finds in the plane', () => {
    fc.assert(
      fc.property(masks, ({ w, h, mask }) => {
        expect(plain(runsFromPixels(setPixels(mask), w, h))).toEqual(plain(maskRuns(mask, w, h)));
      }),
      { numRuns: 300 },
    );
  });

  it('closeRuns3 is the 3x3 closing of the plane, as maximal runs, borders included', () => {
    fc.assert(
      fc.property(masks, ({ w, h, mask }) => {
        const closed = closeRuns3(runsFromPixels(setPixels(mask), w, h), w, h);
        const expected = close(mask, w, h, 1);
        expect(plain(closed)).toEqual(plain(maskRuns(expected, w, h)));
        expect(Array.from(cropRuns(closed, 0, 0, w, h))).toEqual(Array.from(expected, (v) => (v ? 1 : 0)));
      }),
      { numRuns: 400 },
    );
  });

  it('fills a one-pixel gap, and a speck at the edge stays a speck', () => {
    const w = 12;
    const h = 5;
    const mask = new Uint8Array(w * h);
    for (let y = 1; y <= 3; y++) for (const x of [1, 2, 4, 5]) mask[y * w + x] = 1; // gap at x = 3
    mask[2 * w + 11] = 1; // on the right edge: outside the raster erodes it away
    const closed = closeRuns3(maskRuns(mask, w, h), w, h);
    expect(Array.from(closed.rowFirst)).toEqual([0, 0, 1, 2, 3, 3]);
    expect(Array.from(closed.start)).toEqual([1, 1, 1]);
    expect(Array.from(closed.end)).toEqual([6, 6, 6]);
  });

  it('labels and sizes runs exactly as it labels the plane they came from', () => {
    fc.assert(
      fc.property(masks, ({ w, h, mask }) => {
        const runs = runsFromPixels(setPixels(mask), w, h);
        expect(Array.from(labelRowRuns(runs).label.subarray(0, runs.n))).toEqual(
          Array.from(labelRuns(mask, w, h).label.subarray(0, runs.n)),
        );
        expect(componentStatsOfRuns(runs, w, h)).toEqual(componentStats(mask, w, h));
      }),
      { numRuns: 300 },
    );
  });

  it('cropRuns gives any window of the mask, also one reaching past the raster', () => {
    fc.assert(
      fc.property(
        masks,
        fc.integer({ min: -3, max: 20 }),
        fc.integer({ min: -3, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 8 }),
        ({ w, h, mask }, x0, y0, bw, bh) => {
          const expected = Array.from({ length: bw * bh }, (_, k) => {
            const x = x0 + (k % bw);
            const y = y0 + Math.floor(k / bw);
            return x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] ? 1 : 0;
          });
          expect(Array.from(cropRuns(maskRuns(mask, w, h), x0, y0, bw, bh))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
    expect(Array.from(cropRuns(fullRuns(3, 2), 0, 0, 3, 2))).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
