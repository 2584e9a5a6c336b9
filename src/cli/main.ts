#!/usr/bin/env node
/**
 * The `minewatch` binary: parse, dispatch, map errors to exit codes. Handlers live in
 * ./commands, one file per subcommand, and are tested by calling them directly.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_CODES, MinewatchError } from '../errors.js';
import { installProxyFromEnv } from '../io/proxy.js';
import { exitCodesHelp } from './exit-codes.js';
import { logToStderr } from './logger.js';
import { registerBatch } from './commands/batch.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerFitCalibration } from './commands/fit-calibration.js';
import { registerFixtures } from './commands/fixtures.js';
import { registerRescan } from './commands/rescan.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerServeCatalog } from './commands/serve-catalog.js';
import { registerScheduleRescan } from './commands/schedule-rescan.js';
import { registerWorker } from './commands/worker.js';
import { softwareVersion } from '../run/version.js';

export function buildProgram(): Command {
  const program = new Command('minewatch')
    .description('Evidence of rare-earth mining in Kachin state, Myanmar, from public Sentinel-2 L2A imagery')
    .version(softwareVersion())
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', exitCodesHelp());
  registerScan(program);
  registerRescan(program);
  registerBatch(program);
  registerDemo(program);
  registerFixtures(program);
  registerEval(program);
  registerFitCalibration(program);
  registerServeCatalog(program);
  registerServe(program);
  registerWorker(program);
  registerScheduleRescan(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  logToStderr();
  try {
    // Before any request: HTTPS_PROXY, HTTP_PROXY and NO_PROXY, as curl reads them.
    installProxyFromEnv();
    await buildProgram().parseAsync(argv);
    // A command may set a non-zero success code (rescan --exit-new).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its message (help, version, or a usage error).
      return err.exitCode === 0 ? 0 : 2;
    }
    // Exit 70 is a bug whatever its class (InternalError, a task that threw in a worker): its stack
    // is what a report needs.
    if (err instanceof MinewatchError && err.exitCode !== EXIT_CODES.internal) {
      process.stderr.write(`minewatch: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `minewatch: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_CODES.internal;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`minewatch: ${String(err)}\n`);
    process.exitCode = EXIT_CODES.internal;
  },
);
