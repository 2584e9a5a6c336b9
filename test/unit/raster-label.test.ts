import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { componentStats, labelComponents } from '../../src/raster/label.js';

/** Reference: BFS flood fill in raster order, labels 1..n in order of first pixel. */
function floodFill(
  mask: Uint8Array,
  w: number,
  h: number,
  conn: 4 | 8,
): { labels: Int32Array; count: number } {
  const labels = new Int32Array(w * h);
  const nb = conn === 8 ? [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dx, dy] as const)) : ([[1, 0], [-1, 0], [0, 1], [0, -1]] as const); // prettier-ignore
  let count = 0;
  for (let p = 0; p < w * h; p++) {
    if (!mask[p] || labels[p]) continue;
    labels[p] = ++count;
    const queue = [p];
    while (queue.length) {
      const q = queue.pop()!;
      const x = q % w;
      const y = (q - x) / w;
      for (const [dx, dy] of nb) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
        const r = ny * w + nx;
        if (mask[r] && !labels[r]) {
          labels[r] = count;
          queue.push(r);
        }
      }
    }
  }
  return { labels, count };
}

const maskArb = fc
  .record({
    w: fc.integer({ min: 1, max: 24 }),
    h: fc.integer({ min: 1, max: 24 }),
    density: fc.double({ min: 0.05, max: 0.9, noNaN: true }),
    seed: fc.integer(),
  })
  .map(({ w, h, density, seed }) => {
    let s = seed >>> 0 || 1;
    const mask = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      mask[i] = (s >>> 0) / 2 ** 32 < density ? 1 : 0;
    }
    return { w, h, mask };
  });

describe('labelComponents', () => {
  it('equals a BFS flood fill on random masks, for 8 and 4 connectivity', () => {
    fc.assert(
      fc.property(
        maskArb,
        fc.constantFrom<4 | 8>(4, 8),
        fc.integer({ min: 0, max: 3 }),
        ({ w, h, mask }, conn, off) => {
          const ref = floodFill(mask, w, h, conn);
          // A view at an odd byte offset takes the byte-by-byte path instead of the 4-byte skip.
          const view = new Uint8Array(w * h + off).subarray(off);
          view.set(mask);
          const got = labelComponents(view, w, h, { connectivity: conn });
          expect(got.count).toBe(ref.count);
          expect(Array.from(got.labels)).toEqual(Array.from(ref.labels));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('computes area, bounding box, centroid sums and value sums per component', () => {
    fc.assert(
      fc.property(maskArb, ({ w, h, mask }) => {
        const values = Float32Array.from({ length: w * h }, (_, i) => (i % 7 === 3 ? NaN : (i % 5) * 0.5));
        const { labels, components } = labelComponents(mask, w, h, { values });
        components.forEach((c, k) => {
          expect(c.label).toBe(k + 1);
          let [area, minX, minY, maxX, maxY, sumX, sumY, vs] = [0, w, h, -1, -1, 0, 0, 0];
          for (let i = 0; i < w * h; i++) {
            if (labels[i] !== c.label) continue;
            const x = i % w;
            const y = (i - x) / w;
            area++;
            [minX, minY, maxX, maxY] = [
              Math.min(minX, x),
              Math.min(minY, y),
              Math.max(maxX, x),
              Math.max(maxY, y),
            ];
            sumX += x;
            sumY += y;
            if (!Number.isNaN(values[i])) vs += values[i]!;
          }
          expect(c).toEqual({
            label: c.label,
            area,
            minX,
            minY,
            maxX,
            maxY,
            sumX,
            sumY,
            valueSum: expect.closeTo(vs, 6) as number,
          });
        });
      }),
      { numRuns: 200 },
    );
  });

  it('joins a diagonal with 8-connectivity and splits it with 4', () => {
    // prettier-ignore
    const diag = Uint8Array.from([
      1, 0, 0,
      0, 1, 0,
      0, 0, 1,
    ]);
    expect(labelComponents(diag, 3, 3).count).toBe(1);
    const four = labelComponents(diag, 3, 3, { connectivity: 4 });
    expect(four.count).toBe(3);
    expect(Array.from(four.labels)).toEqual([1, 0, 0, 0, 2, 0, 0, 0, 3]);
  });

  it('merges a U shape whose arms meet only at the bottom (late union)', () => {
    // prettier-ignore
    const u = Uint8Array.from([
      1, 0, 1, 0, 1,
      1, 0, 1, 0, 1,
      1, 1, 1, 1, 1,
    ]);
    const got = labelComponents(u, 5, 3);
    expect(got.count).toBe(1);
    expect(got.components[0]).toMatchObject({ area: 11, minX: 0, maxX: 4, minY: 0, maxY: 2 });
  });

  it('reuses a given label plane, clearing stale labels, and skips it when not asked', () => {
    const out = new Int32Array(4).fill(9);
    labelComponents(Uint8Array.from([1, 0, 0, 1]), 2, 2, { connectivity: 4 }, out);
    expect(Array.from(out)).toEqual([1, 0, 0, 2]);
    const st = componentStats(Uint8Array.from([1, 0, 0, 1]), 2, 2);
    expect(st.count).toBe(1);
    expect(st.area[1]).toBe(2);
  });

  it('handles empty and full masks', () => {
    expect(labelComponents(new Uint8Array(12), 4, 3).count).toBe(0);
    const full = labelComponents(new Uint8Array(12).fill(255), 4, 3);
    expect(full.count).toBe(1);
    expect(full.components[0]!.area).toBe(12);
  });
});
