/**
 * Deterministic crash points for the kill -9 tests: when $MW_CRASH_AT names a point, the process
 * SIGKILLs itself there, exactly as an OOM killer or a power cut would stop it (no handlers run,
 * nothing is flushed). $MW_CRASH_SIGNAL=SIGTERM sends a SIGTERM there instead, as a service
 * manager stopping the run would. Unset, as in every real run, this is a no-op. Timed kills from
 * outside cover the points in between.
 */
export type CrashPoint =
  'after-search' | 'after-scan' | 'after-outputs' | 'in-commit' | 'rescan-completed' | 'batch-window-written';

export function crashPoint(name: CrashPoint): void {
  if (process.env.MW_CRASH_AT !== name) return;
  process.kill(process.pid, process.env.MW_CRASH_SIGNAL === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL');
}
