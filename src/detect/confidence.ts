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
 * Weights were set from the physics (colour and pond count carry the site; the rest modulate),
 * then the intercept was checked on synthetic worlds so that 0.5 separates sites from fish
 * ponds and swidden; `make eval` reports how well confidence bins match observed precision.
 */
export interface SiteEvidence {
  ponds: number;
  turquoiseOrDarkShare: number;
  meanPondFraction: number;
  clearedHa: number;
  ndviBefore: number;
  clearBefore: number;
  clearAfter: number;
  obscuredFraction: number;
}

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

export function siteConfidence(e: SiteEvidence): number {
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
  return Math.round(p * 1000) / 1000;
}
