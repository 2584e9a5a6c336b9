/**
 * `minewatch fit-calibration`: scan tuning-seed worlds with no reporting threshold, label every
 * candidate against the world's truth, and fit the isotonic calibration of the raw site score
 * (detect/calibration.ts) that detect/calibration-table.ts commits. The seeds given here must
 * not be `make eval`'s validation seeds: the table is checked there, out of sample.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { fitIsotonic, type CalibrationTable, type Labelled } from '../detect/calibration.js';
import { DEFAULT_PARAMS } from '../detect/params.js';
import { matchSites, truthFromGeoJson } from './match.js';
import { runEval, type EvalOptions } from './run-eval.js';

type Geom = Polygon | MultiPolygon;
type Fc = { features: Feature<Geom, Record<string, unknown>>[] };

/** Labelled raw scores of one scanned world: its candidates.geojson against its truth.geojson. */
export function labelledCandidates(candidates: Fc, truth: Fc, seed: number): Labelled[] {
  const cands = candidates.features
    // Uncorroborated sites are capped by rule, below 0.5 whatever the table says: not fitted.
    .filter((f) => f.properties['corroboration'] !== 'none')
    .map((f) => ({
      id: `${seed}/${String(f.properties['id'])}`,
      confidence: Number(f.properties['score_uncalibrated']),
      pondCount: Number(f.properties['pond_count']),
      geometry: f.geometry,
    }));
  const matched = new Set(
    matchSites(cands, truthFromGeoJson(truth.features)).matches.map((m) => m.candidate),
  );
  return cands.map((c) => ({ score: c.confidence, truth: matched.has(c.id) }));
}

export async function fitCalibration(
  opts: Omit<EvalOptions, 'params'>,
): Promise<{ table: CalibrationTable; samples: Labelled[] }> {
  await runEval({ ...opts, params: { ...DEFAULT_PARAMS, minConfidence: 0 } });
  const samples: Labelled[] = [];
  for (const seed of opts.seeds) {
    const read = (rel: string): Fc => JSON.parse(readFileSync(path.join(opts.workDir, rel), 'utf8')) as Fc;
    samples.push(
      ...labelledCandidates(
        read(`scan-${opts.preset}-${seed}/candidates.geojson`),
        read(`world-${opts.preset}-${seed}/truth.geojson`),
        seed,
      ),
    );
  }
  const positives = samples.filter((s) => s.truth).length;
  const fittedOn = `${samples.length} candidates (${positives} true) of ${opts.preset} worlds, tuning seeds ${opts.seeds.join(',')}`;
  return { table: fitIsotonic(samples, fittedOn), samples };
}

/** The table as the TypeScript module detect/calibration-table.ts (prettier-clean). */
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
