/**
 * The one logger of the CLI: pino, writing JSON lines to stderr (one event a line, `Noun:Verb`
 * in `msg`, the facts as fields), pretty-printed when stderr is a terminal. Progress and warnings
 * go here; the final one-line reason of a failure does not: main.ts prints it as plain text, as
 * the CLI contract says, so scripts can show it as is.
 *
 * `--quiet` keeps warnings and errors (a signal that came too late, items lost: what `--quiet` has
 * always printed), `--verbose` adds debug events. Under vitest a logger made in the
 * test's own process is silent unless a test hands in a stream; the built CLI run as a child logs
 * as it would for a user (main.ts calls logToStderr()).
 */
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger };

export interface LogFlags {
  quiet?: boolean;
  verbose?: boolean;
}

let toStderr = process.env['VITEST'] === undefined;

/** The CLI's entry point is running: log to stderr even under a test runner's environment. */
export function logToStderr(): void {
  toStderr = true;
}

/** `--quiet` wins over `--verbose`: a cron job that asked for silence gets it. */
export function logLevel(flags: LogFlags): Level {
  if (flags.quiet) return 'warn';
  if (flags.verbose) return 'debug';
  return 'info';
}

/** Synchronous writes: a line logged before process.exit() or the final error line is not lost. */
function stderrStream(): DestinationStream {
  if (process.stderr.isTTY) {
    // Loaded only for a terminal: it costs every other start some 20 ms (pino-pretty is CommonJS,
    // so require() loads it synchronously).
    const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return PinoPretty({
      destination: 2,
      sync: true,
      colorize: true,
      ignore: 'pid,hostname',
      translateTime: 'SYS:HH:MM:ss',
    });
  }
  return pino.destination({ fd: 2, sync: true });
}

/** A logger at the level the flags ask for; `stream` (tests) replaces stderr. */
export function createLogger(flags: LogFlags = {}, stream?: DestinationStream): Logger {
  const silent = stream === undefined && !toStderr;
  return pino(
    {
      level: silent ? 'silent' : logLevel(flags),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: the lines are read by people and by `jq`, not only by pino.
      formatters: { level: (label) => ({ level: label }) },
    },
    stream ?? stderrStream(),
  );
}

/** The logger of a command with `--json`: its progress is then on stdout, so stderr is as `--quiet`. */
export function commandLogger(flags: LogFlags & { json?: boolean }): Logger {
  return createLogger({ quiet: !!flags.quiet || !!flags.json, verbose: !!flags.verbose });
}

/** `--quiet` and `--verbose`, worded the same on every command that has them. */
export function logOptions(cmd: Command): Command {
  return cmd
    .option('--quiet', 'no progress on stderr: warnings and errors only')
    .option('--verbose', 'debug events on stderr as well as progress');
}
