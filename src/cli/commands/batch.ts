/**
 * `minewatch batch <pipeline.yaml>`: runs a pipeline spec (src/batch/spec.ts documents the
 * fields; pipelines/ has examples). Exit codes as for scan: 0 done, 2 bad spec, 3 STAC API
 * unavailable, 5 a window's scan read too little (no usable pixels, or too many items lost;
 * `--allow-partial` publishes anyway), 73 outputs cannot be written, 70 a bug. A window without
 * imagery in the catalogue is reported, not an error.
 */
import { Command } from 'commander';
import { runBatch, type BatchSummary } from '../../batch/run-batch.js';
import { loadPipelineSpec } from '../../batch/spec.js';
import { presetNames } from '../../config/aoi-loader.js';
import {
  partialOptions,
  partialReadOptions,
  runnerOptions,
  type PartialFlags,
  type RunnerFlags,
} from '../flags.js';
import { tileRunner } from './scan.js';
import { runDeadline, TIMEOUT_FLAG, withDeadline } from '../run-timeout.js';
import { commandLogger, logOptions, type LogFlags } from '../logger.js';

interface BatchFlags extends RunnerFlags, PartialFlags, LogFlags {
  out?: string;
  json?: boolean;
  /** `--timeout`, in milliseconds. */
  timeout?: number;
}

export async function batchCommand(file: string, flags: BatchFlags): Promise<BatchSummary> {
  const spec = loadPipelineSpec(file, presetNames());
  const runner = await tileRunner(flags);
  const deadline = runDeadline(flags.timeout);
  try {
    return await withDeadline(deadline, () =>
      runBatch(spec, {
        json: !!flags.json,
        quiet: !!flags.quiet,
        events: commandLogger(flags),
        ...(flags.out !== undefined ? { out: flags.out } : {}),
        runner,
        signal: deadline.signal,
        ...partialOptions(flags),
      }),
    );
  } finally {
    await runner.close();
  }
}

export function registerBatch(program: Command): Command {
  const cmd = program
    .command('batch')
    .description(
      'Run a pipeline spec: several windows against one baseline, sites with first_seen and history',
    )
    .argument('<pipeline.yaml>', 'pipeline spec (see pipelines/)')
    .option('--out <dir>', "output folder (default: the spec's `out`)")
    .option('--json', 'machine-readable summary on stdout');
  logOptions(cmd).option(...TIMEOUT_FLAG);
  return runnerOptions(partialReadOptions(cmd)).action(async (file: string, flags: BatchFlags) => {
    const s = await batchCommand(file, flags);
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'summary', ...s })}\n`);
    else {
      const per = s.windows
        .map(
          (w) =>
            `${w.id}: ${w.imagery ? `${w.candidates} candidates${w.reused ? ' (reused)' : ''}` : 'no imagery'}`,
        )
        .join('; ');
      process.stdout.write(
        `batch: ${s.sites} sites (${per}) in ${s.seconds.toFixed(1)} s; outputs in ${s.out}\n`,
      );
    }
  });
}
