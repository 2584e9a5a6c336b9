/**
 * What a pond is made of, seen in the short-wave infrared. Pure compute.
 *
 * Why: char, ash, slash shadow and black plastic are all dark in the visible and NIR, so the
 * visible/NIR pond test (block-evidence.ts) cannot tell them apart. Liquid water can: its
 * absorption coefficient is ~6 /cm at 1.6 um (B11) and ~20 /cm at 2.2 um (B12), so a few mm of
 * water, or a plastic liner under leachate, reflects ~0-0.03 there. Char and burnt soil stay at
 * ~0.05-0.15 in SWIR (brighter than in the visible: charcoal reflectance rises with wavelength),
 * ash and soil higher still. Shadow scales the ground's whole spectrum down, so its SWIR stays
 * above its green as the sunlit ground's does; only water has SWIR below its visible (MNDWI > 0,
 * Xu 2006). Both tests are on the pond material's own spectrum, not on the mixed pixel.
 *
 * The SWIR bands are 20 m, and a pond of 10-40 m fills part of a 20 m pixel. Per 20 m cell the
 * pond's share f20 comes from NIR, as for the 10 m fraction (a pixel mixing ground bg and
 * material m has NIR = (1 - f) bg + f m, m ~ waterNir), and each band X of the material follows
 * from the same two-endmember mix: m_X = bg_X - (bg_X - x) / f20. A cell carries (f20, m_green,
 * m_B11, m_B12); a pond pools its cells weighted by f20, which is the least-squares estimate of
 * the material over all of them (small f20 cells, whose implied values are noisy, weigh little).
 */
import { SCL_STATUS_LUT, PixelStatus } from '../raster/scl-mask.js';
import { L2A_SCALE } from '../raster/radiometry.js';
import { f32At, f64At, u16At, u8At } from '../types/checked.js';

/** Byte of an implied reflectance not known (no clear SWIR look, or too little pond in the cell). */
export const SWIR_UNKNOWN = 255;
const ENC_MIN = -0.3;
const ENC_STEP = 0.003;

/** Implied reflectance -0.3..0.459 to a byte 0..253 (unmixing overshoots both ways; keep the sign). */
export function encodeImplied(v: number): number {
  if (!(v === v)) return SWIR_UNKNOWN;
  const b = Math.round((v - ENC_MIN) / ENC_STEP);
  return b < 0 ? 0 : b > 253 ? 253 : b;
}

export function decodeImplied(b: number): number {
  return b === SWIR_UNKNOWN ? NaN : ENC_MIN + b * ENC_STEP;
}

/** A cell's pond share f20 (0..1) as a byte 1..255; 0: not known. */
export const encodeShare = (f: number): number => (f === f && f > 0 ? Math.max(1, Math.round(f * 255)) : 0);
export const decodeShare = (b: number): number => b / 255;

/** After-season 20 m composites of B11 and, where every look that saw a cell had it, B12. */
export interface SwirComposite {
  w2: number;
  h2: number;
  swir16: Float32Array;
  /** Undefined when no after look carries B12 (the item had no `swir22` asset). */
  swir22: Float32Array | undefined;
}

interface SwirLook {
  swir16: Uint16Array;
  swir22?: Uint16Array | undefined;
  scl: Uint8Array;
  offsetDn: number;
}

/**
 * Median of a[0..m), NaN for none; sorts a[0..m) in place. m is the number of after looks (a
 * handful), so an insertion sort in place beats copying to an array and calling sort: this runs
 * once per 20 m cell and was a third of a worker's time when it allocated.
 */
function median(a: Float64Array, m: number): number {
  if (m === 0) return NaN;
  for (let i = 1; i < m; i++) {
    const v = f64At(a, i);
    let j = i - 1;
    for (; j >= 0; j--) {
      const aj = f64At(a, j);
      if (!(aj > v)) break;
      a[j + 1] = aj;
    }
    a[j + 1] = v;
  }
  return m & 1 ? f64At(a, m >> 1) : (f64At(a, (m >> 1) - 1) + f64At(a, m >> 1)) / 2;
}

/**
 * Per 20 m cell, the median over the looks whose SCL calls the cell clear. B12 is composited from
 * the looks that have it; a look without it (an item with no `swir22`) does not count there.
 */
export function swirComposite(looks: readonly SwirLook[], w: number, h: number): SwirComposite {
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const n2 = w2 * h2;
  const s1 = new Float32Array(n2);
  const anyB12 = looks.some((o) => o.swir22 !== undefined);
  const s2 = anyB12 ? new Float32Array(n2) : undefined;
  const b1 = new Float64Array(looks.length);
  const b2 = new Float64Array(looks.length);
  for (let q = 0; q < n2; q++) {
    let m1 = 0;
    let m2 = 0;
    for (const o of looks) {
      const dn = u16At(o.swir16, q);
      if (dn === 0 || u8At(SCL_STATUS_LUT, u8At(o.scl, q)) !== PixelStatus.Clear) continue;
      b1[m1++] = (dn + o.offsetDn) * L2A_SCALE;
      const d2 = o.swir22?.[q] ?? 0;
      if (d2 !== 0) b2[m2++] = (d2 + o.offsetDn) * L2A_SCALE;
    }
    s1[q] = median(b1, m1);
    if (s2) s2[q] = median(b2, m2);
  }
  return { w2, h2, swir16: s1, swir22: s2 };
}

/** The after-season 10 m composites a cell's green, red and NIR come from. */
export interface TenMetre {
  green: Float32Array;
  red: Float32Array;
  nir: Float32Array;
}

export interface CellMaterial {
  /** The pond's share of the cell, 0..1 (from NIR). */
  f20: number;
  green: number;
  swir16: number;
  swir22: number;
}

/**
 * Cells of the local background: bare land, as for the 10 m pond test (every 10 m pixel of the
 * cell NIR >= landNir: not water, and no part of the cell a pond or a char patch, whose material
 * would pull the background towards the thing being unmixed; NDVI <= 0.6: not the forest at the
 * clearing's edge, whose SWIR/NIR would skew the mix).
 */
const BARE_NDVI_MAX = 0.6;

/**
 * Unmixes one 20 m cell against the mean of the land cells around it (a ring of radius 2..r2
 * cells). NaN
 * members where the cell or its background has no clear SWIR, or the cell holds under 5 % pond.
 */
export function cellMaterial(
  ten: TenMetre,
  sw: SwirComposite,
  w: number,
  h: number,
  x2: number,
  y2: number,
  r2: number,
  waterNir: number,
  landNir: number,
): CellMaterial {
  const at = (cx: number, cy: number): [number, number, number, number] => {
    // Mean NIR, green and red of the cell's 10 m pixels (NaN ones left out), and their least NIR.
    let n = 0;
    let g = 0;
    let r = 0;
    let k = 0;
    let least = Infinity;
    for (let y = 2 * cy; y < Math.min(h, 2 * cy + 2); y++)
      for (let x = 2 * cx; x < Math.min(w, 2 * cx + 2); x++) {
        const nv = f32At(ten.nir, y * w + x);
        const gv = f32At(ten.green, y * w + x);
        const rv = f32At(ten.red, y * w + x);
        if (!(nv === nv) || !(gv === gv) || !(rv === rv)) continue;
        n += nv;
        g += gv;
        r += rv;
        k++;
        if (nv < least) least = nv;
      }
    return k > 0 ? [n / k, g / k, r / k, least] : [NaN, NaN, NaN, NaN];
  };
  const none: CellMaterial = { f20: NaN, green: NaN, swir16: NaN, swir22: NaN };
  const q = y2 * sw.w2 + x2;
  const [nir, green] = at(x2, y2);
  const s1 = f32At(sw.swir16, q);
  if (!(nir === nir) || !(s1 === s1)) return none;
  const s2 = sw.swir22 ? f32At(sw.swir22, q) : NaN;
  let bn = 0;
  let bg = 0;
  let b1 = 0;
  let b2 = 0;
  let k = 0;
  let k2 = 0;
  for (let cy = Math.max(0, y2 - r2); cy <= Math.min(sw.h2 - 1, y2 + r2); cy++)
    for (let cx = Math.max(0, x2 - r2); cx <= Math.min(sw.w2 - 1, x2 + r2); cx++) {
      // Not the cell nor its neighbours: they may hold the same pond and pull the background to it.
      if (Math.abs(cx - x2) <= 1 && Math.abs(cy - y2) <= 1) continue;
      const [cn, cg, cr, least] = at(cx, cy);
      const c1 = f32At(sw.swir16, cy * sw.w2 + cx);
      if (!(least >= landNir) || !(c1 === c1) || (cn - cr) / (cn + cr) > BARE_NDVI_MAX) continue;
      bn += cn;
      bg += cg;
      b1 += c1;
      k++;
      const c2 = sw.swir22 ? f32At(sw.swir22, cy * sw.w2 + cx) : NaN;
      if (c2 === c2) {
        b2 += c2;
        k2++;
      }
    }
  if (k < 4) return none;
  bn /= k;
  bg /= k;
  b1 /= k;
  const f20 = Math.min(1, (bn - nir) / Math.max(0.05, bn - waterNir));
  if (!(f20 >= 0.05)) return none;
  const implied = (bgX: number, x: number): number => bgX - (bgX - x) / f20;
  return {
    f20,
    green: implied(bg, green),
    swir16: implied(b1, s1),
    swir22: k2 >= 4 && s2 === s2 ? implied(b2 / k2, s2) : NaN,
  };
}

/** A pond's material, pooled over its cells. `weight` is the sum of f20: pond area in 20 m cells. */
export interface PondMaterial {
  weight: number;
  green: number;
  swir16: number;
  /** NaN without B12. */
  swir22: number;
}

/** Pools cells weighted by f20 (each cell once; cells without a value for a band are left out of it). */
export function poolCells(cells: readonly CellMaterial[]): PondMaterial {
  let w = 0;
  let g = 0;
  let s1 = 0;
  let w2 = 0;
  let s2 = 0;
  for (const c of cells) {
    if (!(c.f20 > 0) || !(c.swir16 === c.swir16) || !(c.green === c.green)) continue;
    w += c.f20;
    g += c.f20 * c.green;
    s1 += c.f20 * c.swir16;
    if (c.swir22 === c.swir22) {
      w2 += c.f20;
      s2 += c.f20 * c.swir22;
    }
  }
  return {
    weight: w,
    green: w > 0 ? g / w : NaN,
    swir16: w > 0 ? s1 / w : NaN,
    swir22: w2 > 0 ? s2 / w2 : NaN,
  };
}

export type SwirVerdict = 'water' | 'flat-dark' | 'not-water' | 'unknown';

/**
 * Thresholds from the physics above, with room for the unmixing noise of a pond that fills only
 * part of its cells (ground texture of ~0.02 in SWIR, divided by f20):
 *  - water: SWIR of the material at most 0.035 in B11 (and B12 when read), and at most 0.6 of
 *    its green (MNDWI of the material above 0.25): only liquid water goes dark past 1.4 um;
 *  - not water: SWIR at least 0.09 (ash, soil, slash), or more than 0.025 above green, or at
 *    least 1.4 x green (and 0.03): charcoal and burnt soil brighten with wavelength (SWIR
 *    1.5-3 x green);
 *  - flat-dark: as dark in SWIR as in the visible, under 0.08 and 1.4 x green. A dry black
 *    polyethylene sheet (a grey absorber, ~0.05 throughout) is this, but so is deep shadow:
 *    skylight is blue-rich (~35 % of the irradiance in the visible, ~15 % at 1.6 um), which
 *    flattens the shaded ground's SWIR/green from 2-3 to ~1. So flat-dark says "not char, not
 *    water": it corroborates nothing (confidence.ts);
 *  - unknown when the pond covers less than a fifth of a 20 m cell in all.
 */
export const SWIR_RULES = {
  minWeight: 0.2,
  waterSwirMax: 0.035,
  waterSwirToGreenMax: 0.6,
  flatSwirMax: 0.08,
  notWaterSwirMin: 0.09,
  notWaterAboveGreen: 0.025,
  notWaterSwirToGreen: 1.4,
  notWaterRatioFloor: 0.03,
} as const;

export function swirVerdict(m: PondMaterial): SwirVerdict {
  const r = SWIR_RULES;
  if (!(m.weight >= r.minWeight) || !(m.swir16 === m.swir16) || !(m.green === m.green)) return 'unknown';
  const s2 = m.swir22;
  // B12 where read: water is darker still there; burnt ground is not.
  const swir = s2 === s2 ? Math.max(m.swir16, s2) : m.swir16;
  const g = m.green;
  if (
    swir >= r.notWaterSwirMin ||
    swir - g >= r.notWaterAboveGreen ||
    (swir >= r.notWaterRatioFloor && swir >= r.notWaterSwirToGreen * g)
  )
    return 'not-water';
  if (swir <= r.waterSwirMax && swir <= r.waterSwirToGreenMax * g) return 'water';
  if (swir < r.flatSwirMax) return 'flat-dark';
  return 'unknown';
}
