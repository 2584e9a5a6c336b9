import { describe, expect, it } from 'vitest';
import { parseDuration, runDeadline, withDeadline } from '../../src/cli/run-timeout.js';
import { RunTimeoutError } from '../../src/errors.js';

describe('--timeout', () => {
  it('parses durations as coreutils timeout does (seconds without a unit)', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    for (const bad of ['', '0', '-5', '5x', '1h30m', 'soon', '30d'])
      expect(() => parseDuration(bad)).toThrow();
  });

  it('aborts the run signal with a RunTimeoutError (exit 124), and the run ends with it', async () => {
    const d = runDeadline(20);
    const run = withDeadline(
      d,
      () =>
        new Promise<never>((_resolve, reject) => {
          d.signal.addEventListener('abort', () => reject(new Error('some abort of a lower layer')));
        }),
    );
    await expect(run).rejects.toBeInstanceOf(RunTimeoutError);
    await expect(run).rejects.toMatchObject({ exitCode: 124, message: /stopped by --timeout 0.02s/ });
    expect(d.signal.reason).toBe(d.error);
  });

  it('a run that finishes first is untouched, and a failure before expiry keeps its own error', async () => {
    const d = runDeadline(60_000);
    await expect(withDeadline(d, () => Promise.resolve(7))).resolves.toBe(7);
    expect(d.signal.aborted).toBe(false);
    const e = new Error('STAC down');
    await expect(withDeadline(runDeadline(60_000), () => Promise.reject(e))).rejects.toBe(e);
    await expect(withDeadline(runDeadline(undefined), () => Promise.resolve(1))).resolves.toBe(1);
  });
});
