/**
 * The flags the scanning commands share (scan, rescan and batch; demo and eval share only
 * --quiet/--verbose, from logger.ts), with their parsers and defaults, in one place: a default or
 * a message changed here changes on every command at once. Parsers validate at the edge and throw
 * InvalidInputError (exit 2) or commander's InvalidArgumentError, naming the flag.
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_MAX_CLOUD, parseDateWindow, type DateWindow } from '../catalog/filters.js';
import { InvalidInputError } from '../errors.js';
import { DEFAULT_MAX_LOST_SHARE } from '../run/completeness.js';
import { DEFAULT_QUEUE } from '../run/runners/redis-options.js';
import { jobSecretOptions, type JobSecretFlags } from './job-secret.js';

export const DEFAULT_STAC = 'https://earth-search.aws.element84.com/v1';
export const DEFAULT_AOI = 'kachin';
export const DEFAULT_OUT = 'out';
/** Requests in flight: eight per core, at least eight (most of a scan's time is waiting on HTTP). */
export const DEFAULT_CONCURRENCY = Math.max(8, availableParallelism() * 8);

/** The runner flags every scanning command takes. */
export interface RunnerFlags extends JobSecretFlags {
  runner?: string;
  redis?: string;
  queue?: string;
  redisTimeout?: number;
}

/** The partial-read flags of every command that scans. */
export interface PartialFlags {
  allowPartial?: boolean;
  /** Percent of items that may be lost to failures before the scan is refused. */
  maxLost?: number;
}

/** `start/end` (ISO dates or RFC 3339 date-times) -> a validated window. */
export function parseInterval(text: string, flag: string, now = new Date()): DateWindow {
  const parts = text.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new InvalidInputError(
      `${flag} ${JSON.stringify(text)} is not an interval START/END, e.g. 2020-12-01/2021-02-28`,
    );
  }
  const window = parseDateWindow(parts[0], parts[1], flag);
  if (window.span.start.getTime() > now.getTime()) {
    throw new InvalidInputError(`${flag} starts on ${parts[0]}, in the future: there is no imagery yet`);
  }
  return window;
}

export function positiveInt(max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max)
      throw new InvalidArgumentError(`expected an integer from 1 to ${max}`);
    return Number(v);
  };
}

export function percent(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('expected a percentage from 0 to 100');
  return n;
}

export function partialOptions(flags: PartialFlags): { allowPartial: boolean; maxLostShare: number } {
  return {
    allowPartial: !!flags.allowPartial,
    maxLostShare: (flags.maxLost ?? DEFAULT_MAX_LOST_SHARE * 100) / 100,
  };
}

/** The partial-read rule's flags, on every command that scans. */
export function partialReadOptions(cmd: Command): Command {
  return cmd
    .option(
      '--allow-partial',
      'publish outputs even when some items or windows could not be read (they say what is missing)',
    )
    .option(
      '--max-lost <pct>',
      `refuse a scan (exit 5) that lost more than this share of its items to read failures`,
      percent,
      DEFAULT_MAX_LOST_SHARE * 100,
    );
}

/** The runner flags, on every command that scans. */
export function runnerOptions(cmd: Command): Command {
  const withRunner = cmd
    .option('--runner <local|bullmq>', 'where tiles are processed: this process, or BullMQ workers', 'local')
    .option('--redis <url>', 'Redis URL for --runner bullmq, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'BullMQ queue name for --runner bullmq', DEFAULT_QUEUE)
    .option(
      '--redis-timeout <s>',
      'seconds Redis may stay unreachable before the scan fails (--runner bullmq)',
      positiveInt(86_400),
      30,
    );
  return jobSecretOptions(withRunner);
}

/** `--stac`: a STAC API root or a local catalogue file. */
export function stacOption(cmd: Command): Command {
  return cmd.option(
    '--stac <url|path>',
    'STAC API root, or a local STAC ItemCollection / static catalog JSON',
    DEFAULT_STAC,
  );
}

/** `--aoi`; `help` words it for the command. */
export function aoiOption(cmd: Command, help: string): Command {
  return cmd.option('--aoi <path|preset>', help, DEFAULT_AOI);
}

/** `--max-cloud` and `--concurrency`: how much is read, and how fast. */
export function readOptions(cmd: Command): Command {
  return cmd
    .option('--max-cloud <pct>', 'skip items with eo:cloud_cover above this', percent, DEFAULT_MAX_CLOUD)
    .option('--concurrency <n>', 'in-flight requests', positiveInt(256), DEFAULT_CONCURRENCY);
}

/** `--out`, replaced atomically. */
export function outOption(cmd: Command): Command {
  return cmd.option(
    '--out <dir>',
    'output folder (created; existing outputs replaced atomically)',
    DEFAULT_OUT,
  );
}
