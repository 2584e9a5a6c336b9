/**
 * Calibrating the site score into a probability: isotonic regression (pool-adjacent-violators,
 * Zadrozny & Elkan 2002) of "this candidate is a true new mine" on the raw logistic score of
 * confidence.ts, fitted on every scored site (reported or not) of tuning-seed worlds only (out
 * of sample for the validation seeds, which `make eval` scores and which are never fitted on).
 * Pure.
 *
 * Isotonic rather than Platt: it assumes only that a higher score is never less likely to be a
 * mine, not that the raw score is logistic in the truth; with a few hundred candidates it is
 * the standard choice. The step function is read with linear interpolation between the blocks'
 * mean scores (a monotone curve, no plateaus at bin edges), and each block's precision is shrunk
 * towards the overall rate with a pseudo-count of one (Laplace), so a block of three true
 * candidates says 0.9, not a certainty it has not earned.
 */
import { at } from '../types/checked.js';

export interface CalibrationTable {
  method: 'isotonic';
  /** What the table was fitted on (worlds, seeds, candidates): provenance for the README. */
  fittedOn: string;
  /** Ascending raw scores (block means) and the calibrated probability at each. */
  score: readonly number[];
  probability: readonly number[];
}

export interface Labelled {
  score: number;
  truth: boolean;
}

export function fitIsotonic(samples: readonly Labelled[], fittedOn: string): CalibrationTable {
  if (samples.length === 0) throw new RangeError('fitIsotonic: no samples');
  const sorted = [...samples].sort((a, b) => a.score - b.score);
  const base = sorted.filter((s) => s.truth).length / sorted.length;
  // Blocks: [sum of scores, positives, count]. A block reports its shrunk rate, and blocks are
  // pooled on that same rate: pooling on the raw rate and shrinking after can reorder them (a
  // block of 3 of 4 true shrinks less than one of 1 of 1 when the base rate is low), which gave
  // a falling table.
  const shrunk = (b: readonly [number, number, number]): number => (b[1] + base) / (b[2] + 1);
  const blocks: [number, number, number][] = [];
  for (const s of sorted) {
    let b: [number, number, number] = [s.score, s.truth ? 1 : 0, 1];
    // Merge while the previous block's probability is not below this one's (ties merge).
    for (let a = blocks.pop(); a !== undefined; a = blocks.pop()) {
      if (shrunk(a) < shrunk(b)) {
        blocks.push(a);
        break;
      }
      b = [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
    }
    blocks.push(b);
  }
  return {
    method: 'isotonic',
    fittedOn,
    score: blocks.map((b) => round4(b[0] / b[2])),
    probability: blocks.map((b) => round4(shrunk(b))),
  };
}

const round4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/**
 * The calibrated probability of a raw score: the table read with linear interpolation. Below the
 * lowest block the fit has seen nothing, so a score there is never lifted: it keeps the lower of
 * itself and the first block's probability (a weak site must not be carried over the reporting
 * threshold by a table that never saw its like).
 */
export function applyCalibration(t: CalibrationTable, raw: number): number {
  const { score, probability } = t;
  const n = score.length;
  if (n === 0) return raw;
  const s0 = at(score, 0);
  if (raw < s0) return Math.min(Math.max(0, raw), at(probability, 0));
  if (raw === s0) return at(probability, 0);
  if (raw >= at(score, n - 1)) return at(probability, n - 1);
  let k = 1;
  while (at(score, k) < raw) k++;
  const x0 = at(score, k - 1);
  const x1 = at(score, k);
  const y0 = at(probability, k - 1);
  const y1 = at(probability, k);
  return x1 === x0 ? y1 : y0 + ((raw - x0) / (x1 - x0)) * (y1 - y0);
}
