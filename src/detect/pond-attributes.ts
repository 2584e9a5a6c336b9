/** The SWIR attributes of a block's pond pixels: their 20 m cell unmixed, and old water nearby. */
import { POND_NEAR_OLD_WATER } from './compact-block.js';
import type { BlockInput } from './block-input.js';
import type { DetectParams } from './params.js';
import { f32At, u8At } from '../types/checked.js';
import {
  cellMaterial,
  encodeImplied,
  encodeShare,
  swirComposite,
  SWIR_UNKNOWN,
  type CellMaterial,
} from './pond-swir.js';

export type PondSwirBytes = [number, number, number, number, number];
export const NO_POND_SWIR: PondSwirBytes = [0, SWIR_UNKNOWN, SWIR_UNKNOWN, SWIR_UNKNOWN, 0];

/**
 * The SWIR attributes of every pond pixel (pondF > 0): its 20 m cell unmixed (pond-swir.ts),
 * once per cell, and whether last season's water lies within 2 pixels (a river that moved, a
 * lake shore). Computed after the pond test, in JavaScript for both the plain and the compiled
 * path: pond pixels are a few hundred a block, and the B11/B12 composite is only built when a
 * block has any.
 */
export function pondSwirOf(
  input: BlockInput,
  before: { nir: Float32Array },
  after: { green?: Float32Array | undefined; red: Float32Array; nir: Float32Array },
  pondF: Uint8Array,
  p: DetectParams,
): Map<number, PondSwirBytes> {
  const { width: w, height: h } = input;
  const out = new Map<number, PondSwirBytes>();
  let any = false;
  for (let i = 0; i < pondF.length; i++)
    if (u8At(pondF, i) !== 0) {
      any = true;
      break;
    }
  if (!any) return out;
  const sw = swirComposite(input.after, w, h);
  const ten = { green: after.green as Float32Array, red: after.red, nir: after.nir };
  const cells = new Map<number, CellMaterial>();
  const r2 = Math.ceil(p.backgroundRadius / 2);
  for (let i = 0; i < pondF.length; i++) {
    if (u8At(pondF, i) === 0) continue;
    const x = i % w;
    const y = (i - x) / w;
    const q = (y >> 1) * sw.w2 + (x >> 1);
    let c = cells.get(q);
    if (!c) cells.set(q, (c = cellMaterial(ten, sw, w, h, x >> 1, y >> 1, r2, p.waterNir, p.landNirMin)));
    let ctx = 0;
    for (let yy = Math.max(0, y - 2); yy <= Math.min(h - 1, y + 2) && ctx === 0; yy++)
      for (let xx = Math.max(0, x - 2); xx <= Math.min(w - 1, x + 2); xx++)
        if (f32At(before.nir, yy * w + xx) < OLD_WATER_NIR) {
          ctx |= POND_NEAR_OLD_WATER;
          break;
        }
    out.set(i, [
      encodeShare(c.f20),
      encodeImplied(c.green),
      encodeImplied(c.swir16),
      encodeImplied(c.swir22),
      ctx,
    ]);
  }
  return out;
}

/** Open water before: NIR below 0.08 (land, even shaded forest, stays above ~0.1). */
const OLD_WATER_NIR = 0.08;
