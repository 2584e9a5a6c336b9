/** Isotonic calibration (src/detect/calibration.ts) and the confidence caps (confidence.ts). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyCalibration, fitIsotonic } from '../../src/detect/calibration.js';
import { labelledFromJsonl } from '../../src/eval/calibration-fit.js';
import {
  PARTIAL_CAP,
  rawSiteScore,
  siteConfidence,
  UNCORROBORATED_CAP,
  type SiteEvidence,
} from '../../src/detect/confidence.js';

const samples = fc.array(
  fc.record({ score: fc.double({ min: 0, max: 1, noNaN: true }), truth: fc.boolean() }),
  { minLength: 1, maxLength: 200 },
);

describe('fitIsotonic', () => {
  it('gives a non-decreasing table in 0..1 whose curve never falls', () => {
    fc.assert(
      fc.property(
        samples,
        fc.array(fc.double({ min: -0.5, max: 1.5, noNaN: true }), { minLength: 2 }),
        (s, xs) => {
          const t = fitIsotonic(s, 'test');
          for (let k = 1; k < t.score.length; k++) {
            expect(t.score[k]!).toBeGreaterThanOrEqual(t.score[k - 1]!);
            expect(t.probability[k]!).toBeGreaterThanOrEqual(t.probability[k - 1]! - 1e-9);
          }
          const sorted = [...xs].sort((a, b) => a - b);
          const ys = sorted.map((x) => applyCalibration(t, x));
          for (let k = 0; k < ys.length; k++) {
            expect(ys[k]!).toBeGreaterThanOrEqual(0);
            expect(ys[k]!).toBeLessThanOrEqual(1);
            if (k > 0) expect(ys[k]!).toBeGreaterThanOrEqual(ys[k - 1]! - 1e-9);
          }
        },
      ),
    );
  });

  it('stays monotone where shrinking would reorder blocks pooled on their raw rate', () => {
    // Base rate 4/15: a block of 3 true of 4 shrinks to 0.653, a lone true one above it to 0.633.
    const t = fitIsotonic(
      [
        ...[0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5].map((score) => ({ score, truth: false })),
        { score: 0.6, truth: true },
        { score: 0.6, truth: true },
        { score: 0.6, truth: true },
        { score: 0.6, truth: false },
        { score: 0.9, truth: true },
      ],
      'test',
    );
    for (let k = 1; k < t.probability.length; k++)
      expect(t.probability[k]!).toBeGreaterThan(t.probability[k - 1]!);
  });

  it('pools a violation and shrinks small blocks towards the base rate', () => {
    // Scores 0.1 (true), 0.2 (false): a violation, pooled to one block of rate 1/2.
    const t = fitIsotonic(
      [
        { score: 0.1, truth: true },
        { score: 0.2, truth: false },
        { score: 0.9, truth: true },
      ],
      'test',
    );
    expect(t.score).toEqual([0.15, 0.9]);
    const base = 2 / 3;
    expect(t.probability[0]).toBeCloseTo((1 + base) / 3, 4);
    expect(t.probability[1]).toBeCloseTo((1 + base) / 2, 4);
  });
});

describe('applyCalibration below the fitted range', () => {
  it('never lifts a score the fit has not seen: it keeps the lower of itself and the first block', () => {
    const t = { method: 'isotonic' as const, fittedOn: 'test', score: [0.6, 0.9], probability: [0.7, 0.95] };
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.6, maxExcluded: true, noNaN: true }), (raw) => {
        expect(applyCalibration(t, raw)).toBe(Math.min(raw, 0.7));
      }),
    );
    // A weak site (raw 0.45) is not carried over the 0.5 reporting threshold.
    expect(applyCalibration(t, 0.45)).toBeLessThan(0.5);
    expect(applyCalibration(t, 0.6)).toBe(0.7);
    expect(applyCalibration(t, 0.75)).toBeCloseTo(0.825, 9);
  });
});

describe('labelledFromJsonl', () => {
  const row = (o: Record<string, unknown>): string =>
    JSON.stringify({ split: 'tuning', seed: 5001, correct: true, corroboration: 'strong', ...o });
  it('fits every scored site, reported or not, and leaves out the uncorroborated (their score is a cap)', () => {
    const text = [
      row({ reported: true, features: { score_uncalibrated: 0.9 } }),
      row({ reported: false, correct: false, features: { score_uncalibrated: 0.3 } }),
      row({ corroboration: 'none', correct: false, features: { score_uncalibrated: 0.45 } }),
    ].join('\n');
    const { samples, seeds } = labelledFromJsonl(text, 'c.jsonl');
    expect(samples).toEqual([
      { score: 0.9, truth: true },
      { score: 0.3, truth: false },
    ]);
    expect([...seeds]).toEqual([5001]);
  });
  it('names the file and line of a row without a score', () => {
    expect(() => labelledFromJsonl(row({ features: {} }), 'c.jsonl')).toThrow(/c\.jsonl:1: needs/);
  });
});

describe('confidence caps', () => {
  const strong: SiteEvidence = {
    ponds: 8,
    turquoiseOrDarkShare: 1,
    meanPondFraction: 0.9,
    clearedHa: 5,
    ndviBefore: 0.85,
    clearBefore: 3,
    clearAfter: 3,
    obscuredFraction: 0,
    corroboration: 'strong',
  };
  it('an uncorroborated site stays below 0.5, a partly corroborated one below 0.8', () => {
    fc.assert(
      fc.property(
        fc.record({
          ponds: fc.integer({ min: 2, max: 40 }),
          turquoiseOrDarkShare: fc.double({ min: 0, max: 1, noNaN: true }),
          meanPondFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          clearedHa: fc.double({ min: 0.1, max: 50, noNaN: true }),
        }),
        (e) => {
          const none = siteConfidence({ ...strong, ...e, corroboration: 'none' });
          const partial = siteConfidence({ ...strong, ...e, corroboration: 'partial' });
          expect(none).toBeLessThanOrEqual(UNCORROBORATED_CAP);
          expect(partial).toBeLessThanOrEqual(PARTIAL_CAP);
        },
      ),
    );
    expect(rawSiteScore(strong)).toBeGreaterThan(0.9);
  });
});
