/**
 * The straightforward blockEvidence as it was before the fused kernel (commit 48939c0): one
 * Float32 plane per date and band, NaN for masked looks, medianComposite, then NDVI and ponds
 * over the composites. Kept only as the reference the fused kernel must match bit for bit.
 */
import { medianComposite } from '../reference/composite.js';
import { SCL_STATUS_LUT, PixelStatus } from '../../src/raster/scl-mask.js';
import type { DetectParams } from '../../src/detect/params.js';
import type { BlockEvidence } from '../../src/detect/block-evidence.js';
import type { BlockInput, Observation } from '../../src/detect/block-input.js';
import { NO_POND_SWIR, pondSwirOf } from '../../src/detect/pond-attributes.js';
import { PondKind } from '../../src/detect/pond-unmixing.js';

const SCALE = 1 / 10000;

/**
 * SCL says cloud but the spectrum says water: thick cloud is bright in NIR (0.3-0.9), a bright
 * turquoise pond is dark in NIR and bluer than it is red. Only 10 m bands are used: a 10 m pond
 * is a quarter of a 20 m SWIR pixel, whose value its surroundings dominate.
 */
function isMisflaggedWater(blue: number, red: number, nir: number): boolean {
  return nir < 0.15 && blue > 0.06 && blue >= red - 0.01;
}

interface SeasonComposite {
  bands: Float32Array[]; // blue, green, red, nir (10 m); SWIR serves only the nodata test
  clear: Uint8Array;
  valid: Uint8Array;
  restored: Uint8Array;
  firstClear: Uint8Array;
}

/**
 * `visible`: the after season, whose looks need blue and green. A before look is judged valid on
 * red, NIR, SWIR and SCL alone; its blue (when given) serves only the misflagged-water test.
 */
function compositeSeason(
  obs: readonly Observation[],
  w: number,
  h: number,
  visible: boolean,
): SeasonComposite {
  const n = w * h;
  const w2 = (w + 1) >> 1;
  const stacks: Float32Array[][] = [[], [], [], []];
  const valid = new Uint8Array(n);
  const restored = new Uint8Array(n);
  const firstClear = new Uint8Array(n).fill(255);
  obs.forEach((o, k) => {
    const layers = [0, 1, 2, 3].map(() => new Float32Array(n).fill(NaN));
    for (let y = 0; y < h; y++) {
      const row2 = (y >> 1) * w2;
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const q = row2 + (x >> 1);
        const dnR = o.red[i] as number;
        const dnN = o.nir[i] as number;
        const dnS = o.swir16[q] as number;
        const dnB = o.blue?.[i] ?? 0;
        const dnG = o.green?.[i] ?? 0;
        if (dnR === 0 || dnN === 0 || dnS === 0) continue;
        if (visible && (dnB === 0 || dnG === 0)) continue;
        const status = SCL_STATUS_LUT[o.scl[q] as number] as number;
        if (status === PixelStatus.NoData) continue;
        valid[i] = (valid[i] as number) + 1;
        const blue = (dnB + o.offsetDn) * SCALE;
        const red = (dnR + o.offsetDn) * SCALE;
        const nir = (dnN + o.offsetDn) * SCALE;
        if (status !== PixelStatus.Clear) {
          const scl = o.scl[q] as number;
          if ((scl === 8 || scl === 9) && isMisflaggedWater(blue, red, nir))
            restored[i] = (restored[i] as number) + 1;
          else continue;
        }
        if (firstClear[i] === 255) firstClear[i] = k;
        (layers[0] as Float32Array)[i] = blue;
        (layers[1] as Float32Array)[i] = (dnG + o.offsetDn) * SCALE;
        (layers[2] as Float32Array)[i] = red;
        (layers[3] as Float32Array)[i] = nir;
      }
    }
    layers.forEach((l, b) => (stacks[b] as Float32Array[]).push(l));
  });
  const clear = new Uint8Array(n);
  if (obs.length === 1) {
    // One look: it is its own composite (no stack, no median, no copy).
    const bands = stacks.map((st) => st[0] as Float32Array);
    const nir = bands[3] as Float32Array;
    for (let i = 0; i < n; i++) clear[i] = nir[i] === nir[i] ? 1 : 0;
    return { bands, clear, valid, restored, firstClear };
  }
  const bands: Float32Array[] = [];
  for (let b = 0; b < 4; b++) {
    const out = new Float32Array(n);
    medianComposite(stacks[b] as Float32Array[], out, clear);
    bands.push(out);
  }
  return { bands, clear, valid, restored, firstClear };
}

const encodeNdvi = (v: number): number =>
  v === v ? Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5) : 0;

export function referenceBlockEvidence(input: BlockInput, p: DetectParams): BlockEvidence {
  const { width: w, height: h } = input;
  const n = w * h;
  const before = compositeSeason(input.before, w, h, false);
  const after = compositeSeason(input.after, w, h, true);
  const [, , rB, nB] = before.bands as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [bA, gA, rA, nA] = after.bands as [Float32Array, Float32Array, Float32Array, Float32Array];
  const clearing = new Uint8Array(n);
  const ndviBefore = new Uint8Array(n);
  const ndviAfter = new Uint8Array(n);
  const ndviB = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const vb = ((nB[i] as number) - (rB[i] as number)) / ((nB[i] as number) + (rB[i] as number));
    const va = ((nA[i] as number) - (rA[i] as number)) / ((nA[i] as number) + (rA[i] as number));
    ndviB[i] = vb;
    ndviBefore[i] = encodeNdvi(vb);
    ndviAfter[i] = encodeNdvi(va);
    if (vb >= p.forestNdviMin && va <= p.bareNdviMax && vb - va >= p.ndviDropMin) clearing[i] = 1;
  }
  const { pondF, pondKind } = ponds(w, h, [bA, gA, rA, nA], nB, ndviB, p);
  // The SWIR attributes of pond pixels are new since the fused kernel and shared by both paths.
  const swir = [0, 1, 2, 3, 4].map((k) => new Uint8Array(n).fill(NO_POND_SWIR[k] as number));
  for (const [i, bytes] of pondSwirOf(input, { nir: nB }, { green: gA, red: rA, nir: nA }, pondF, p))
    bytes.forEach((b, k) => ((swir[k] as Uint8Array)[i] = b));
  return {
    width: w,
    height: h,
    clearing,
    pondF,
    pondKind,
    ndviBefore,
    ndviAfter,
    clearBefore: before.clear,
    clearAfter: after.clear,
    validAfter: after.valid,
    restored: after.restored,
    firstClearAfter: after.firstClear,
    pondShare: swir[0] as Uint8Array,
    pondGreen: swir[1] as Uint8Array,
    pondSwir16: swir[2] as Uint8Array,
    pondSwir22: swir[3] as Uint8Array,
    pondContext: swir[4] as Uint8Array,
  };
}

/**
 * Sub-pixel pond fraction against the mean of nearby land (box filter over integral images of
 * the "land after" pixels: NIR >= landNirMin, i.e. not water), and the kind of water it implies.
 */
function ponds(
  w: number,
  h: number,
  after: [Float32Array, Float32Array, Float32Array, Float32Array],
  nirBefore: Float32Array,
  ndviBefore: Float32Array,
  p: DetectParams,
): { pondF: Uint8Array; pondKind: Uint8Array } {
  const n = w * h;
  const W = w + 1;
  // Integral images of NIR, red and the count over land pixels: enough for the tests almost
  // every pixel fails (darker than its surroundings, in bare surroundings). Blue and green box
  // means are summed directly for the few pixels left.
  const sumNir = new Float64Array(W * (h + 1));
  const sumRed = new Float64Array(W * (h + 1));
  const cnt = new Float64Array(W * (h + 1));
  const nirA = after[3];
  const redA = after[2];
  for (let y = 0; y < h; y++) {
    let rs = 0;
    let rr = 0;
    let rc = 0;
    const row = y * w;
    const o0 = (y + 1) * W + 1;
    for (let x = 0; x < w; x++) {
      const nir = nirA[row + x] as number;
      if (nir >= p.landNirMin) {
        rs += nir;
        rr += redA[row + x] as number;
        rc++;
      }
      const o = o0 + x;
      sumNir[o] = (sumNir[o - W] as number) + rs;
      sumRed[o] = (sumRed[o - W] as number) + rr;
      cnt[o] = (cnt[o - W] as number) + rc;
    }
  }
  const boxMean = (band: Float32Array, x0: number, x1: number, y0: number, y1: number): number => {
    let sum = 0;
    let k = 0;
    for (let yy = y0; yy < y1; yy++) {
      const row = yy * w;
      for (let xx = x0; xx < x1; xx++) {
        if (!((nirA[row + xx] as number) >= p.landNirMin)) continue;
        sum += band[row + xx] as number;
        k++;
      }
    }
    return sum / k;
  };
  const pondF = new Uint8Array(n);
  const pondKind = new Uint8Array(n);
  const r = p.backgroundRadius;
  const bg = [0, 0, 0, 0];
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const nir = after[3][i] as number;
      if (!(nir === nir)) continue;
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const a = y1 * W + x1;
      const b = y0 * W + x1;
      const c = y1 * W + x0;
      const d = y0 * W + x0;
      const count = cnt[a]! - cnt[b]! - cnt[c]! + cnt[d]!;
      if (count < 8) continue;
      // Cheapest tests first: most pixels are no darker in NIR than their surroundings.
      const bgNir = (sumNir[a]! - sumNir[b]! - sumNir[c]! + sumNir[d]!) / count;
      const deficit = bgNir - nir;
      if (deficit < p.minNirDeficit) continue;
      // New ponds are dug where there was vegetated land: not in last season's water (lakes,
      // rivers, old ponds) nor on bare sand bars a river can flood.
      const nb = nirBefore[i] as number;
      if (!(nb === nb) || nb < p.landNirMin || !((ndviBefore[i] as number) >= p.pondNdviBeforeMin)) continue;
      bg[2] = (sumRed[a]! - sumRed[b]! - sumRed[c]! + sumRed[d]!) / count;
      // Leach ponds are dug into cleared ground; under a vegetated background the visible
      // spectrum of darker canopy already looks like water, so only bare surroundings count.
      const bgNdvi = (bgNir - bg[2]) / (bgNir + bg[2]);
      if (bgNdvi > p.pondBackgroundNdviMax) continue;
      bg[0] = boxMean(after[0], x0, x1, y0, y1);
      bg[1] = boxMean(after[1], x0, x1, y0, y1);
      const f = Math.min(1, deficit / Math.max(0.05, bgNir - p.waterNir));
      if (f < p.pondFractionMin) continue;
      // The implied pure-water spectrum must look like water, not dark soil, char or shadow.
      const wb = ((after[0][i] as number) - (1 - f) * bg[0]) / f;
      const wg = ((after[1][i] as number) - (1 - f) * bg[1]) / f;
      const wr = ((after[2][i] as number) - (1 - f) * bg[2]) / f;
      if (wg < wr - 0.005 || wg < 0.015 || wb < -0.02) continue;
      let kind: number = PondKind.Turbid;
      // Turquoise: a light liner under leachate, bright in blue. Dark: black plastic sheet, flat
      // and dim across the visible. Anything else (clear dark water, green-brown water) is the
      // signature of fish and irrigation ponds, counted but weighed less.
      if (wb >= wr && wb >= 0.05) kind = PondKind.Turquoise;
      else if (wg < 0.08 && wb < 0.08 && Math.abs(wg - wr) <= 0.012 && Math.abs(wb - wr) <= 0.015)
        kind = PondKind.Dark;
      pondF[i] = Math.round(f * 255);
      pondKind[i] = kind;
    }
  }
  return { pondF, pondKind };
}
