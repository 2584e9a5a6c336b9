/**
 * Deterministic crash points for the kill -9 tests: when $MW_CRASH_AT names a point, the process
 * SIGKILLs itself there, exactly as an OOM killer or a power cut would stop it (no handlers run,
 * nothing is flushed). Unset, as in every real run, this is a no-op. Timed kills from outside
 * cover the points in between.
 */
export type CrashPoint =
  'after-search' | 'after-scan' | 'after-outputs' | 'in-commit' | 'batch-window-written';

export function crashPoint(name: CrashPoint): void {
  if (process.env.MW_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
