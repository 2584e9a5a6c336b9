/**
 * Per-pixel evidence for one block of a tile, from every acquisition of the two seasons:
 * clear-sky composites, forest-to-bare change, and a sub-pixel pond fraction. Pure compute:
 * decoded DNs in, small Uint8 planes out. This is the dense form: one plane per attribute (compact-block-evidence.ts builds the worker's form).
 *
 * The pieces: block-input.ts (what goes in), evidence-scratch.ts (where planes live),
 * season-composite.ts and look-status.ts (the composites), evidence-core.ts (change flags),
 * pond-unmixing.ts and pond-attributes.ts (ponds and their SWIR attributes).
 */
import type { BlockInput } from './block-input.js';
import { EvidenceScratch } from './evidence-scratch.js';
import { CLEARING_BIT, encodeNdvi, evidenceCore, ndvi } from './evidence-core.js';
import type { DetectParams } from './params.js';
import { u8At } from '../types/checked.js';
import { NO_POND_SWIR } from './pond-attributes.js';

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
  const swirPlanes = NO_POND_SWIR.map((b) => new Uint8Array(n).fill(b));
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
    const f = u8At(flags, i);
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
