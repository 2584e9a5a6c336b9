/**
 * The worlds `make eval` scores. Validation seeds are for measuring only: never look at their
 * per-candidate output while choosing thresholds, features or calibration; fit and tune on the
 * tuning seeds (`make eval-tuning`). Both lists are fixed so figures stay comparable over time;
 * a seed's area follows seed % 3 (evalWorldConfig), so each list covers the three hotspots.
 */
export const VALIDATION_SEEDS: readonly number[] = [
  7001, 7002, 7003, 7004, 7005, 7006, 7007, 7008, 7009, 7010, 7011, 7012, 7013, 7014, 7015, 7016, 7017, 7018,
  7019, 7020,
];

export const TUNING_SEEDS: readonly number[] = [
  5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009, 5010, 5011, 5012, 5013, 5014, 5015, 5016, 5017, 5018,
  5019, 5020,
];

export type EvalSplit = 'validation' | 'tuning';

export function seedsOf(split: EvalSplit): readonly number[] {
  return split === 'validation' ? VALIDATION_SEEDS : TUNING_SEEDS;
}
