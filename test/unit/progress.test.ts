import { describe, expect, it } from 'vitest';
import { ProgressReporter, formatDuration, type ProgressOptions } from '../../src/run/progress.js';

/** A stream that records writes, and a clock the test moves by hand. */
function harness(options: Partial<ProgressOptions> & { tty?: boolean } = {}) {
  const err: string[] = [];
  const out: string[] = [];
  let t = 1000;
  const reporter = new ProgressReporter({
    total: 100,
    label: 'blocks',
    stderr: { write: (s: string) => err.push(s), isTTY: options.tty ?? false },
    stdout: { write: (s: string) => out.push(s) },
    now: () => t,
    ...options,
  });
  return { reporter, err, out, advance: (ms: number) => void (t += ms) };
}

describe('ProgressReporter', () => {
  it('picks the mode from the flags and the stream', () => {
    expect(harness({ tty: true }).reporter.mode).toBe('tty');
    expect(harness({ tty: false }).reporter.mode).toBe('lines');
    expect(harness({ tty: true, json: true }).reporter.mode).toBe('json');
    expect(harness({ tty: true, json: true, silent: true }).reporter.mode).toBe('silent');
  });

  it('redraws one line in place on a TTY, throttled, with rate and ETA', () => {
    const { reporter, err, advance } = harness({ tty: true });
    reporter.tick(); // no time has passed: no redraw yet
    expect(err).toEqual([]);
    advance(2000);
    reporter.tick(9); // 10 done in 2 s: 5/s, 90 left: 18 s
    expect(err).toEqual(['\rblocks 10/100 (10%) · 5.0 blocks/s · ETA 18s\x1b[K']);
    advance(50);
    reporter.tick(); // within 100 ms of the last redraw
    expect(err).toHaveLength(1);
    advance(17_950); // 20 s in total
    reporter.tick(89);
    expect(err.slice(1)).toEqual(['\rblocks 100/100 (100%) · 5.0 blocks/s · took 20s\x1b[K', '\n']);
  });

  it('writes a line every interval off a TTY, and one at the end', () => {
    const { reporter, err, advance } = harness({ intervalMs: 10_000 });
    for (let i = 0; i < 30; i++) {
      advance(1000);
      reporter.tick();
    }
    expect(err).toEqual([
      'blocks 10/100 (10%) · 1.0 blocks/s · ETA 1m30s\n',
      'blocks 20/100 (20%) · 1.0 blocks/s · ETA 1m20s\n',
      'blocks 30/100 (30%) · 1.0 blocks/s · ETA 1m10s\n',
    ]);
    reporter.finish();
    reporter.finish(); // idempotent
    expect(err.slice(3)).toEqual(['blocks 30/100 (30%) · 1.0 blocks/s · took 30s\n']);
  });

  it('emits newline-delimited JSON progress events on stdout in --json mode', () => {
    const { reporter, out, err, advance } = harness({ json: true, total: 4 });
    advance(1000);
    reporter.tick();
    advance(1000);
    reporter.tick(3);
    expect(err).toEqual([]);
    expect(out.every((line) => line.endsWith('\n'))).toBe(true);
    const events = out.map((line): unknown => JSON.parse(line));
    expect(events).toEqual([
      { event: 'progress', label: 'blocks', done: 1, total: 4, elapsed_s: 1, rate: 1, eta_s: 3 },
      { event: 'progress', label: 'blocks', done: 4, total: 4, elapsed_s: 2, rate: 2, eta_s: 0 },
    ]);
  });

  it('writes nothing when silent but still counts', () => {
    const { reporter, err, out, advance } = harness({ silent: true });
    advance(5000);
    reporter.tick(100);
    expect([...err, ...out]).toEqual([]);
    expect(reporter.snapshot()).toMatchObject({ done: 100, total: 100, rate: 20 });
  });

  it('has no rate or ETA before the first unit', () => {
    const { reporter } = harness();
    expect(reporter.snapshot()).toMatchObject({ done: 0, rate: null, eta_s: null });
  });

  it('formats durations for people', () => {
    expect(formatDuration(null)).toBe('?');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(61)).toBe('1m01s');
    expect(formatDuration(3 * 3600 + 5 * 60 + 9)).toBe('3h05m');
  });
});
