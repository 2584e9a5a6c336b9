/**
 * What one look says about one pixel: no data, hidden (cloud, shadow), clear, or cloud that the
 * spectrum says is bright water (restored); and whether a look needs its blue band for that test.
 */
import { SCL_STATUS_LUT, PixelStatus } from '../raster/scl-mask.js';
import { L2A_SCALE } from '../raster/radiometry.js';
import type { Observation } from './block-input.js';

/**
 * SCL says cloud but the spectrum says water: thick cloud is bright in NIR (0.3-0.9), a bright
 * turquoise pond is dark in NIR and bluer than it is red. Only 10 m bands are used: a 10 m pond
 * is a quarter of a 20 m SWIR pixel, whose value its surroundings dominate.
 */
function isMisflaggedWater(blue: number, red: number, nir: number): boolean {
  return nir < 0.15 && blue > 0.06 && blue >= red - 0.01;
}

/**
 * Whether any pixel of a look could pass isMisflaggedWater: SCL cloud (8, 9) over red and NIR
 * with data and NIR below 0.15. Thick cloud is bright in NIR, so most looks have none, and a
 * before-season look then needs no blue at all (one 10 m band less to inflate per block).
 */
export function needsBlueToRestore(
  o: Pick<Observation, 'red' | 'nir' | 'scl' | 'offsetDn'>,
  w: number,
  h: number,
): boolean {
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const { red, nir, scl } = o;
  const off = o.offsetDn;
  // By 20 m pixel: most are not cloud, and only a cloud pixel's four 10 m pixels need a look.
  for (let y2 = 0; y2 < h2; y2++) {
    for (let x2 = 0, q = y2 * w2; x2 < w2; x2++, q++) {
      const c = scl[q] as number;
      if (c !== 8 && c !== 9) continue;
      for (let y = 2 * y2; y < Math.min(h, 2 * y2 + 2); y++) {
        for (let x = 2 * x2, i = y * w + x; x < Math.min(w, 2 * x2 + 2); x++, i++) {
          const dnN = nir[i] as number;
          if (dnN !== 0 && (red[i] as number) !== 0 && (dnN + off) * L2A_SCALE < 0.15) return true;
        }
      }
    }
  }
  return false;
}

/**
 * What one look says about pixel i (20 m index q): 0 nodata (any band 0 or SCL nodata), 1 valid
 * but not usable (cloud, shadow), 2 clear, 3 cloud that the spectrum says is bright water.
 */
export const LOOK_NODATA = 0;
export const LOOK_HIDDEN = 1;
export const LOOK_CLEAR = 2;
export const LOOK_RESTORED = 3;

export function lookStatus(o: Observation, i: number, q: number, visible: boolean): number {
  const dnR = o.red[i] as number;
  const dnN = o.nir[i] as number;
  // No blue (a before look without cloud dark enough to be water): never restored.
  const dnB = o.blue === undefined ? 0 : (o.blue[i] as number);
  if (dnR === 0 || dnN === 0 || o.swir16[q] === 0) return LOOK_NODATA;
  if (visible && (dnB === 0 || (o.green as Uint16Array)[i] === 0)) return LOOK_NODATA;
  const scl = o.scl[q] as number;
  const status = SCL_STATUS_LUT[scl] as number;
  if (status === PixelStatus.NoData) return LOOK_NODATA;
  if (status === PixelStatus.Clear) return LOOK_CLEAR;
  const off = o.offsetDn;
  if (
    (scl === 8 || scl === 9) &&
    isMisflaggedWater((dnB + off) * L2A_SCALE, (dnR + off) * L2A_SCALE, (dnN + off) * L2A_SCALE)
  )
    return LOOK_RESTORED;
  return LOOK_HIDDEN;
}
