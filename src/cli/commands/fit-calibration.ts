/** `minewatch fit-calibration`: fit confidence's isotonic calibration on tuning-split candidates. */
import { Command } from 'commander';
import { fitCalibrationFile, writeCalibrationModule } from '../../eval/calibration-fit.js';

export function registerFitCalibration(program: Command): Command {
  return program
    .command('fit-calibration')
    .description('Fit the isotonic confidence calibration on labelled tuning candidates and write its table')
    .option(
      '--from <file>',
      'labelled candidates of `make eval-tuning`',
      '.cache/eval/report-tuning/candidates.jsonl',
    )
    .option('--out <file>', 'the table module to write', 'src/detect/calibration-table.ts')
    .action((o: { from: string; out: string }) => {
      const { table, samples } = fitCalibrationFile(o.from);
      writeCalibrationModule(o.out, table);
      process.stdout.write(
        `fit-calibration: ${samples.length} scored sites -> ${table.score.length} isotonic blocks, written to ${o.out}\n` +
          table.score
            .map((s, k) => `  raw ${s.toFixed(3)} -> ${table.probability[k]?.toFixed(3)}`)
            .join('\n') +
          '\n',
      );
    });
}
