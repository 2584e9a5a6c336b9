/** `minewatch eval`: scan synthetic worlds of several seeds and score against their truth. */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { formatEval, runEval, type EvalPreset } from '../../eval/run-eval.js';
import { seedsOf } from '../../eval/seeds.js';
import { createLogger, logOptions, type LogFlags } from '../logger.js';

function seeds(v: string): number[] {
  const list = v.split(',').map((s) => s.trim());
  if (list.length === 0 || list.some((s) => !/^\d{1,9}$/.test(s)))
    throw new InvalidArgumentError('expected a comma-separated list of seeds, e.g. 1,2,3');
  return list.map(Number);
}

const PRESETS: readonly EvalPreset[] = ['eval', 'demo', 'small'];

interface EvalFlags extends LogFlags {
  split: string;
  seeds?: number[];
  preset: string;
  work: string;
  report?: string;
}

export function registerEval(program: Command): Command {
  const cmd = program
    .command('eval')
    .description(
      'Generate randomised synthetic worlds, scan them through the local STAC API and report precision, recall, F1 and calibration',
    )
    .option(
      '--split <name>',
      'fixed seed list: validation (measure only) or tuning (fit and tune)',
      'validation',
    )
    .option('--seeds <list>', 'score these seeds instead of a split (reported as split "custom")', seeds)
    .option('--preset <name>', 'world preset: eval (randomised, default), demo or small', 'eval')
    .option('--work <dir>', 'where worlds and scans are kept', '.cache/eval')
    .option('--report <dir>', 'where the report goes (default <work>/report-<split>)');
  return logOptions(cmd).action(async (o: EvalFlags) => {
    if (!(PRESETS as readonly string[]).includes(o.preset))
      throw new InvalidArgumentError(`--preset must be one of ${PRESETS.join(', ')}`);
    if (o.split !== 'validation' && o.split !== 'tuning')
      throw new InvalidArgumentError('--split must be validation or tuning');
    const split = o.seeds ? 'custom' : o.split;
    const list = o.seeds ?? seedsOf(o.split);
    const reportDir = o.report ?? path.join(o.work, `report-${split}`);
    const s = await runEval({
      seeds: list,
      split,
      preset: o.preset as EvalPreset,
      workDir: o.work,
      reportDir,
      log: createLogger(o),
    });
    process.stdout.write(`${formatEval(s)}\n\nReport, reliability plot and candidates.jsonl: ${reportDir}\n`);
  });
}
