/**
 * Sentinel-2 L2A digital numbers to surface reflectance.
 *
 * reflectance = DN * scale + offset. Since processing baseline 04.00 the offset is -0.1
 * (BOA_ADD_OFFSET = -1000 DN), before it 0; the caller takes scale and offset from the item's
 * `raster:bands` (or the baseline) and passes them in, so this kernel never guesses.
 * DN 0 is nodata in L2A and becomes NaN, which every other kernel treats as "no observation".
 */

/**
 * Converts `dn` into `out` (Float32, same length). Pixels equal to `nodata` (default 0) become
 * NaN. Returns `out`.
 */
export function dnToReflectance(
  dn: Uint16Array,
  scale: number,
  offset: number,
  out: Float32Array,
  nodata = 0,
): Float32Array {
  if (!Number.isFinite(scale) || !Number.isFinite(offset)) {
    throw new RangeError(`scale ${scale} and offset ${offset} must be finite numbers`);
  }
  const n = dn.length;
  if (out.length < n) throw new RangeError(`out has ${out.length} values, expected at least ${n}`);
  for (let i = 0; i < n; i++) {
    const v = dn[i]!;
    out[i] = v === nodata ? NaN : v * scale + offset;
  }
  return out;
}
