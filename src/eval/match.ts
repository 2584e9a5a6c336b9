/**
 * Site-level scoring of candidates against a world's ground truth: one-to-one matching (a
 * candidate matches a true new site when their polygons intersect; each truth site counts
 * once), precision, recall, F1, false positives by what they hit, and pond-count error. Pure.
 */
import * as turf from '../geo/turf.js';
import type { Feature, MultiPolygon, Polygon } from 'geojson';

type Geom = Polygon | MultiPolygon;

export interface TruthSite {
  id: string;
  class: string;
  pondCount: number;
  geometry: Geom;
}

export interface ScoredCandidate {
  id: string;
  confidence: number;
  pondCount: number;
  geometry: Geom;
}

export interface MatchResult {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
  /** False positives by the truth class they overlap ('background' when none). */
  falsePositivesByClass: Record<string, number>;
  /** Mean absolute and mean signed pond-count error over matched sites. */
  pondCountMae: number;
  pondCountBias: number;
  /** Per matched pair and per miss, for reports. */
  matches: {
    candidate: string;
    truth: string;
    confidence: number;
    pondCount: number;
    truthPondCount: number;
  }[];
  misses: string[];
  /** Each false positive with the truth feature it overlaps most and that feature's class. */
  falsePositiveIds: { candidate: string; hit: string; hitClass: string; confidence: number }[];
}

type Counts = Omit<MatchResult, 'precision' | 'recall' | 'f1' | 'pondCountMae' | 'pondCountBias'>;

/** The scores of a match's counts: one world's, or several worlds' summed (combineResults). */
function scored(c: Counts): MatchResult {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = c;
  const precision = tp + fp > 0 ? tp / (tp + fp) : tp + fn === 0 ? 1 : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const errs = c.matches.map((m) => m.pondCount - m.truthPondCount);
  const mean = (f: (e: number) => number): number =>
    errs.length ? errs.reduce((s, e) => s + f(e), 0) / errs.length : 0;
  // The key order of MatchResult (summary.json is written from it).
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision,
    recall,
    f1,
    falsePositivesByClass: c.falsePositivesByClass,
    pondCountMae: mean(Math.abs),
    pondCountBias: mean((e) => e),
    matches: c.matches,
    misses: c.misses,
    falsePositiveIds: c.falsePositiveIds,
  };
}

function overlapArea(a: Geom, b: Geom): number {
  try {
    const i = turf.intersect(turf.featureCollection([turf.feature(a), turf.feature(b)]));
    return i ? turf.area(i) : 0;
  } catch {
    return turf.booleanIntersects(a, b) ? 1 : 0;
  }
}

export function matchSites(
  candidates: readonly ScoredCandidate[],
  truth: readonly TruthSite[],
  targetClass = 'new_mine',
): MatchResult {
  const targets = truth.filter((t) => t.class === targetClass);
  const others = truth.filter((t) => t.class !== targetClass);
  // Greedy one-to-one: the most confident candidate takes the truth site it overlaps most.
  const order = [...candidates].sort((a, b) => b.confidence - a.confidence || a.id.localeCompare(b.id));
  const taken = new Set<string>();
  const matches: MatchResult['matches'] = [];
  const fps: MatchResult['falsePositiveIds'] = [];
  const fpByClass: Record<string, number> = {};
  for (const c of order) {
    let best: TruthSite | undefined;
    let bestArea = 0;
    for (const t of targets) {
      if (taken.has(t.id) || !turf.booleanIntersects(c.geometry, t.geometry)) continue;
      const a = overlapArea(c.geometry, t.geometry);
      if (a >= bestArea) [best, bestArea] = [t, a];
    }
    if (best) {
      taken.add(best.id);
      matches.push({
        candidate: c.id,
        truth: best.id,
        confidence: c.confidence,
        pondCount: c.pondCount,
        truthPondCount: best.pondCount,
      });
      continue;
    }
    const hit = largestOverlap(c, targets) ?? largestOverlap(c, others);
    const cls = hit ? (hit.class === targetClass ? `${targetClass} (duplicate)` : hit.class) : 'background';
    fpByClass[cls] = (fpByClass[cls] ?? 0) + 1;
    fps.push({ candidate: c.id, hit: hit?.id ?? 'background', hitClass: cls, confidence: c.confidence });
  }
  return scored({
    truePositives: matches.length,
    falsePositives: candidates.length - matches.length,
    falseNegatives: targets.length - matches.length,
    falsePositivesByClass: fpByClass,
    matches,
    misses: targets.filter((t) => !taken.has(t.id)).map((t) => t.id),
    falsePositiveIds: fps,
  });
}

function largestOverlap(c: ScoredCandidate, truth: readonly TruthSite[]): TruthSite | undefined {
  let best: TruthSite | undefined;
  let bestArea = -1;
  for (const t of truth) {
    if (!turf.booleanIntersects(c.geometry, t.geometry)) continue;
    const a = overlapArea(c.geometry, t.geometry);
    if (a > bestArea) [best, bestArea] = [t, a];
  }
  return best;
}

export function truthFromGeoJson(features: readonly Feature<Geom, Record<string, unknown>>[]): TruthSite[] {
  return (
    features
      // Individual ponds carry the site they belong to; sites (fish_ponds included) do not.
      .filter((f) => f.properties['site_id'] === undefined)
      .map((f) => ({
        id: String(f.properties['id']),
        class: String(f.properties['class']),
        pondCount: Number(f.properties['pond_count'] ?? 0),
        geometry: f.geometry,
      }))
  );
}

/**
 * The totals of several worlds scored one by one. Worlds of different seeds share places, so
 * their candidates and truth must never be matched against each other: sum the per-world counts.
 */
export function combineResults(results: readonly MatchResult[]): MatchResult {
  const fpByClass: Record<string, number> = {};
  for (const r of results)
    for (const [k, v] of Object.entries(r.falsePositivesByClass)) fpByClass[k] = (fpByClass[k] ?? 0) + v;
  const sum = (f: (r: MatchResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  return scored({
    truePositives: sum((r) => r.truePositives),
    falsePositives: sum((r) => r.falsePositives),
    falseNegatives: sum((r) => r.falseNegatives),
    falsePositivesByClass: fpByClass,
    matches: results.flatMap((r) => r.matches),
    misses: results.flatMap((r) => r.misses),
    falsePositiveIds: results.flatMap((r) => r.falsePositiveIds),
  });
}
