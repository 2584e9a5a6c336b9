/**
 * The committed calibration of confidence.ts (calibration.ts explains the method). Written by
 * `minewatch fit-calibration`; undefined means "not fitted": confidence is the raw score.
 */
import type { CalibrationTable } from './calibration.js';

export const CALIBRATION: CalibrationTable | undefined = undefined;
