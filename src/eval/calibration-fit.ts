/**
 * `minewatch fit-calibration`: fit the isotonic calibration of the raw site score
 * (detect/calibration.ts) on the labelled candidates of a TUNING-split eval
 * (.cache/eval/report-tuning/candidates.jsonl, written by `make eval-tuning`), and write the
 * module detect/calibration-table.ts commits. Never fit on the validation split: `make eval`
 * checks the table there, out of sample.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fitIsotonic, type CalibrationTable, type Labelled } from '../detect/calibration.js';
import { MinewatchError } from '../errors.js';

/**
 * The (raw score, correct) pairs of a candidates.jsonl; every line must carry both. Every scored
 * site is fitted on, reported or not (a table fitted only on reported sites knows nothing of the
 * scores below the threshold and would lift them over it); sites without corroboration are
 * left out: their confidence is a cap (confidence.ts), never calibrated.
 */
export function labelledFromJsonl(
  text: string,
  source: string,
): { samples: Labelled[]; splits: Set<string>; seeds: Set<number> } {
  const samples: Labelled[] = [];
  const splits = new Set<string>();
  const seeds = new Set<number>();
  text.split('\n').forEach((line, k) => {
    if (line.trim() === '') return;
    let row: {
      split?: unknown;
      seed?: unknown;
      correct?: unknown;
      corroboration?: unknown;
      features?: Record<string, unknown>;
    };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      throw new MinewatchError(`${source}:${k + 1}: not JSON`);
    }
    const score = row.features?.['score_uncalibrated'];
    if (typeof score !== 'number' || typeof row.correct !== 'boolean')
      throw new MinewatchError(
        `${source}:${k + 1}: needs features.score_uncalibrated (number) and correct (boolean)`,
      );
    if (row.corroboration === 'none') return;
    samples.push({ score, truth: row.correct });
    if (typeof row.split === 'string') splits.add(row.split);
    if (typeof row.seed === 'number') seeds.add(row.seed);
  });
  return { samples, splits, seeds };
}

export function fitCalibrationFile(file: string): { table: CalibrationTable; samples: Labelled[] } {
  const { samples, splits, seeds } = labelledFromJsonl(readFileSync(file, 'utf8'), file);
  if (splits.has('validation'))
    throw new MinewatchError(`${file}: holds validation-split candidates; fit on the tuning split only`);
  if (samples.length === 0) throw new MinewatchError(`${file}: no candidates to fit on`);
  const positives = samples.filter((s) => s.truth).length;
  const seedList = [...seeds].sort((a, b) => a - b);
  const range = seedList.length ? `${seedList[0]}-${seedList[seedList.length - 1]}` : 'unknown';
  const fittedOn = `${samples.length} scored sites (${positives} true) of ${[...splits].join(',') || 'unlabelled'} seeds ${range}`;
  return { table: fitIsotonic(samples, fittedOn), samples };
}

/** The table as the TypeScript module detect/calibration-table.ts. */
export function calibrationModule(t: CalibrationTable): string {
  return `/**
 * The committed calibration of confidence.ts (calibration.ts explains the method). Written by
 * \`minewatch fit-calibration\`; do not edit by hand. undefined would mean "not fitted".
 */
import type { CalibrationTable } from './calibration.js';

export const CALIBRATION: CalibrationTable | undefined = {
  method: 'isotonic',
  fittedOn: ${JSON.stringify(t.fittedOn)},
  score: [${t.score.join(', ')}],
  probability: [${t.probability.join(', ')}],
};
`;
}

export function writeCalibrationModule(file: string, t: CalibrationTable): void {
  writeFileSync(file, calibrationModule(t));
}
