/**
 * Per-pixel median composite over a small stack of dates.
 *
 * Each layer is a Float32Array with NaN where the observation is masked (cloud, nodata). The
 * median of the valid values goes into `out`, their number into `count`; a pixel with no valid
 * observation gets NaN and count 0. For an even count the median is the mean of the two middle
 * values, as numpy's nanmedian does.
 *
 * Stacks are small (a season of Sentinel-2 dates, at most a few dozen), so each pixel's values
 * are insertion-sorted in one scratch buffer allocated once per call: no allocation per pixel,
 * and for N <= 16 insertion sort beats any general sort.
 */

/** Largest stack accepted: `count` is a Uint8Array. */
export const MAX_STACK = 255;

export function medianComposite(stack: readonly Float32Array[], out: Float32Array, count: Uint8Array): void {
  const layers = stack.length;
  if (layers > MAX_STACK) throw new RangeError(`stack of ${layers} layers exceeds ${MAX_STACK}`);
  const n = out.length;
  if (count.length < n) throw new RangeError(`count has ${count.length} values, expected ${n}`);
  for (let k = 0; k < layers; k++) {
    if (stack[k]!.length < n)
      throw new RangeError(`stack layer ${k} has ${stack[k]!.length} values, expected ${n}`);
  }
  const scratch = new Float32Array(Math.max(1, layers));
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < layers; k++) {
      const v = stack[k]![i]!;
      if (v !== v) continue; // NaN: masked observation
      // Insert v into the sorted prefix scratch[0..m).
      let j = m - 1;
      while (j >= 0 && scratch[j]! > v) {
        scratch[j + 1] = scratch[j]!;
        j--;
      }
      scratch[j + 1] = v;
      m++;
    }
    count[i] = m;
    if (m === 0) out[i] = NaN;
    else if (m & 1) out[i] = scratch[m >> 1]!;
    else out[i] = (scratch[(m >> 1) - 1]! + scratch[m >> 1]!) / 2;
  }
}
