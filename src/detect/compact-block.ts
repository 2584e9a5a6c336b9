/**
 * The shape of a block's evidence once it is compact: the flag bits, the per-pixel attribute
 * fields kept only where something was found, and the dense and sparse forms a worker returns.
 * Types and constants only, shared by the kernel (block-evidence.ts) that fills them and the
 * tile builder (evidence-plane.ts) that merges them.
 */

/** flags bit 0: forest-to-bare change; bits 1-2: PondKind of a pond pixel. */
export const FLAG_CLEARING = 1;
export const pondKindOf = (flags: number): number => (flags >> 1) & 3;

export const ATTR_FIELDS = [
  'ndviBefore',
  'ndviAfter',
  'clearBefore',
  'clearAfter',
  'validAfter',
  'restored',
  'firstClearAfter',
  // A pond pixel's 20 m cell, unmixed in SWIR (pond-swir.ts): the pond's share of the cell
  // (0: unknown), the material's implied green, B11 and B12 (255: unknown), and context bits
  // (POND_NEAR_OLD_WATER). Zero share and unknown values on every other pixel.
  'pondShare',
  'pondGreen',
  'pondSwir16',
  'pondSwir22',
  'pondContext',
] as const;

/** pondContext bit: last season's water (river, lake, old pond) lies within 2 pixels. */
export const POND_NEAR_OLD_WATER = 1;
export type AttrField = (typeof ATTR_FIELDS)[number];

export interface Attrs {
  /** Pixel indices (row-major in the block or tile), ascending. */
  idx: Uint32Array;
  fields: Record<AttrField, Uint8Array>;
}

export interface CompactBlock {
  width: number;
  height: number;
  /** Dense planes; from compactBlockEvidence they may be its scratch's, valid until its next block. */
  flags: Uint8Array;
  pondF: Uint8Array;
  attrs: Attrs;
}

/**
 * A block's evidence without its dense planes: flagsAt[k] and pondAt[k] are flags and pondF at
 * pixel attrs.idx[k]; every pixel without an attribute row is zero in both.
 */
export interface SparseBlock {
  width: number;
  height: number;
  attrs: Attrs;
  flagsAt: Uint8Array;
  pondAt: Uint8Array;
}
