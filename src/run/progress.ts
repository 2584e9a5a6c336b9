/**
 * Progress of long work (blocks decoded, items scanned), in the form the reader can use:
 * - tty:    one line on stderr redrawn in place (`\r`), at most every 100 ms;
 * - lines:  stderr is a log file or pipe: one line every intervalMs (default 10 s) and at the end;
 * - json:   `--json`: newline-delimited `{"event":"progress",...}` on stdout, every intervalMs
 *           (default 1 s) and at the end, next to the scan's other JSON events;
 * - silent: tests and library use.
 * Updates come from tick(), so nothing is printed between ticks: no timer keeps the process alive.
 * A hand-written reporter rather than cli-progress: ~100 lines, and it also covers the non-TTY and
 * JSON modes cli-progress does not, with an injectable clock and stream for tests.
 */

export type ProgressMode = 'tty' | 'lines' | 'json' | 'silent';

export interface ProgressSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  total: number;
  /** What is counted, e.g. "blocks". */
  label?: string;
  /** Forces a mode; otherwise silent > json > tty (if stderr is a TTY) > lines. */
  mode?: ProgressMode;
  json?: boolean;
  silent?: boolean;
  stderr?: ProgressSink;
  stdout?: ProgressSink;
  /** Milliseconds on a monotonic clock. */
  now?: () => number;
  /** Minimum gap between lines or JSON events. */
  intervalMs?: number;
}

export interface ProgressEvent {
  event: 'progress';
  label: string;
  done: number;
  total: number;
  elapsed_s: number;
  /** Units per second since the start; null before the first unit. */
  rate: number | null;
  eta_s: number | null;
}

const TTY_REDRAW_MS = 100;

export class ProgressReporter {
  readonly mode: ProgressMode;
  private done = 0;
  private total: number;
  private readonly label: string;
  private readonly out: ProgressSink;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly start: number;
  private lastShown: number;
  private finished = false;

  constructor(options: ProgressOptions) {
    const stderr = options.stderr ?? process.stderr;
    this.mode =
      options.mode ??
      (options.silent ? 'silent' : options.json ? 'json' : stderr.isTTY === true ? 'tty' : 'lines');
    this.out = this.mode === 'json' ? (options.stdout ?? process.stdout) : stderr;
    this.total = options.total;
    this.label = options.label ?? 'tasks';
    this.now = options.now ?? (() => performance.now());
    this.intervalMs =
      this.mode === 'tty' ? TTY_REDRAW_MS : (options.intervalMs ?? (this.mode === 'json' ? 1000 : 10_000));
    this.start = this.now();
    this.lastShown = this.start;
  }

  /** Counts n more units finished (done, failed or skipped: all are progress). */
  tick(n = 1): void {
    this.done += n;
    if (this.finished) return;
    if (this.done >= this.total) return this.finish();
    if (this.now() - this.lastShown >= this.intervalMs) this.show();
  }

  /** Revises the total (a plan that grows); call it before the ticks reach the old total, which
   * finishes the reporter. */
  setTotal(total: number): void {
    this.total = total;
  }

  /** Prints the final state once; later calls do nothing. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.show();
    if (this.mode === 'tty') this.out.write('\n');
  }

  snapshot(): ProgressEvent {
    const elapsed = (this.now() - this.start) / 1000;
    const rate = this.done > 0 && elapsed > 0 ? this.done / elapsed : null;
    const eta = rate === null ? null : Math.max(0, this.total - this.done) / rate;
    return {
      event: 'progress',
      label: this.label,
      done: this.done,
      total: this.total,
      elapsed_s: round(elapsed, 1),
      rate: rate === null ? null : round(rate, 2),
      eta_s: eta === null ? null : round(eta, 1),
    };
  }

  private show(): void {
    this.lastShown = this.now();
    const s = this.snapshot();
    if (this.mode === 'silent') return;
    if (this.mode === 'json') return void this.out.write(`${JSON.stringify(s)}\n`);
    const pct = s.total > 0 ? Math.floor((100 * s.done) / s.total) : 100;
    const rate = s.rate === null ? '' : ` · ${formatRate(s.rate)} ${s.label}/s`;
    const tail = this.finished
      ? ` · took ${formatDuration(s.elapsed_s)}`
      : ` · ETA ${formatDuration(s.eta_s)}`;
    const line = `${s.label} ${s.done}/${s.total} (${pct}%)${rate}${tail}`;
    // \x1b[K clears what a longer previous line left behind.
    this.out.write(this.mode === 'tty' ? `\r${line}\x1b[K` : `${line}\n`);
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function formatRate(rate: number): string {
  return rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
