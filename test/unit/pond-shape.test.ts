/** Pond shape measures (src/detect/pond-shape.ts) and the pool-count estimate (pool-estimate.ts). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blobShape } from '../../src/detect/pond-shape.js';
import { poolEstimate, POOL_AREA_M2 } from '../../src/detect/pool-estimate.js';

function rect(w: number, h: number, rotate = false): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      xs.push(rotate ? x + y : x);
      ys.push(rotate ? y - x : y);
    }
  return [xs, ys];
}

describe('blobShape', () => {
  it('a filled rectangle measures rectangularity 1 and elongation its aspect ratio', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (w, h) => {
        const s = blobShape(...rect(w, h));
        expect(s.rectangularity).toBeCloseTo(1, 6);
        expect(s.elongation).toBeCloseTo(Math.max(w, h) / Math.min(w, h), 6);
      }),
    );
  });

  it('does not depend on where the blob is or on mirroring it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: -50, max: 50 }),
        (pts, d) => {
          const uniq = [...new Map(pts.map((p) => [`${p[0]},${p[1]}`, p])).values()];
          const a = blobShape(
            uniq.map((p) => p[0]),
            uniq.map((p) => p[1]),
          );
          const b = blobShape(
            uniq.map((p) => -p[0] + d),
            uniq.map((p) => p[1] - d),
          );
          expect(b.elongation).toBeCloseTo(a.elongation, 6);
          expect(b.rectangularity).toBeCloseTo(a.rectangularity, 6);
          expect(a.elongation).toBeGreaterThanOrEqual(1 - 1e-9);
        },
      ),
    );
  });

  it('a river-like diagonal line is elongated; a ragged blob is less rectangular than its box', () => {
    const line = blobShape([0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(line.elongation).toBeGreaterThan(4);
    // A plus shape and a scatter (char specks) against a 3 x 3 square.
    const plus = blobShape([1, 0, 1, 2, 1], [0, 1, 1, 1, 2]);
    const scatter = blobShape([0, 4, 0, 4, 2], [0, 0, 4, 4, 2]);
    expect(plus.rectangularity).toBeLessThan(1);
    expect(scatter.rectangularity).toBeLessThan(0.3);
  });
});

describe('poolEstimate', () => {
  it('brackets the estimate, never below the blobs nor their peaks', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            waterM2: fc.double({ min: 0, max: 3000, noNaN: true }),
            peaks: fc.integer({ min: 1, max: 6 }),
          }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        (blobs) => {
          const e = poolEstimate(blobs);
          expect(e.low).toBeLessThanOrEqual(e.estimate);
          expect(e.estimate).toBeLessThanOrEqual(e.high);
          expect(e.estimate).toBeGreaterThanOrEqual(blobs.reduce((s, b) => s + b.peaks, 0));
          expect(e.low).toBeGreaterThanOrEqual(blobs.length);
        },
      ),
    );
  });

  it('a merged blob of six typical pools counts six, within 4..14', () => {
    const e = poolEstimate([{ waterM2: 6 * POOL_AREA_M2.typical, peaks: 2 }]);
    expect(e).toEqual({ estimate: 6, low: 3, high: 14 });
  });
});
