/** What a block's evidence is computed from: each look's decoded DNs, and a season's composite. */

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
