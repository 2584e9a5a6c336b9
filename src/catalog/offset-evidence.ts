/**
 * The pixel evidence `decideOffset` needs: the 1st percentile of valid DNs over clear pixels, by a
 * histogram (one pass, no sort, no copy of the band). Pure. It belongs with the raster kernels once
 * src/raster has a home for it; it sits here beside its only consumer meanwhile.
 */
import type { OffsetEvidence } from './offset-decision.js';
import { at, u32At } from '../types/checked.js';

/**
 * @param dn     band DNs (Uint16 for L2A reflectance bands)
 * @param clear  optional per-pixel predicate, e.g. SCL in {4, 5, 6}; pixels failing it are ignored
 * @param nodata DN that marks no data (0 for Sentinel-2 L2A)
 * @param p      percentile as a fraction; 0.01 by default
 */
export function darkDnEvidence(
  dn: ArrayLike<number>,
  clear?: (index: number) => boolean,
  nodata = 0,
  p = 0.01,
): OffsetEvidence {
  const hist = new Uint32Array(65536);
  let n = 0;
  for (let i = 0; i < dn.length; i++) {
    const v = at(dn, i);
    if (v === nodata || !(v >= 0 && v <= 65535)) continue; // also drops NaN
    if (clear && !clear(i)) continue;
    const bin = Math.round(v);
    hist[bin] = u32At(hist, bin) + 1;
    n++;
  }
  if (n === 0) return { darkDnP01: NaN, validPixels: 0 };
  // Nearest rank below: the value at sorted position floor(p * (n - 1)).
  const rank = Math.floor(p * (n - 1));
  let seen = 0;
  for (let v = 0; v < hist.length; v++) {
    seen += u32At(hist, v);
    if (seen > rank) return { darkDnP01: v, validPixels: n };
  }
  return { darkDnP01: NaN, validPixels: n }; // unreachable: seen reaches n > rank
}
