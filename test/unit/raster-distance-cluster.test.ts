import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterPoints } from '../../src/raster/distance-cluster.js';

/** Reference: O(n^2) single linkage by repeated BFS. */
function reference(xs: number[], ys: number[], t: number): number[] {
  const n = xs.length;
  const id = new Array<number>(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (id[i] !== -1) continue;
    id[i] = next;
    const stack = [i];
    while (stack.length) {
      const a = stack.pop()!;
      for (let b = 0; b < n; b++) {
        if (id[b] === -1 && Math.hypot(xs[a]! - xs[b]!, ys[a]! - ys[b]!) <= t) {
          id[b] = next;
          stack.push(b);
        }
      }
    }
    next++;
  }
  return id;
}

describe('clusterPoints', () => {
  it('links points within the threshold, transitively (single linkage)', () => {
    const xs = [500000, 500050, 500100, 501000, 500000];
    const ys = [2700000, 2700000, 2700000, 2700000, 2700200];
    const c = clusterPoints(xs, ys, 60);
    expect(Array.from(c.clusterOf)).toEqual([0, 0, 0, 1, 2]);
    expect(c.count).toBe(3);
    expect(Array.from(c.sizes)).toEqual([3, 1, 1]);
  });

  it('includes pairs exactly at the threshold', () => {
    expect(clusterPoints([0, 3], [0, 4], 5).count).toBe(1);
    expect(clusterPoints([0, 3], [0, 4], 4.999).count).toBe(2);
  });

  it('equals brute-force single linkage on random UTM-sized points, negative cells included', () => {
    const pt = fc.tuple(
      fc.double({ min: -2000, max: 2000, noNaN: true }),
      fc.double({ min: -2000, max: 2000, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.array(pt, { maxLength: 80 }),
        fc.double({ min: 1, max: 800, noNaN: true }),
        fc.boolean(),
        (pts, t, utm) => {
          const off = utm ? 600000 : 0;
          const xs = pts.map((p) => p[0] + off);
          const ys = pts.map((p) => p[1] + off * 4);
          const got = clusterPoints(xs, ys, t);
          expect(Array.from(got.clusterOf)).toEqual(reference(xs, ys, t));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a bad threshold, mismatched arrays and non-finite points', () => {
    expect(() => clusterPoints([0], [0], 0)).toThrow(RangeError);
    expect(() => clusterPoints([0], [0, 1], 1)).toThrow(/ys/);
    expect(() => clusterPoints([NaN], [0], 1)).toThrow(/point 0/);
    expect(clusterPoints([], [], 1).count).toBe(0);
  });
});
