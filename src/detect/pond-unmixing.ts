/**
 * Ponds by linear unmixing against the local background: a pixel that is a mix of ground (bg)
 * and water (w) has NIR = (1-f) bg_nir + f w_nir, so f follows from how far NIR falls below its
 * surroundings; the implied water spectrum w = (p - (1-f) bg) / f must then look like water
 * (green at least red, not dark soil or char) for the pixel to count. This finds 1-4 pixel ponds
 * that no per-pixel water index sees once they are mixed with red soil.
 */
import type { EvidenceScratch } from './evidence-scratch.js';
import type { DetectParams } from './params.js';
import { f32At, f64At, u8At } from '../types/checked.js';

/** The kind of water a pond pixel's implied spectrum says it is (flags >> 1). */
export const PondKind = { None: 0, Turquoise: 1, Dark: 2, Turbid: 3 } as const;

/**
 * Sub-pixel pond fraction against the mean of nearby land (box filter over integral images of
 * the "land after" pixels: NIR >= landNirMin, i.e. not water), and the kind of water it implies.
 */
export function ponds(
  w: number,
  h: number,
  after: [Float32Array, Float32Array, Float32Array, Float32Array],
  nirBefore: Float32Array,
  ndviBefore: Float32Array,
  p: DetectParams,
  scratch: EvidenceScratch,
  pondF: Uint8Array,
  flags: Uint8Array,
): void {
  const W = w + 1;
  // Integral images of NIR, red and the count over land pixels: enough for the tests almost
  // every pixel fails (darker than its surroundings, in bare surroundings). Blue and green box
  // means are summed directly for the few pixels left.
  // The box around image row y reads integral rows y0 and y1 only (y1 - y0 <= 2r + 1), so the
  // integral images are kept as a ring of 2r + 2 rows filled as y advances: the same sums in the
  // same order as whole images, in ~0.4 MB instead of 25 MB a block.
  const r = p.backgroundRadius;
  const R = Math.min(h + 1, 2 * r + 2);
  const sumNir = scratch.f64('sumNir', W * R);
  const sumRed = scratch.f64('sumRed', W * R);
  const cnt = scratch.f64('cnt', W * R);
  // Slot 0 starts as integral row 0 (all zero); column 0 of every slot is never written.
  sumNir.fill(0);
  sumRed.fill(0);
  cnt.fill(0);
  const nirA = after[3];
  const redA = after[2];
  const land = p.landNirMin;
  /** Integral row Y (1..h) from row Y - 1 and image row Y - 1. */
  const addRow = (Y: number): void => {
    let rs = 0;
    let rr = 0;
    let rc = 0;
    const row = (Y - 1) * w;
    const o0 = (Y % R) * W + 1;
    const p0 = ((Y - 1) % R) * W + 1;
    for (let x = 0; x < w; x++) {
      const nir = f32At(nirA, row + x);
      if (nir >= land) {
        rs += nir;
        rr += f32At(redA, row + x);
        rc++;
      }
      sumNir[o0 + x] = f64At(sumNir, p0 + x) + rs;
      sumRed[o0 + x] = f64At(sumRed, p0 + x) + rr;
      cnt[o0 + x] = f64At(cnt, p0 + x) + rc;
    }
  };
  let rowsDone = 0;
  const boxMean = (band: Float32Array, x0: number, x1: number, y0: number, y1: number): number => {
    let sum = 0;
    let k = 0;
    for (let yy = y0; yy < y1; yy++) {
      const row = yy * w;
      for (let xx = x0; xx < x1; xx++) {
        if (!(f32At(nirA, row + xx) >= land)) continue;
        sum += f32At(band, row + xx);
        k++;
      }
    }
    return sum / k;
  };
  const bg = [0, 0, 0, 0];
  // Locals, not after[k] / p.x: loads the loop would otherwise repeat for every pixel.
  const [blueA, greenA] = after;
  const { minNirDeficit, pondNdviBeforeMin, pondBackgroundNdviMax, waterNir, pondFractionMin } = p;
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    while (rowsDone < y1) addRow(++rowsDone);
    const ring1 = (y1 % R) * W;
    const ring0 = (y0 % R) * W;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const nir = f32At(nirA, i);
      if (!(nir === nir)) continue;
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const a = ring1 + x1;
      const b = ring0 + x1;
      const c = ring1 + x0;
      const d = ring0 + x0;
      const count = f64At(cnt, a) - f64At(cnt, b) - f64At(cnt, c) + f64At(cnt, d);
      if (count < 8) continue;
      // Cheapest tests first: most pixels are no darker in NIR than their surroundings.
      const bgNir = (f64At(sumNir, a) - f64At(sumNir, b) - f64At(sumNir, c) + f64At(sumNir, d)) / count;
      const deficit = bgNir - nir;
      if (deficit < minNirDeficit) continue;
      // New ponds are dug where there was vegetated land: not in last season's water (lakes,
      // rivers, old ponds) nor on bare sand bars a river can flood.
      const nb = f32At(nirBefore, i);
      if (!(nb === nb) || nb < land || !(f32At(ndviBefore, i) >= pondNdviBeforeMin)) continue;
      bg[2] = (f64At(sumRed, a) - f64At(sumRed, b) - f64At(sumRed, c) + f64At(sumRed, d)) / count;
      // Leach ponds are dug into cleared ground; under a vegetated background the visible
      // spectrum of darker canopy already looks like water, so only bare surroundings count.
      const bgNdvi = (bgNir - bg[2]) / (bgNir + bg[2]);
      if (bgNdvi > pondBackgroundNdviMax) continue;
      bg[0] = boxMean(blueA, x0, x1, y0, y1);
      bg[1] = boxMean(greenA, x0, x1, y0, y1);
      const f = Math.min(1, deficit / Math.max(0.05, bgNir - waterNir));
      if (f < pondFractionMin) continue;
      // The implied pure-water spectrum must look like water, not dark soil, char or shadow.
      const wb = (f32At(blueA, i) - (1 - f) * bg[0]) / f;
      const wg = (f32At(greenA, i) - (1 - f) * bg[1]) / f;
      const wr = (f32At(redA, i) - (1 - f) * bg[2]) / f;
      if (wg < wr - 0.005 || wg < 0.015 || wb < -0.02) continue;
      let kind: number = PondKind.Turbid;
      // Turquoise: a light liner under leachate, bright in blue. Dark: black plastic sheet, flat
      // and dim across the visible. Anything else (clear dark water, green-brown water) is the
      // signature of fish and irrigation ponds, counted but weighed less.
      if (wb >= wr && wb >= 0.05) kind = PondKind.Turquoise;
      else if (wg < 0.08 && wb < 0.08 && Math.abs(wg - wr) <= 0.012 && Math.abs(wb - wr) <= 0.015)
        kind = PondKind.Dark;
      pondF[i] = Math.round(f * 255);
      flags[i] = u8At(flags, i) | (kind << 1);
    }
  }
}
