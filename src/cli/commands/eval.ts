/** `minewatch eval`: scan synthetic worlds of several seeds and score against their truth. */
import { Command, InvalidArgumentError } from 'commander';
import { formatEval, runEval } from '../../eval/run-eval.js';

function seeds(v: string): number[] {
  const list = v.split(',').map((s) => s.trim());
  if (list.length === 0 || list.some((s) => !/^\d{1,9}$/.test(s)))
    throw new InvalidArgumentError('expected a comma-separated list of seeds, e.g. 1,2,3');
  return list.map(Number);
}

export function registerEval(program: Command): Command {
  return program
    .command('eval')
    .description(
      'Generate synthetic worlds, scan them through the local STAC API and report precision, recall and F1',
    )
    .option('--seeds <list>', 'world seeds', seeds, [101, 202, 303, 404, 505])
    .option('--preset <name>', 'world preset: demo or small', 'demo')
    .option('--work <dir>', 'where worlds and scans are kept', '.cache/eval')
    .action(async (o: { seeds: number[]; preset: string; work: string }) => {
      if (o.preset !== 'demo' && o.preset !== 'small')
        throw new InvalidArgumentError('--preset must be demo or small');
      const s = await runEval({
        seeds: o.seeds,
        preset: o.preset,
        workDir: o.work,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      process.stdout.write(`${formatEval(s)}\n`);
    });
}
