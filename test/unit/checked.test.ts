/** src/types/checked.ts: an in-bounds read gives the element, an out-of-bounds one a RangeError naming it. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { at, f32At, f64At, i32At, u16At, u32At, u8At } from '../../src/types/checked.js';

describe('checked element access', () => {
  it('returns a[i] for every i in bounds and throws a RangeError naming i outside them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 20 }),
        fc.integer({ min: -3, max: 25 }),
        (xs, i) => {
          const readers: [(i: number) => number, ArrayLike<number>][] = [
            [(k) => at(xs, k), xs],
            [(k) => f32At(Float32Array.from(xs), k), Float32Array.from(xs)],
            [(k) => f64At(Float64Array.from(xs), k), Float64Array.from(xs)],
            [(k) => u8At(Uint8Array.from(xs), k), Uint8Array.from(xs)],
            [(k) => u16At(Uint16Array.from(xs), k), Uint16Array.from(xs)],
            [(k) => u32At(Uint32Array.from(xs), k), Uint32Array.from(xs)],
            [(k) => i32At(Int32Array.from(xs), k), Int32Array.from(xs)],
          ];
          for (const [read, a] of readers) {
            if (i >= 0 && i < xs.length) expect(read(i)).toBe(a[i]);
            else expect(() => read(i)).toThrow(new RangeError(`index ${i} outside 0..${xs.length - 1}`));
          }
        },
      ),
    );
  });

  it('keeps NaN and 0, which are values, not absences', () => {
    expect(f32At(Float32Array.of(NaN), 0)).toBeNaN();
    expect(at([0], 0)).toBe(0);
  });
});
