/** `minewatch fit-calibration`: fit confidence's isotonic calibration on tuning-seed worlds. */
import { Command, InvalidArgumentError } from 'commander';
import { fitCalibration, writeCalibrationModule } from '../../eval/calibration-fit.js';

function seeds(v: string): number[] {
  const list = v.split(',').map((s) => s.trim());
  if (list.length === 0 || list.some((s) => !/^\d{1,9}$/.test(s)))
    throw new InvalidArgumentError('expected a comma-separated list of seeds, e.g. 1,2,3');
  return list.map(Number);
}

export function registerFitCalibration(program: Command): Command {
  return program
    .command('fit-calibration')
    .description(
      'Scan tuning-seed worlds with no threshold, label candidates against truth and write the isotonic calibration table',
    )
    .requiredOption('--seeds <list>', 'tuning world seeds (never the validation seeds of make eval)', seeds)
    .option('--preset <name>', 'world preset: demo or small', 'demo')
    .option('--work <dir>', 'where worlds and scans are kept', '.cache/calibration')
    .option('--out <file>', 'the table module to write', 'src/detect/calibration-table.ts')
    .action(async (o: { seeds: number[]; preset: string; work: string; out: string }) => {
      if (o.preset !== 'demo' && o.preset !== 'small')
        throw new InvalidArgumentError('--preset must be demo or small');
      const { table, samples } = await fitCalibration({
        seeds: o.seeds,
        preset: o.preset,
        workDir: o.work,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      writeCalibrationModule(o.out, table);
      process.stdout.write(
        `fit-calibration: ${samples.length} candidates -> ${table.score.length} isotonic blocks, written to ${o.out}\n` +
          table.score
            .map((s, k) => `  raw ${s.toFixed(3)} -> ${table.probability[k]?.toFixed(3)}`)
            .join('\n') +
          '\n',
      );
    });
}
