/**
 * Sentinel-2 L2A scene classification (SCL, 20 m) to a 10 m "clear observation" mask.
 *
 * Classes: 0 no data, 1 saturated/defective, 2 dark area, 3 cloud shadow, 4 vegetation,
 * 5 not vegetated, 6 water, 7 unclassified, 8 cloud medium prob., 9 cloud high prob.,
 * 10 thin cirrus, 11 snow/ice. Values 12..255 are not defined and count as no data.
 * A 256-entry lookup table turns a class into a verdict with one indexed load per pixel, and the
 * 20 m plane is upsampled 2x by indexing `(y >> 1) * w2 + (x >> 1)`, never materialised.
 */

export const SclClass = {
  NoData: 0,
  Defective: 1,
  DarkArea: 2,
  CloudShadow: 3,
  Vegetation: 4,
  NotVegetated: 5,
  Water: 6,
  Unclassified: 7,
  CloudMedium: 8,
  CloudHigh: 9,
  ThinCirrus: 10,
  SnowIce: 11,
} as const;

/** Why a pixel is (not) usable. Obscured pixels are real ground hidden this date; nodata never was. */
export const PixelStatus = { Clear: 0, Obscured: 1, NoData: 2 } as const;
export type PixelStatus = (typeof PixelStatus)[keyof typeof PixelStatus];

export interface SclOptions {
  /**
   * Treat snow/ice (11) as obscured rather than clear. Default false: Sen2Cor sometimes calls
   * bright bare soil "snow", and bright bare soil is exactly what a fresh mine clearing is;
   * the mining belt sits well below the snow line.
   */
  snowObscures?: boolean;
}

/** 256-entry table: SCL class -> PixelStatus. */
export function makeSclStatusLut(opts: SclOptions = {}): Uint8Array {
  const lut = new Uint8Array(256).fill(PixelStatus.NoData);
  for (const c of [2, 4, 5, 6, 7, 11]) lut[c] = PixelStatus.Clear;
  for (const c of [3, 8, 9, 10]) lut[c] = PixelStatus.Obscured;
  if (opts.snowObscures ?? false) lut[SclClass.SnowIce] = PixelStatus.Obscured;
  return lut;
}

/** 256-entry table: SCL class -> 1 clear, 0 not clear. */
export function makeSclClearLut(opts: SclOptions = {}): Uint8Array {
  const status = makeSclStatusLut(opts);
  return status.map((s) => (s === PixelStatus.Clear ? 1 : 0));
}

export const SCL_CLEAR_LUT: Uint8Array = makeSclClearLut();
export const SCL_STATUS_LUT: Uint8Array = makeSclStatusLut();

function checkShapes(scl20: Uint8Array, w2: number, h2: number, w: number, h: number, out: Uint8Array): void {
  if (w2 < (w + 1) >> 1 || h2 < (h + 1) >> 1) {
    throw new RangeError(`SCL grid ${w2}x${h2} does not cover a ${w}x${h} 10 m grid`);
  }
  if (scl20.length < w2 * h2) throw new RangeError(`SCL has ${scl20.length} values, expected ${w2 * h2}`);
  if (out.length < w * h) throw new RangeError(`out has ${out.length} values, expected ${w * h}`);
}

/**
 * Writes 1 (clear) / 0 into `out` (w x h, 10 m) from `scl20` (w2 x h2, 20 m) through `lut`
 * (default SCL_CLEAR_LUT). Returns the number of clear pixels.
 */
export function clearMask10m(
  scl20: Uint8Array,
  w2: number,
  h2: number,
  w: number,
  h: number,
  out: Uint8Array,
  lut: Uint8Array = SCL_CLEAR_LUT,
): number {
  checkShapes(scl20, w2, h2, w, h, out);
  let clear = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const row2 = (y >> 1) * w2;
    for (let x = 0; x < w; x++) {
      const v = lut[scl20[row2 + (x >> 1)]!]!;
      out[row + x] = v;
      clear += v;
    }
  }
  return clear;
}

export interface StatusCounts {
  clear: number;
  obscured: number;
  nodata: number;
}

/**
 * Like clearMask10m but writes the PixelStatus (0 clear, 1 obscured, 2 nodata) so callers can
 * report how much ground clouds hid; returns the counts at 10 m.
 */
export function pixelStatus10m(
  scl20: Uint8Array,
  w2: number,
  h2: number,
  w: number,
  h: number,
  out: Uint8Array,
  lut: Uint8Array = SCL_STATUS_LUT,
): StatusCounts {
  checkShapes(scl20, w2, h2, w, h, out);
  const counts = new Float64Array(256); // indexed by status, so a custom LUT cannot write out of range
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const row2 = (y >> 1) * w2;
    for (let x = 0; x < w; x++) {
      const s = lut[scl20[row2 + (x >> 1)]!]!;
      out[row + x] = s;
      counts[s] = counts[s]! + 1;
    }
  }
  return { clear: counts[0]!, obscured: counts[1]!, nodata: counts[2]! };
}
