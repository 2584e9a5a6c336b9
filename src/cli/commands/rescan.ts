/**
 * `minewatch rescan --state <dir> [scan flags]`: the cron entry point (see src/run/rescan.ts).
 *
 * Exit codes: 0 done (with or without changes); 10 done and new candidates found, only with
 * --exit-new (for cron wrappers that alert); 2 bad input; 3 STAC API unavailable; 4 no baseline
 * items; 73 outputs cannot be written; 75 another run holds the state; 130/143 stopped by
 * SIGINT/SIGTERM (nothing written, state unchanged); 70 a bug.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadAoi } from '../../config/aoi-loader.js';
import { parseStacSource } from '../../config/stac-source.js';
import {
  OPEN_END,
  runRescan,
  RescanInterruptedError,
  type RescanAfterWindow,
  type RescanSummary,
} from '../../run/rescan.js';
import {
  aoiOption,
  outOption,
  parseInterval,
  partialOptions,
  partialReadOptions,
  readOptions,
  runnerOptions,
  stacOption,
  type PartialFlags,
  type RunnerFlags,
} from '../flags.js';
import { tileRunner } from './scan.js';
import { crashPoint } from '../../state/crash-point.js';
import { runDeadline, TIMEOUT_FLAG } from '../run-timeout.js';
import type { EventLog } from '../../types/event-log.js';
import { commandLogger, logOptions, type LogFlags } from '../logger.js';

export interface RescanFlags extends RunnerFlags, PartialFlags, LogFlags {
  state: string;
  stac: string;
  collection: string;
  aoi: string;
  before: string;
  after: string;
  lookback: number;
  maxCloud: number;
  concurrency: number;
  out: string;
  json?: boolean;
  exitNew?: boolean;
  /** `--timeout`, in milliseconds. */
  timeout?: number;
}

export const EXIT_NEW_CANDIDATES = 10;

function days(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 3650)
    throw new InvalidArgumentError('expected whole days from 0 to 3650');
  return Number(v);
}

/** `START/END`, where END may be `..` (open: up to now), as cron re-scans of a running season need. */
function openInterval(text: string, flag: string, now: Date): RescanAfterWindow {
  const [start, end] = text.split('/');
  if (end === OPEN_END && start) {
    return { start, end: OPEN_END, from: parseInterval(`${start}/${start}`, flag, now).span.start };
  }
  return parseInterval(text, flag, now);
}

/**
 * Aborts the run on SIGTERM/SIGINT; a second signal, or 30 s of shutdown, exits at once. Once the
 * run has completed (the state advanced), `completed()` leaves a handler that only logs: removing
 * it would let a signal during the process's teardown (worker threads exiting, files closing) kill
 * a run that already succeeded, and its caller would read a stop that did not happen.
 */
function stopOnSignals(
  controller: AbortController,
  log: EventLog,
): {
  which: () => 'SIGTERM' | 'SIGINT' | undefined;
  off: () => void;
  completed: (run: number) => void;
} {
  let received: 'SIGTERM' | 'SIGINT' | undefined;
  let completedRun: number | undefined;
  const handler = (sig: 'SIGTERM' | 'SIGINT'): void => {
    if (completedRun !== undefined) {
      log.warn({ signal: sig, run: completedRun, then: 'the run completed' }, 'Rescan:SignalTooLate');
      return;
    }
    if (received) process.exit(sig === 'SIGTERM' ? 143 : 130);
    received = sig;
    log.warn({ signal: sig, then: 'the state will not advance unless it already is' }, 'Rescan:Stopping');
    controller.abort(new RescanInterruptedError(sig));
    setTimeout(() => process.exit(sig === 'SIGTERM' ? 143 : 130), 30_000).unref();
  };
  const term = (): void => handler('SIGTERM');
  const int = (): void => handler('SIGINT');
  process.on('SIGTERM', term);
  process.on('SIGINT', int);
  return {
    which: () => received,
    off: () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
    },
    completed: (run) => {
      completedRun = run;
    },
  };
}

export async function rescanCommand(
  flags: RescanFlags,
  signal?: AbortSignal,
  log: EventLog = commandLogger(flags),
): Promise<RescanSummary> {
  const now = new Date();
  const before = parseInterval(flags.before, '--before', now);
  const after = openInterval(flags.after, '--after', now);
  const aoi = loadAoi(flags.aoi);
  const runner = await tileRunner(flags);
  try {
    return await runRescan({
      state: flags.state,
      stac: parseStacSource(flags.stac, '--stac'),
      collection: flags.collection,
      aoi,
      before,
      after,
      lookbackDays: flags.lookback,
      maxCloud: flags.maxCloud,
      concurrency: flags.concurrency,
      out: flags.out,
      json: !!flags.json,
      quiet: !!flags.quiet,
      events: log,
      now,
      ...(signal ? { signal } : {}),
      runner,
      ...partialOptions(flags),
    });
  } finally {
    await runner.close();
  }
}

export function registerRescan(program: Command): Command {
  const cmd = program
    .command('rescan')
    .description('Cron entry point: process only acquisitions not seen before and write what changed')
    .requiredOption(
      '--state <dir>',
      'state folder (ledger, candidate registry, cache, lock); created if missing',
    );
  stacOption(cmd).option('--collection <id>', 'STAC collection', 'sentinel-2-l2a');
  aoiOption(cmd, 'GeoJSON file, or a preset name')
    .requiredOption(
      '--before <start/end>',
      'ISO 8601 interval of the baseline season, e.g. 2020-12-01/2021-02-28',
    )
    .requiredOption('--after <start/end>', 'interval to watch; END may be .. (up to now), e.g. 2024-12-01/..')
    .option(
      '--lookback <days>',
      'days before the previous run searched again for late or reprocessed items',
      days,
      30,
    );
  outOption(readOptions(cmd))
    .option(
      '--exit-new',
      `exit ${EXIT_NEW_CANDIDATES} when new candidates were found (for alerting cron wrappers)`,
    )
    .option('--json', 'machine-readable summary on stdout');
  logOptions(cmd).option(...TIMEOUT_FLAG);
  return runnerOptions(partialReadOptions(cmd)).action(async (flags: RescanFlags) => {
    const log = commandLogger(flags);
    const controller = new AbortController();
    const signals = stopOnSignals(controller, log);
    const deadline = runDeadline(flags.timeout, controller);
    let s: RescanSummary;
    try {
      s = await rescanCommand(flags, controller.signal, log);
    } catch (err) {
      signals.off();
      const sig = signals.which();
      if (sig) throw new RescanInterruptedError(sig);
      if (deadline.expired()) throw deadline.error;
      throw err;
    } finally {
      deadline.clear();
    }
    signals.completed(s.run);
    crashPoint('rescan-completed');
    // The signal came while the state was advancing (past the last point that can stop): the run
    // is complete and published, so it reports success rather than a stop that did not happen.
    const late = signals.which();
    if (late) log.warn({ signal: late, run: s.run, then: 'the run completed' }, 'Rescan:SignalTooLate');
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'summary', ...s })}\n`);
    else
      process.stdout.write(
        `rescan: run ${s.run}: ${s.newItems} new acquisitions, ${s.tilesScanned} tiles re-composited; ` +
          `${s.changes.new} new, ${s.changes.grew} grew, ${s.changes.gone} gone; ${s.candidates} active candidates ` +
          `in ${s.seconds.toFixed(1)} s (${s.requests} requests, ${(s.bytes / 1e6).toFixed(1)} MB); outputs in ${s.out}\n`,
      );
    if (flags.exitNew && s.changes.new > 0) process.exitCode = EXIT_NEW_CANDIDATES;
  });
}
