/**
 * Detection thresholds, each with the physics it stands on. Reflectances are L2A surface
 * reflectance (0..1) after harmonisation. These are defaults; pipeline specs may override them.
 */
export interface DetectParams {
  /** NDVI of the "before" composite at or above which a pixel counts as forest. Closed evergreen
   * hill forest in the dry season sits at 0.75-0.9; secondary/degraded forest near 0.65. */
  forestNdviMin: number;
  /** NDVI of the "after" composite at or below which ground counts as bare (soil, rock, water). */
  bareNdviMax: number;
  /** Minimum NDVI drop between seasons for a clearing: rules out phenology and haze (< 0.15). */
  ndviDropMin: number;
  /** Smallest clearing kept as evidence, pixels of 10 m (0.2 ha). */
  minClearingPixels: number;
  /** Water has NIR near 0.02-0.05, soil and vegetation 0.2-0.35; pond fraction is estimated
   * from how far NIR falls from the local background towards this water NIR. */
  waterNir: number;
  /** NIR at or above which after-season ground counts as land, not water: the pixels a pond's
   * local background is averaged over, and the test that a new pond's ground was land before.
   * Sunlit bare soil and vegetation sit at 0.2-0.35, water at 0.02-0.05. On a steep slope facing
   * away from the sun the direct beam falls as cos(incidence): a 35 degree slope under a 45 degree
   * dry-season sun gets ~0.5 of the flat irradiance, bringing lit soil to 0.1-0.15, so a floor of
   * 0.15 drops the shaded half of a hill clearing from the background and a pond there has too
   * few land pixels around it to be unmixed. 0.1 stays well above water even with haze. */
  landNirMin: number;
  /** Smallest NIR fall below the background worth unmixing (noise is ~0.003). */
  minNirDeficit: number;
  /** Pond fraction at or above which a pixel belongs to a pond (a 10 m pond fills ~0.3-1 of a pixel). */
  pondFractionMin: number;
  /** Box radius (pixels) of the local background window around a pond: 7 -> 150 m. */
  backgroundRadius: number;
  /** A new pond's ground was vegetated before (NDVI at least this): not a sand bar or old pit. */
  pondNdviBeforeMin: number;
  /** Ponds are only sought where the local background is at most this green (cleared ground). */
  pondBackgroundNdviMax: number;
  /** Pond components larger than this (pixels) are lakes or fish farms, not leach ponds (40 m ponds: 16 px). */
  maxPondPixels: number;
  /** A pond belongs to a clearing when within this many pixels of it. */
  pondClearingGap: number;
  /** Fewest ponds that make a clearing a mine-site candidate (one is enough when its liquor is
   * confirmed: a turquoise pond that SWIR says is water, see site-evidence.ts). */
  minPondsPerSite: number;
  /** Share of a site's pond peaks that must be of a leach kind (turquoise, dark with SWIR saying
   * water, or a dug SWIR-flat dark sheet) for the site to count as corroborated at all: a clearing where most "ponds"
   * are turbid (fish ponds, river pools) or unconfirmed dark (char, shadow) and a stray third is
   * turquoise is not a leach field. */
  minLeachShare: number;
  /** Candidates below this confidence are kept out of candidates.geojson (still in run.json counts). */
  minConfidence: number;
}

export const DEFAULT_PARAMS: DetectParams = {
  forestNdviMin: 0.6,
  bareNdviMax: 0.4,
  ndviDropMin: 0.3,
  minClearingPixels: 20,
  waterNir: 0.04,
  landNirMin: 0.1,
  minNirDeficit: 0.03,
  pondFractionMin: 0.25,
  backgroundRadius: 7,
  pondBackgroundNdviMax: 0.6,
  pondNdviBeforeMin: 0.5,
  maxPondPixels: 40,
  pondClearingGap: 3,
  minPondsPerSite: 2,
  minLeachShare: 0.34,
  minConfidence: 0.5,
};
