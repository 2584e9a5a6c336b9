/** Eval scoring on small hand-made inputs: matching, false positives by class, calibration. */
import { describe, expect, it } from 'vitest';
import type { Polygon } from 'geojson';
import {
  calibrationTable,
  expectedCalibrationError,
  precisionAtOrAbove,
  reliabilitySvg,
} from '../../src/eval/calibration.js';
import { combineResults, matchSites, type TruthSite } from '../../src/eval/match.js';
import { summarise, type LabelledCandidate, type SeedResult } from '../../src/eval/run-eval.js';
import { TUNING_SEEDS, VALIDATION_SEEDS } from '../../src/eval/seeds.js';

/** A square of side d degrees at (x, y). */
function sq(x: number, y: number, d = 0.001): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x, y],
        [x + d, y],
        [x + d, y + d],
        [x, y + d],
        [x, y],
      ],
    ],
  };
}

const truth: TruthSite[] = [
  { id: 'm1', class: 'new_mine', pondCount: 10, geometry: sq(98, 25) },
  { id: 'm2', class: 'new_mine', pondCount: 3, geometry: sq(98.01, 25) },
  { id: 's1', class: 'swidden_burnt', pondCount: 0, geometry: sq(98.02, 25) },
  { id: 'f1', class: 'fish_ponds', pondCount: 12, geometry: sq(98.03, 25) },
];

describe('matchSites', () => {
  it('matches one-to-one, names what each false positive hit and scores pond counts', () => {
    const r = matchSites(
      [
        { id: 'a', confidence: 0.9, pondCount: 8, geometry: sq(98.0002, 25.0002, 0.0005) },
        { id: 'b', confidence: 0.6, pondCount: 2, geometry: sq(98.0001, 25.0001, 0.0005) }, // second on m1
        { id: 'c', confidence: 0.95, pondCount: 4, geometry: sq(98.0201, 25.0001, 0.0005) },
        { id: 'd', confidence: 0.7, pondCount: 6, geometry: sq(98.0301, 25.0001, 0.0005) },
        { id: 'e', confidence: 0.55, pondCount: 1, geometry: sq(99, 26) },
      ],
      truth,
    );
    expect(r.truePositives).toBe(1);
    expect(r.falsePositives).toBe(4);
    expect(r.falseNegatives).toBe(1);
    expect(r.precision).toBeCloseTo(0.2, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.falsePositivesByClass).toEqual({
      'new_mine (duplicate)': 1,
      swidden_burnt: 1,
      fish_ponds: 1,
      background: 1,
    });
    expect(r.falsePositiveIds.find((f) => f.candidate === 'c')).toMatchObject({
      hit: 's1',
      hitClass: 'swidden_burnt',
    });
    expect(r.pondCountMae).toBe(2);
    expect(r.pondCountBias).toBe(-2);
    expect(r.misses).toEqual(['m2']);
  });
});

describe('calibration', () => {
  const items = [
    { confidence: 0.55, correct: false },
    { confidence: 0.58, correct: true },
    { confidence: 0.85, correct: true },
    { confidence: 0.88, correct: true },
    { confidence: 0.82, correct: false },
    { confidence: 1, correct: true },
  ];
  it('bins observed precision by confidence, the last bin including 1', () => {
    const bins = calibrationTable(items);
    expect(bins.map((b) => b.candidates)).toEqual([2, 0, 0, 3, 1]);
    expect(bins[0]?.precision).toBe(0.5);
    expect(bins[1]?.precision).toBeNaN();
    expect(bins[3]?.precision).toBeCloseTo(2 / 3, 12);
    expect(bins[3]?.meanConfidence).toBeCloseTo((0.85 + 0.88 + 0.82) / 3, 12);
    expect(bins[4]).toMatchObject({ candidates: 1, correct: 1, precision: 1 });
    expect(precisionAtOrAbove(items, 0.8)).toEqual({ candidates: 4, correct: 3, precision: 0.75 });
    const ece = expectedCalibrationError(bins);
    const expected =
      (2 / 6) * Math.abs(0.5 - 0.565) + (3 / 6) * Math.abs(2 / 3 - (0.85 + 0.88 + 0.82) / 3) + (1 / 6) * 0;
    expect(ece).toBeCloseTo(expected, 12);
  });
  it('draws one point per non-empty bin in the reliability diagram', () => {
    const svg = reliabilitySvg(calibrationTable(items), 'test <plot>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('2/3');
    expect(svg).toContain('test &lt;plot>');
  });
});

describe('summarise', () => {
  it('picks the worst seed by precision and lists false positives by class with confidences', () => {
    const r = (tp: number, fp: number, fn: number): SeedResult['result'] => ({
      ...matchSites([], []),
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: tp / (tp + fp),
      recall: tp / (tp + fn),
      f1: 0,
    });
    const seeds: SeedResult[] = [
      { seed: 1, result: r(9, 1, 0), candidates: 10, truthSites: 9, scanSeconds: 1 },
      { seed: 2, result: r(6, 4, 1), candidates: 10, truthSites: 7, scanSeconds: 1 },
    ];
    const c = (seed: number, confidence: number, label: string): LabelledCandidate => ({
      split: 'custom',
      seed,
      id: `${seed}/${confidence}`,
      confidence,
      reported: confidence >= 0.5,
      corroboration: 'strong',
      label,
      correct: label === 'new_mine',
      truth_id: null,
      truth_pool_count: null,
      truth_pool_blobs_10m: null,
      features: {},
    });
    const s = summarise(
      { split: 'custom', preset: 'eval' },
      seeds,
      seeds[0]!.result,
      [
        c(1, 0.9, 'new_mine'),
        c(2, 0.7, 'swidden_burnt'),
        c(2, 0.95, 'swidden_burnt'),
        c(2, 0.6, 'river_bend'),
        // Below the reporting threshold: kept for the calibration fit, never scored or tabled.
        c(2, 0.3, 'landslide'),
      ],
      [1, -1],
      [
        { id: 't1', class: 'new_mine', pondCount: 1, geometry: sq(0, 0) },
        { id: 't2', class: 'new_mine', pondCount: 12, geometry: sq(0, 0) },
        { id: 't3', class: 'swidden_burnt', pondCount: 0, geometry: sq(0, 0) },
      ],
    );
    expect(s.worst?.seed).toBe(2);
    expect(s.falsePositivesByClass).toEqual([
      { cls: 'swidden_burnt', confidences: [0.95, 0.7] },
      { cls: 'river_bend', confidences: [0.6] },
    ]);
    expect(s.atOrAbove08).toEqual({ candidates: 2, correct: 1, precision: 0.5 });
    expect(s.calibration.reduce((n, b) => n + b.candidates, 0)).toBe(4);
    expect(s.candidates).toHaveLength(5);
    expect(s.blobError).toEqual({ mae: 1, bias: 0, n: 2 });
    // The total's matches name no truth site here, so every bucket is found 0 of its sites.
    expect(s.recallBySize.map((b) => [b.pools, b.sites, b.found])).toEqual([
      ['1-2', 1, 0],
      ['3-9', 0, 0],
      ['10+', 1, 0],
    ]);
  });
});

describe('seeds', () => {
  it('keeps at least 20 validation seeds, disjoint from the tuning seeds', () => {
    expect(VALIDATION_SEEDS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(VALIDATION_SEEDS).size).toBe(VALIDATION_SEEDS.length);
    expect(VALIDATION_SEEDS.filter((s) => TUNING_SEEDS.includes(s))).toEqual([]);
  });
});

describe('combineResults', () => {
  it('sums worlds scored one by one, never matching one world against another', () => {
    // Two worlds of the same place: world B's candidate sits on world A's site but must not match it.
    const a = matchSites([], [{ id: 'A/m', class: 'new_mine', pondCount: 5, geometry: sq(98, 25) }]);
    const b = matchSites([{ id: 'B/c', confidence: 0.9, pondCount: 2, geometry: sq(98, 25) }], []);
    const t = combineResults([a, b]);
    expect([t.truePositives, t.falsePositives, t.falseNegatives]).toEqual([0, 1, 1]);
    expect(t.precision).toBe(0);
    expect(t.recall).toBe(0);
    expect(t.falsePositivesByClass).toEqual({ background: 1 });
  });
});
