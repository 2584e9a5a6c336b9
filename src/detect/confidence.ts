/**
 * How sure we are that a cleared patch with new ponds is a rare-earth mine site: a logistic
 * score over the evidence, each term bounded to 0..1 so no single measurement dominates.
 *
 *  - ponds:      1 - exp(-n / 3): two ponds 0.49, three 0.63, six 0.86. Leach sites have many.
 *  - colour:     share of ponds that are turquoise (plastic liner seen through leachate) or
 *                covered in black plastic, not the green-brown of fish or irrigation ponds.
 *  - strength:   mean peak water fraction of the ponds (a clear pond, not a damp mixed pixel).
 *  - clearing:   log-scaled area between 0.3 ha (0) and 15 ha (1).
 *  - forest:     how clearly it was closed forest before: NDVI 0.65 -> 0, 0.85 -> 1 (valley
 *                scrub and fields, where fish ponds are dug, sit near 0.6-0.7).
 *  - looks:      clear observations in both seasons, saturating at two each.
 *  - obscured:   the share of after-season looks hidden by cloud or shadow (penalty).
 *  - corroboration: char, ash and slash shadow look like black plastic in the visible; a site
 *                whose ponds are all dark and none of them measured in SWIR as water
 *                (pond-swir.ts) is not corroborated, and its score is capped below the
 *                reporting threshold (UNCORROBORATED_CAP): dark patches alone never make a
 *                candidate. Compact SWIR-flat dark ponds (a dry black sheet, or deep shadow)
 *                are partial corroboration: reportable, never above PARTIAL_CAP.
 * Weights were set from the physics (colour and pond count carry the site; the rest modulate).
 * The raw logistic score is then calibrated (calibration.ts): isotonic regression fitted on
 * every scored site of tuning-seed worlds, reported or not (`minewatch fit-calibration`, table
 * in calibration-table.ts), so a reported confidence of 0.8 means about 80 % of such candidates are mines; the validation
 * seeds of `make eval` check it.
 */
import { applyCalibration } from './calibration.js';
import { CALIBRATION } from './calibration-table.js';

export interface SiteEvidence {
  ponds: number;
  turquoiseOrDarkShare: number;
  meanPondFraction: number;
  clearedHa: number;
  ndviBefore: number;
  clearBefore: number;
  clearAfter: number;
  obscuredFraction: number;
  /**
   * What stands behind the ponds' colour: 'strong', some pond is turquoise or a dark pond's
   * material is SWIR water (a wet liner); 'partial', dark ponds are compact and SWIR-flat (a dry
   * black sheet: not char, ash or soil, though deep shadow is flat too); 'none' otherwise.
   */
  corroboration: 'strong' | 'partial' | 'none';
}

/** An uncorroborated site's score never reaches the 0.5 reporting threshold. */
export const UNCORROBORATED_CAP = 0.45;
/** A partly corroborated site can be reported, never as "high" (0.8). */
export const PARTIAL_CAP = 0.75;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

export const CONFIDENCE_WEIGHTS = {
  intercept: -5.5,
  ponds: 2.5,
  colour: 3,
  strength: 1.5,
  clearing: 1,
  forest: 1.5,
  looks: 1,
  obscured: -1.5,
} as const;

/** The uncalibrated logistic score, 0..1. */
export function rawSiteScore(e: SiteEvidence): number {
  const w = CONFIDENCE_WEIGHTS;
  const z =
    w.intercept +
    w.ponds * (1 - Math.exp(-e.ponds / 3)) +
    w.colour * clamp01(e.turquoiseOrDarkShare) +
    w.strength * clamp01(e.meanPondFraction) +
    w.clearing * clamp01(Math.log10(Math.max(e.clearedHa, 1e-6) / 0.3) / Math.log10(15 / 0.3)) +
    w.forest * clamp01((e.ndviBefore - 0.65) / 0.2) +
    w.looks * Math.min(1, e.clearAfter / 2) * Math.min(1, e.clearBefore / 2) +
    w.obscured * clamp01(e.obscuredFraction);
  const p = 1 / (1 + Math.exp(-z));
  return e.corroboration === 'none' ? Math.min(UNCORROBORATED_CAP, p) : p;
}

/**
 * The reported confidence: the raw score through the committed calibration, then the caps. An
 * uncorroborated site keeps its capped raw score (below 0.5 whatever the table says), a partly
 * corroborated one at most PARTIAL_CAP: the caps are physics, not fitted. Rounded to 3 decimals.
 */
export function siteConfidence(e: SiteEvidence, calibrated = true): number {
  const raw = rawSiteScore(e);
  if (e.corroboration === 'none') return Math.round(raw * 1000) / 1000;
  let p = calibrated && CALIBRATION ? applyCalibration(CALIBRATION, raw) : raw;
  if (e.corroboration === 'partial') p = Math.min(PARTIAL_CAP, p);
  return Math.round(p * 1000) / 1000;
}
