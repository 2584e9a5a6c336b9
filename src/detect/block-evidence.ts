/**
 * Per-pixel evidence for one block of a tile, from every acquisition of the two seasons:
 * clear-sky composites, forest-to-bare change, and a sub-pixel pond fraction. Pure compute:
 * decoded DNs in, small Uint8 planes out (what the tile stage labels and vectorises).
 *
 * Ponds are found by linear unmixing against the local background: a pixel that is a mix of
 * ground (bg) and water (w) has NIR = (1-f) bg_nir + f w_nir, so f follows from how far NIR
 * falls below its surroundings; the implied water spectrum w = (p - (1-f) bg) / f must then
 * look like water (green at least red, not dark soil or char) for the pixel to count. This finds
 * 1-4 pixel ponds that no per-pixel water index sees once they are mixed with red soil.
 */
import { SCL_STATUS_LUT, PixelStatus } from '../raster/scl-mask.js';
import { L2A_SCALE } from '../raster/radiometry.js';
import type { DetectParams } from './params.js';
import { ATTR_FIELDS, POND_NEAR_OLD_WATER, type AttrField, type CompactBlock } from './compact-block.js';
import {
  cellMaterial,
  encodeImplied,
  encodeShare,
  swirComposite,
  SWIR_UNKNOWN,
  type CellMaterial,
} from './pond-swir.js';

export interface Observation {
  /**
   * 10 m DNs of the block (nodata 0). After-season looks need all four. A before-season look is
   * used for NDVI and the pond's "was land" test (red, NIR) and is judged valid on red, NIR, SWIR
   * and SCL; green is never read for it, and blue only serves the misflagged-water test, so the
   * worker decodes it only when needsBlueToRestore says a pixel could pass that test.
   */
  blue?: Uint16Array;
  green?: Uint16Array;
  red: Uint16Array;
  nir: Uint16Array;
  /** 20 m DNs and classes covering the block ((w+1)>>1 x (h+1)>>1). */
  swir16: Uint16Array;
  /** B12 at 20 m, like swir16, where the item has it (after-season looks only). */
  swir22?: Uint16Array | undefined;
  scl: Uint8Array;
  /** Added to DNs before scaling: -1000 from processing baseline 04.00 on, else 0. */
  offsetDn: number;
}

export interface BlockInput {
  width: number;
  height: number;
  before: Observation[];
  after: Observation[];
}

export const PondKind = { None: 0, Turquoise: 1, Dark: 2, Turbid: 3 } as const;

export interface BlockEvidence {
  width: number;
  height: number;
  /** 1 where forest before became bare after. */
  clearing: Uint8Array;
  /** Pond fraction 0..255 (0: not a new pond). */
  pondF: Uint8Array;
  /** PondKind per pond pixel. */
  pondKind: Uint8Array;
  /** NDVI of the composites, (ndvi + 1) * 127.5, 0 where no clear observation. */
  ndviBefore: Uint8Array;
  ndviAfter: Uint8Array;
  /** Clear observations per pixel in each season, and valid (not nodata) ones after. */
  clearBefore: Uint8Array;
  clearAfter: Uint8Array;
  validAfter: Uint8Array;
  /** After-season observations flagged cloud by SCL but restored as bright water. */
  restored: Uint8Array;
  /** Index (into BlockInput.after, sorted by date) of the first clear after observation; 255: none. */
  firstClearAfter: Uint8Array;
  /** Pond pixels' SWIR unmixing of their 20 m cell and context (evidence-plane.ts ATTR_FIELDS). */
  pondShare: Uint8Array;
  pondGreen: Uint8Array;
  pondSwir16: Uint8Array;
  pondSwir22: Uint8Array;
  pondContext: Uint8Array;
}

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
 * Reusable planes for blockEvidence. A pool worker keeps one and hands it to every block, so the
 * per-season composites and the pond integral images are allocated once per worker rather than
 * once per block (tens of MB a block, most of it zero-filled only to be overwritten).
 * Arrays are grown on demand and handed out as views of exactly n values.
 */
export class EvidenceScratch {
  private readonly f32s = new Map<string, Float32Array>();
  private readonly f64s = new Map<string, Float64Array>();
  private readonly u8s = new Map<string, Uint8Array>();

  /**
   * Called once per block before any plane is asked for, with an upper bound of the bytes the
   * block will ask for; a scratch in WebAssembly memory (wasm-scratch.ts) grows there, so no
   * plane already handed out is invalidated by a later request. Plain arrays need nothing.
   */
  reserve(_bytes: number): void {}

  /**
   * Compiled kernels over this scratch's planes (wasm-scratch.ts), or none: plain arrays take the
   * JavaScript loops, and a one-look season the median path, which gives the same values.
   */
  kernels(): BlockKernels | undefined {
    return undefined;
  }

  f32(name: string, n: number): Float32Array {
    let a = this.f32s.get(name);
    if (!a || a.length < n) this.f32s.set(name, (a = new Float32Array(n)));
    return a.subarray(0, n);
  }

  u8(name: string, n: number): Uint8Array {
    let a = this.u8s.get(name);
    if (!a || a.length < n) this.u8s.set(name, (a = new Uint8Array(n)));
    return a.subarray(0, n);
  }

  f64(name: string, n: number): Float64Array {
    let a = this.f64s.get(name);
    if (!a || a.length < n) this.f64s.set(name, (a = new Float64Array(n)));
    return a.subarray(0, n);
  }
}

/**
 * A block's pixel loops, compiled (wasm-scratch.ts): the same results as the JavaScript below, on
 * planes of the scratch that offers them. `compositeOneLook` fills a one-look season's planes;
 * `classify` writes every byte of flags and ndviBefore; `ponds` every byte of pondF, and ORs the
 * pond kind into flags.
 */
export interface BlockKernels {
  compositeOneLook(o: Observation, w: number, h: number, s: SeasonComposite): void;
  classify(
    before: SeasonComposite,
    after: SeasonComposite,
    p: DetectParams,
    ndviBefore: Float32Array,
    flags: Uint8Array,
  ): void;
  ponds(
    w: number,
    h: number,
    before: SeasonComposite,
    after: SeasonComposite,
    ndviBefore: Float32Array,
    p: DetectParams,
    rings: [Float64Array, Float64Array, Float64Array],
    pondF: Uint8Array,
    flags: Uint8Array,
  ): void;
}

/** Largest season accepted: the per-pixel look counts are Uint8. */
const MAX_LOOKS = 255;

/**
 * A season's composite: the median of the clear looks per pixel (NaN where none), and the counts
 * the tile stage reports. `blue`/`green` are only composited for the after season: the before
 * season serves NDVI and the pond's "was land" test, which need red and NIR alone.
 */
export interface SeasonComposite {
  blue: Float32Array | undefined;
  green: Float32Array | undefined;
  red: Float32Array;
  nir: Float32Array;
  clear: Uint8Array;
  valid: Uint8Array;
  restored: Uint8Array;
  firstClear: Uint8Array;
}

/**
 * Composites a season straight from the DNs, one pass over the pixels and no per-date float
 * planes. Every value is the one the per-date planes held: (dn + offset) * 1e-4 in double,
 * rounded to float32 when stored, and an even count's median is the float32 of the mean of the
 * two middle float32 values (medianComposite's rule), so the result is bit for bit the same.
 * 20 m SWIR and SCL are read by index ((y >> 1) * w2 + (x >> 1)), never upsampled.
 */
function compositeSeason(
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
  if (obs.length === 1 && kernels) kernels.compositeOneLook(obs[0] as Observation, w, h, s);
  else compositeMedian(obs, w, h, s);
  return s;
}

/**
 * What one look says about pixel i (20 m index q): 0 nodata (any band 0 or SCL nodata), 1 valid
 * but not usable (cloud, shadow), 2 clear, 3 cloud that the spectrum says is bright water.
 */
const LOOK_NODATA = 0;
const LOOK_HIDDEN = 1;
const LOOK_CLEAR = 2;
const LOOK_RESTORED = 3;

function lookStatus(o: Observation, i: number, q: number, visible: boolean): number {
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

/** NDVI in [-1, 1] to a byte, (v + 1) * 127.5 rounded; 0 for none (NaN). */
const encodeNdvi = (v: number): number =>
  v === v ? Math.round((v < -1 ? 0 : v > 1 ? 2 : v + 1) * 127.5) : 0;

/** What both front ends (dense planes, compact form) are built from. */
interface EvidenceCore {
  before: SeasonComposite;
  after: SeasonComposite;
  /** FLAG_CLEARING | PondKind << 1, as CompactBlock.flags. */
  flags: Uint8Array;
  pondF: Uint8Array;
  /** Pond pixel -> its SWIR attributes [share, green, swir16, swir22, context] (pondSwirOf). */
  pondSwir: Map<number, PondSwirBytes>;
}

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
    if ((pondF[i] as number) !== 0) {
      any = true;
      break;
    }
  if (!any) return out;
  const sw = swirComposite(input.after, w, h);
  const ten = { green: after.green as Float32Array, red: after.red, nir: after.nir };
  const cells = new Map<number, CellMaterial>();
  const r2 = Math.ceil(p.backgroundRadius / 2);
  for (let i = 0; i < pondF.length; i++) {
    if ((pondF[i] as number) === 0) continue;
    const x = i % w;
    const y = (i - x) / w;
    const q = (y >> 1) * sw.w2 + (x >> 1);
    let c = cells.get(q);
    if (!c) cells.set(q, (c = cellMaterial(ten, sw, w, h, x >> 1, y >> 1, r2, p.waterNir)));
    let ctx = 0;
    for (let yy = Math.max(0, y - 2); yy <= Math.min(h - 1, y + 2) && ctx === 0; yy++)
      for (let xx = Math.max(0, x - 2); xx <= Math.min(w - 1, x + 2); xx++)
        if ((before.nir[yy * w + xx] as number) < OLD_WATER_NIR) {
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

/** Same bit as compact-block's FLAG_CLEARING. */
const CLEARING_BIT = 1;

function evidenceCore(input: BlockInput, p: DetectParams, scratch: EvidenceScratch): EvidenceCore {
  const { width: w, height: h } = input;
  const n = w * h;
  scratch.reserve(scratchBytes(w, h, p.backgroundRadius));
  const before = compositeSeason(input.before, w, h, false, scratch, 'before');
  const after = compositeSeason(input.after, w, h, true, scratch, 'after');
  const rB = before.red;
  const nB = before.nir;
  const rA = after.red;
  const nA = after.nir;
  // Float32, as the pond test has always compared it: the rounding decides pixels at the threshold.
  const ndviB = scratch.f32('ndviBefore', n);
  const kernels = scratch.kernels();
  if (kernels) {
    const flags = scratch.u8('flags', n);
    const pondF = scratch.u8('pondF', n);
    kernels.classify(before, after, p, ndviB, flags);
    const ring = (w + 1) * Math.min(h + 1, 2 * p.backgroundRadius + 2);
    const rings = [scratch.f64('sumNir', ring), scratch.f64('sumRed', ring), scratch.f64('cnt', ring)] as [
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    kernels.ponds(w, h, before, after, ndviB, p, rings, pondF, flags);
    return { before, after, flags, pondF, pondSwir: pondSwirOf(input, before, after, pondF, p) };
  }
  const flags = new Uint8Array(n);
  const { forestNdviMin, bareNdviMax, ndviDropMin } = p;
  for (let i = 0; i < n; i++) {
    const vb = ndvi(nB, rB, i);
    const va = ndvi(nA, rA, i);
    ndviB[i] = vb;
    if (vb >= forestNdviMin && va <= bareNdviMax && vb - va >= ndviDropMin) flags[i] = CLEARING_BIT;
  }
  const bands = [after.blue, after.green, rA, nA] as [Float32Array, Float32Array, Float32Array, Float32Array];
  const pondF = new Uint8Array(n);
  ponds(w, h, bands, nB, ndviB, p, scratch, pondF, flags);
  return { before, after, flags, pondF, pondSwir: pondSwirOf(input, before, after, pondF, p) };
}

/**
 * An upper bound of the scratch bytes one block asks for: the season planes (2 + 4 float32 and
 * 8 byte planes), NDVI before, flags and pond fraction, the pond rings, and what a one-look
 * kernel copies in per season
 * (four 10 m u16 bands, 20 m SWIR and SCL, the SCL table), with room for alignment.
 */
function scratchBytes(w: number, h: number, r: number): number {
  const n = w * h;
  const n2 = ((w + 1) >> 1) * ((h + 1) >> 1);
  const planes = n * (6 * 4 + 8 + 4 + 2) + 3 * 8 * (w + 1) * Math.min(h + 1, 2 * r + 2);
  const inputs = 2 * (4 * 2 * n + 3 * n2 + 256);
  return planes + inputs + 4096;
}

/** NDVI of the composites at pixel i, in double from their float32 values (NaN: no composite). */
function ndvi(nir: Float32Array, red: Float32Array, i: number): number {
  const nv = nir[i] as number;
  const rv = red[i] as number;
  return (nv - rv) / (nv + rv);
}

/**
 * The evidence of one block as dense planes (tests, small scans). `scratch` (optional) lends
 * the working planes; the returned planes are always fresh: callers may keep them.
 */
export function blockEvidence(
  input: BlockInput,
  p: DetectParams,
  scratch: EvidenceScratch = new EvidenceScratch(),
): BlockEvidence {
  const { width: w, height: h } = input;
  const n = w * h;
  const { before, after, flags, pondF, pondSwir } = evidenceCore(input, p, scratch);
  const clearing = new Uint8Array(n);
  const swirPlanes = [0, 1, 2, 3, 4].map((k) => new Uint8Array(n).fill(NO_POND_SWIR[k] as number));
  for (const [i, bytes] of pondSwir) bytes.forEach((b, k) => ((swirPlanes[k] as Uint8Array)[i] = b));
  const [pondShare, pondGreen, pondSwir16, pondSwir22, pondContext] = swirPlanes as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const pondKind = new Uint8Array(n);
  const ndviBefore = new Uint8Array(n);
  const ndviAfter = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const f = flags[i] as number;
    clearing[i] = f & CLEARING_BIT;
    pondKind[i] = f >> 1;
    ndviBefore[i] = encodeNdvi(ndvi(before.nir, before.red, i));
    ndviAfter[i] = encodeNdvi(ndvi(after.nir, after.red, i));
  }
  return {
    width: w,
    height: h,
    clearing,
    pondF: pondF.slice(), // the scratch's own plane when compiled kernels made it
    pondKind,
    ndviBefore,
    ndviAfter,
    clearBefore: before.clear.slice(),
    clearAfter: after.clear.slice(),
    validAfter: after.valid.slice(),
    restored: after.restored.slice(),
    firstClearAfter: after.firstClear.slice(),
    pondShare,
    pondGreen,
    pondSwir16,
    pondSwir22,
    pondContext,
  };
}

/**
 * The pixels where `flags` or `pondF` is non-zero, ascending. A few per cent of a block is set, so
 * it scans four bytes at a time and looks at single bytes only in words that have some set.
 */
function evidencePixels(flags: Uint8Array, pondF: Uint8Array): Uint32Array {
  const n = flags.length;
  const aligned = flags.byteOffset % 4 === 0 && pondF.byteOffset % 4 === 0;
  const words = aligned ? n >> 2 : 0;
  const f32 = new Uint32Array(flags.buffer, flags.byteOffset, words);
  const p32 = new Uint32Array(pondF.buffer, pondF.byteOffset, words);
  const set = (i: number): boolean => (flags[i] as number) !== 0 || (pondF[i] as number) !== 0;
  let count = 0;
  for (let j = 0; j < words; j++) {
    if (((f32[j] as number) | (p32[j] as number)) === 0) continue;
    for (let i = j << 2, end = i + 4; i < end; i++) if (set(i)) count++;
  }
  for (let i = words << 2; i < n; i++) if (set(i)) count++;
  const idx = new Uint32Array(count);
  let k = 0;
  for (let j = 0; j < words; j++) {
    if (((f32[j] as number) | (p32[j] as number)) === 0) continue;
    for (let i = j << 2, end = i + 4; i < end; i++) if (set(i)) idx[k++] = i;
  }
  for (let i = words << 2; i < n; i++) if (set(i)) idx[k++] = i;
  return idx;
}

/**
 * The evidence of one block in the compact form the worker sends back: the same values as
 * compactEvidence(blockEvidence(...)), but the per-pixel attributes (NDVI bytes, look counts)
 * are only produced for the few pixels with evidence instead of for every pixel.
 */
export function compactBlockEvidence(
  input: BlockInput,
  p: DetectParams,
  scratch: EvidenceScratch = new EvidenceScratch(),
): CompactBlock {
  const { width: w, height: h } = input;
  const { before, after, flags, pondF, pondSwir } = evidenceCore(input, p, scratch);
  const idx = evidencePixels(flags, pondF);
  const count = idx.length;
  const fields = Object.fromEntries(ATTR_FIELDS.map((k) => [k, new Uint8Array(count)])) as Record<
    AttrField,
    Uint8Array
  >;
  // Locals, not fields.x[k]: `fields` is a dictionary-mode object, slow to index in a loop.
  const { ndviBefore, ndviAfter, clearBefore, clearAfter, validAfter, restored, firstClearAfter } = fields;
  for (let k = 0; k < count; k++) {
    const i = idx[k] as number;
    ndviBefore[k] = encodeNdvi(ndvi(before.nir, before.red, i));
    ndviAfter[k] = encodeNdvi(ndvi(after.nir, after.red, i));
    clearBefore[k] = before.clear[i] as number;
    clearAfter[k] = after.clear[i] as number;
    validAfter[k] = after.valid[i] as number;
    restored[k] = after.restored[i] as number;
    firstClearAfter[k] = after.firstClear[i] as number;
    const sw = pondSwir.get(i) ?? NO_POND_SWIR;
    fields.pondShare[k] = sw[0];
    fields.pondGreen[k] = sw[1];
    fields.pondSwir16[k] = sw[2];
    fields.pondSwir22[k] = sw[3];
    fields.pondContext[k] = sw[4];
  }
  return { width: w, height: h, flags, pondF, attrs: { idx, fields } };
}

/**
 * Sub-pixel pond fraction against the mean of nearby land (box filter over integral images of
 * the "land after" pixels: NIR >= 0.15, i.e. not water), and the kind of water it implies.
 */
function ponds(
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
  /** Integral row Y (1..h) from row Y - 1 and image row Y - 1. */
  const addRow = (Y: number): void => {
    let rs = 0;
    let rr = 0;
    let rc = 0;
    const row = (Y - 1) * w;
    const o0 = (Y % R) * W + 1;
    const p0 = ((Y - 1) % R) * W + 1;
    for (let x = 0; x < w; x++) {
      const nir = nirA[row + x] as number;
      if (nir >= 0.15) {
        rs += nir;
        rr += redA[row + x] as number;
        rc++;
      }
      sumNir[o0 + x] = (sumNir[p0 + x] as number) + rs;
      sumRed[o0 + x] = (sumRed[p0 + x] as number) + rr;
      cnt[o0 + x] = (cnt[p0 + x] as number) + rc;
    }
  };
  let rowsDone = 0;
  const boxMean = (band: Float32Array, x0: number, x1: number, y0: number, y1: number): number => {
    let sum = 0;
    let k = 0;
    for (let yy = y0; yy < y1; yy++) {
      const row = yy * w;
      for (let xx = x0; xx < x1; xx++) {
        if (!((nirA[row + xx] as number) >= 0.15)) continue;
        sum += band[row + xx] as number;
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
      const nir = nirA[i] as number;
      if (!(nir === nir)) continue;
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const a = ring1 + x1;
      const b = ring0 + x1;
      const c = ring1 + x0;
      const d = ring0 + x0;
      const count = cnt[a]! - cnt[b]! - cnt[c]! + cnt[d]!;
      if (count < 8) continue;
      // Cheapest tests first: most pixels are no darker in NIR than their surroundings.
      const bgNir = (sumNir[a]! - sumNir[b]! - sumNir[c]! + sumNir[d]!) / count;
      const deficit = bgNir - nir;
      if (deficit < minNirDeficit) continue;
      // New ponds are dug where there was vegetated land: not in last season's water (lakes,
      // rivers, old ponds) nor on bare sand bars a river can flood.
      const nb = nirBefore[i] as number;
      if (!(nb === nb) || nb < 0.15 || !((ndviBefore[i] as number) >= pondNdviBeforeMin)) continue;
      bg[2] = (sumRed[a]! - sumRed[b]! - sumRed[c]! + sumRed[d]!) / count;
      // Leach ponds are dug into cleared ground; under a vegetated background the visible
      // spectrum of darker canopy already looks like water, so only bare surroundings count.
      const bgNdvi = (bgNir - bg[2]) / (bgNir + bg[2]);
      if (bgNdvi > pondBackgroundNdviMax) continue;
      bg[0] = boxMean(blueA, x0, x1, y0, y1);
      bg[1] = boxMean(greenA, x0, x1, y0, y1);
      const f = Math.min(1, deficit / Math.max(0.05, bgNir - waterNir));
      if (f < pondFractionMin) continue;
      // The implied pure-water spectrum must look like water, not dark soil, char or shadow.
      const wb = ((blueA[i] as number) - (1 - f) * bg[0]) / f;
      const wg = ((greenA[i] as number) - (1 - f) * bg[1]) / f;
      const wr = ((redA[i] as number) - (1 - f) * bg[2]) / f;
      if (wg < wr - 0.005 || wg < 0.015 || wb < -0.02) continue;
      let kind: number = PondKind.Turbid;
      // Turquoise: a light liner under leachate, bright in blue. Dark: black plastic sheet, flat
      // and dim across the visible. Anything else (clear dark water, green-brown water) is the
      // signature of fish and irrigation ponds, counted but weighed less.
      if (wb >= wr && wb >= 0.05) kind = PondKind.Turquoise;
      else if (wg < 0.08 && wb < 0.08 && Math.abs(wg - wr) <= 0.012 && Math.abs(wb - wr) <= 0.015)
        kind = PondKind.Dark;
      pondF[i] = Math.round(f * 255);
      flags[i] = (flags[i] as number) | (kind << 1);
    }
  }
}
