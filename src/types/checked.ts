/**
 * Checked element access, for indices the code knows are in bounds. With
 * `noUncheckedIndexedAccess` an index read is `T | undefined`; a cast (`as number`) or a `!`
 * silences that and lets a wrong index flow on as `undefined` (NaN in arithmetic). These return
 * the element or throw a RangeError naming the index: an out-of-bounds read is a bug in our code,
 * never a user's input error (validate inputs at the edge; see src/errors.ts for those).
 *
 * One function per typed-array type: each call site stays monomorphic, so V8 inlines the check
 * into hot loops (a generic `at` over several array types was measured slower in the generator).
 */
function outOfRange(i: number, length: number): RangeError {
  return new RangeError(`index ${i} outside 0..${length - 1}`);
}

/** a[i] of an ordinary array or array-like whose elements are never undefined. */
export function at<T>(a: ArrayLike<T>, i: number): T {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}

export function f32At(a: Float32Array, i: number): number {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}

export function f64At(a: Float64Array, i: number): number {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}

export function u8At(a: Uint8Array | Uint8ClampedArray, i: number): number {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}

export function u16At(a: Uint16Array, i: number): number {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}

export function u32At(a: Uint32Array, i: number): number {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}

export function i32At(a: Int32Array, i: number): number {
  const v = a[i];
  if (v === undefined) throw outOfRange(i, a.length);
  return v;
}
