/**
 * What both front ends of a block's evidence (dense planes, compact form) are built from: the
 * season composites, the forest-to-bare change flags and the pond fraction, on a scratch's planes.
 */
import type { BlockInput, SeasonComposite } from './block-input.js';
import type { EvidenceScratch } from './evidence-scratch.js';
import type { DetectParams } from './params.js';
import { f32At } from '../types/checked.js';
import { pondSwirOf, type PondSwirBytes } from './pond-attributes.js';
import { ponds } from './pond-unmixing.js';
import { compositeSeason } from './season-composite.js';
import { InternalError } from '../errors.js';

/** NDVI in [-1, 1] to a byte, (v + 1) * 127.5 rounded; 0 for none (NaN). */
export const encodeNdvi = (v: number): number =>
  v === v ? Math.round((v < -1 ? 0 : v > 1 ? 2 : v + 1) * 127.5) : 0;

/** What both front ends (dense planes, compact form) are built from. */
export interface EvidenceCore {
  before: SeasonComposite;
  after: SeasonComposite;
  /** FLAG_CLEARING | PondKind << 1, as CompactBlock.flags. */
  flags: Uint8Array;
  pondF: Uint8Array;
  /** Pond pixel -> its SWIR attributes [share, green, swir16, swir22, context] (pondSwirOf). */
  pondSwir: Map<number, PondSwirBytes>;
}

/** Same bit as compact-block's FLAG_CLEARING. */
export const CLEARING_BIT = 1;

export function evidenceCore(input: BlockInput, p: DetectParams, scratch: EvidenceScratch): EvidenceCore {
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
    const rings: [Float64Array, Float64Array, Float64Array] = [
      scratch.f64('sumNir', ring),
      scratch.f64('sumRed', ring),
      scratch.f64('cnt', ring),
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
  const { blue: bA, green: gA } = after;
  // compositeSeason builds the after season with its visible bands, or throws.
  if (bA === undefined || gA === undefined)
    throw new InternalError('the after composite has no blue or green');
  const bands: [Float32Array, Float32Array, Float32Array, Float32Array] = [bA, gA, rA, nA];
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
export function ndvi(nir: Float32Array, red: Float32Array, i: number): number {
  const nv = f32At(nir, i);
  const rv = f32At(red, i);
  return (nv - rv) / (nv + rv);
}
