/**
 * Normalised-difference indices on reflectance arrays (NDVI, MNDWI).
 *
 * Nodata travels as NaN: any NaN input gives NaN out. A non-positive denominator also gives NaN,
 * because (a - b) / (a + b) means nothing there (both bands dark or nodata-like after the
 * BOA offset). Results are clamped to [-1, 1]: with slightly negative reflectances (L2A's -0.1
 * offset on very dark pixels) the raw ratio can leave that range, and no threshold downstream
 * should see such values.
 */

/** (a - b) / (a + b), clamped to [-1, 1]; NaN when either is NaN or a + b <= 0. */
export function normalizedDifference(a: number, b: number): number {
  const sum = a + b;
  // `!(sum > 0)` is also true for NaN, so one test covers nodata and the degenerate denominator.
  if (!(sum > 0)) return NaN;
  const v = (a - b) / sum;
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

function checkLength(name: string, arr: ArrayLike<number>, n: number): void {
  if (arr.length < n) {
    throw new RangeError(`${name} has ${arr.length} values, expected at least ${n}`);
  }
}

/**
 * NDVI = (nir - red) / (nir + red), pixel by pixel, written into `out` (same length as red).
 * Returns `out` so calls can be chained.
 */
export function ndviInto(red: Float32Array, nir: Float32Array, out: Float32Array): Float32Array {
  const n = red.length;
  checkLength('nir', nir, n);
  checkLength('out', out, n);
  for (let i = 0; i < n; i++) {
    out[i] = normalizedDifference(nir[i]!, red[i]!);
  }
  return out;
}

/**
 * MNDWI = (green - swir16) / (green + swir16) on the 10 m grid (w x h) of `green`.
 *
 * swir16 is the 20 m band (row length w2, at least ceil(h/2) rows). It is upsampled by nearest
 * neighbour through indexing, `(y >> 1) * w2 + (x >> 1)`, never materialised at 10 m: that
 * would cost a full-size float array per scene for no information.
 */
export function mndwiInto(
  green: Float32Array,
  w: number,
  h: number,
  swir16: Float32Array,
  w2: number,
  out: Float32Array,
): Float32Array {
  const n = w * h;
  checkLength('green', green, n);
  checkLength('out', out, n);
  if (w2 < (w + 1) >> 1) throw new RangeError(`swir16 row length ${w2} is too short for width ${w}`);
  checkLength('swir16', swir16, ((h + 1) >> 1) * w2);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const row2 = (y >> 1) * w2;
    for (let x = 0; x < w; x++) {
      out[row + x] = normalizedDifference(green[row + x]!, swir16[row2 + (x >> 1)]!);
    }
  }
  return out;
}
