/** A season's looks to one composite per band: the one-look kernel, or the per-pixel median. */
import { L2A_SCALE } from '../raster/radiometry.js';
import type { Observation, SeasonComposite } from './block-input.js';
import type { EvidenceScratch } from './evidence-scratch.js';
import { LOOK_HIDDEN, LOOK_NODATA, LOOK_RESTORED, lookStatus } from './look-status.js';

/** Largest season accepted: the per-pixel look counts are Uint8. */
const MAX_LOOKS = 255;

/**
 * Composites a season straight from the DNs, one pass over the pixels and no per-date float
 * planes. Every value is the one the per-date planes held: (dn + offset) * 1e-4 in double,
 * rounded to float32 when stored, and an even count's median is the float32 of the mean of the
 * two middle float32 values (medianComposite's rule), so the result is bit for bit the same.
 * 20 m SWIR and SCL are read by index ((y >> 1) * w2 + (x >> 1)), never upsampled.
 */
export function compositeSeason(
  obs: readonly Observation[],
  w: number,
  h: number,
  visible: boolean,
  scratch: EvidenceScratch,
  tag: string,
): SeasonComposite {
  if (obs.length > MAX_LOOKS) throw new RangeError(`season of ${obs.length} looks exceeds ${MAX_LOOKS}`);
  if (visible && obs.some((o) => o.blue === undefined || o.green === undefined))
    throw new RangeError(`${tag} season: every look needs its blue and green bands`);
  const n = w * h;
  const s: SeasonComposite = {
    blue: visible ? scratch.f32(`${tag}.blue`, n) : undefined,
    green: visible ? scratch.f32(`${tag}.green`, n) : undefined,
    red: scratch.f32(`${tag}.red`, n),
    nir: scratch.f32(`${tag}.nir`, n),
    clear: scratch.u8(`${tag}.clear`, n),
    valid: scratch.u8(`${tag}.valid`, n),
    restored: scratch.u8(`${tag}.restored`, n),
    firstClear: scratch.u8(`${tag}.firstClear`, n),
  };
  const kernels = scratch.kernels();
  const [only] = obs;
  if (obs.length === 1 && only !== undefined && kernels) kernels.compositeOneLook(only, w, h, s);
  else compositeMedian(obs, w, h, s);
  return s;
}

/** Inserts v into the ascending run a[0..m), as medianComposite does. */
function insertSorted(a: Float32Array, m: number, v: number): void {
  let j = m - 1;
  while (j >= 0 && (a[j] as number) > v) {
    a[j + 1] = a[j] as number;
    j--;
  }
  a[j + 1] = v;
}

/** Median of the ascending a[0..m): NaN for none, the mean of the middle two for an even count. */
function medianOf(a: Float32Array, m: number): number {
  if (m === 0) return NaN;
  if (m & 1) return a[m >> 1] as number;
  return ((a[(m >> 1) - 1] as number) + (a[m >> 1] as number)) / 2;
}

/** Several looks: per pixel, gather the usable looks' values in small sorted buffers. */
function compositeMedian(obs: readonly Observation[], w: number, h: number, s: SeasonComposite): void {
  const w2 = (w + 1) >> 1;
  const L = obs.length;
  const sb = new Float32Array(L);
  const sg = new Float32Array(L);
  const sr = new Float32Array(L);
  const sn = new Float32Array(L);
  const { blue, green, red, nir, clear, valid, restored, firstClear } = s;
  const visible = blue !== undefined && green !== undefined;
  for (let y = 0; y < h; y++) {
    const row2 = (y >> 1) * w2;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const q = row2 + (x >> 1);
      let m = 0;
      let nValid = 0;
      let nRestored = 0;
      let first = 255;
      for (let k = 0; k < L; k++) {
        const o = obs[k] as Observation;
        const st = lookStatus(o, i, q, visible);
        if (st === LOOK_NODATA) continue;
        nValid++;
        if (st === LOOK_HIDDEN) continue;
        if (st === LOOK_RESTORED) nRestored++;
        if (first === 255) first = k;
        const off = o.offsetDn;
        insertSorted(sr, m, Math.fround(((o.red[i] as number) + off) * L2A_SCALE));
        insertSorted(sn, m, Math.fround(((o.nir[i] as number) + off) * L2A_SCALE));
        if (blue && green) {
          insertSorted(sb, m, Math.fround((((o.blue as Uint16Array)[i] as number) + off) * L2A_SCALE));
          insertSorted(sg, m, Math.fround((((o.green as Uint16Array)[i] as number) + off) * L2A_SCALE));
        }
        m++;
      }
      clear[i] = m;
      valid[i] = nValid;
      restored[i] = nRestored;
      firstClear[i] = first;
      red[i] = medianOf(sr, m);
      nir[i] = medianOf(sn, m);
      if (blue && green) {
        blue[i] = medianOf(sb, m);
        green[i] = medianOf(sg, m);
      }
    }
  }
}
