import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { medianComposite } from '../reference/composite.js';

function run(stack: number[][]): { out: number[]; count: number[] } {
  const n = stack[0]?.length ?? 0;
  const out = new Float32Array(n);
  const count = new Uint8Array(n);
  medianComposite(
    stack.map((l) => Float32Array.from(l)),
    out,
    count,
  );
  return { out: Array.from(out), count: Array.from(count) };
}

describe('medianComposite', () => {
  it('takes the middle value for odd counts and the mean of the middle two for even counts', () => {
    const { out, count } = run([
      [0.5, 0.1, 0.4],
      [0.1, 0.2, NaN],
      [0.3, 0.4, 0.2],
      [NaN, 0.3, NaN],
    ]);
    expect(count).toEqual([3, 4, 2]);
    expect(out[0]).toBeCloseTo(0.3, 6);
    expect(out[1]).toBeCloseTo(0.25, 6);
    expect(out[2]).toBeCloseTo(0.3, 6);
  });

  it('gives NaN and count 0 where every observation is masked', () => {
    const { out, count } = run([[NaN], [NaN]]);
    expect(out[0]).toBeNaN();
    expect(count[0]).toBe(0);
    expect(run([]).out).toEqual([]);
  });

  it('matches a sort-based median for random stacks up to 16 layers', () => {
    const val = fc.oneof(fc.constant(NaN), fc.float({ min: -1, max: 1, noNaN: true }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 8 }),
        fc.infiniteStream(val),
        (layers, n, vals) => {
          const it = vals[Symbol.iterator]();
          const stack = Array.from({ length: layers }, () =>
            Array.from({ length: n }, () => Math.fround(it.next().value as number)),
          );
          const { out, count } = run(stack);
          for (let i = 0; i < n; i++) {
            const v = stack
              .map((l) => l[i]!)
              .filter((x) => !Number.isNaN(x))
              .sort((a, b) => a - b);
            expect(count[i]).toBe(v.length);
            if (v.length === 0) expect(out[i]).toBeNaN();
            else {
              const m = v.length >> 1;
              const want = v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
              expect(out[i]).toBeCloseTo(want, 6);
            }
          }
        },
      ),
    );
  });
});
