/**
 * `--timeout <duration>` for a whole run (scan, rescan, batch), as coreutils `timeout` has it: a
 * number with an optional unit (s, m, h, d; seconds without one). On expiry the run's signal is
 * aborted with a RunTimeoutError (exit 124): every request, queue and pool stops, nothing is
 * published and previous outputs stay as they were. A run that does not settle within a grace
 * period after that (a busy worker, a request that ignores its signal) is ended with the same line.
 */
import { InvalidArgumentError } from 'commander';
import { EXIT_CODES, RunTimeoutError } from '../errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** How long an aborted run may take to unwind before the process exits anyway. */
export const TIMEOUT_GRACE_MS = 15_000;

/** `90`, `90s`, `15m`, `1.5h`, `2d` -> milliseconds; commander's argument parser. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] || 's'] ?? 1000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 2_147_483_647) {
    throw new InvalidArgumentError('expected a duration such as 90s, 15m or 2h (up to 24 days)');
  }
  return Math.round(ms);
}

export interface RunDeadline {
  /** Aborted with the RunTimeoutError at expiry (or by whoever else owns the controller). */
  signal: AbortSignal;
  expired(): boolean;
  /** The error the run ends with once expired. */
  error: RunTimeoutError;
  /** Stops the timer and the grace exit; call when the run has settled. */
  clear(): void;
}

/** Starts the deadline; without `ms` it never expires. `controller` is aborted at expiry. */
export function runDeadline(
  ms: number | undefined,
  controller: AbortController = new AbortController(),
): RunDeadline {
  const error = new RunTimeoutError(
    `stopped by --timeout ${(ms ?? 0) / 1000}s: the run did not finish in time; nothing written, previous outputs and state unchanged`,
  );
  let expired = false;
  let grace: NodeJS.Timeout | undefined;
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => {
          expired = true;
          controller.abort(error);
          grace = setTimeout(() => {
            process.stderr.write(`minewatch: ${error.message}\n`);
            process.exit(EXIT_CODES.timedOut);
          }, TIMEOUT_GRACE_MS);
          grace.unref();
        }, ms);
  return {
    signal: controller.signal,
    expired: () => expired,
    error,
    clear: () => {
      clearTimeout(timer);
      clearTimeout(grace);
    },
  };
}

/** Runs `run` under the deadline: whatever it fails with after expiry, the run ends with exit 124. */
export async function withDeadline<T>(deadline: RunDeadline, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (deadline.expired()) throw deadline.error;
    throw err;
  } finally {
    deadline.clear();
  }
}

/** The `--timeout` flag, on every command that runs a scan. */
export const TIMEOUT_FLAG = [
  '--timeout <duration>',
  'stop the whole run after this long (90s, 15m, 2h; seconds without a unit) and exit 124, writing nothing',
  parseDuration,
] as const;
