import { describe, expect, it } from 'vitest';
import {
  AdaptiveWindow,
  ATTEMPT_COST,
  attemptCost,
  CUBIC_BETA,
  isThrottle,
  THROTTLE_COST,
} from '../../src/io/adaptive-rate.js';

/** Sends `n` attempts and returns their tickets. */
const send = (w: AdaptiveWindow, n: number): number[] => Array.from({ length: n }, () => w.sent());

describe('AdaptiveWindow', () => {
  it('starts at its ceiling and lowers it by β on a throttle, at least to 1', () => {
    const w = new AdaptiveWindow({ max: 16 });
    expect(w.limit).toBe(16);
    const [t] = send(w, 16);
    expect(w.throttled(t!, 16)).toBe(true);
    expect(w.limit).toBe(Math.floor(16 * CUBIC_BETA)); // 11
    const one = new AdaptiveWindow({ max: 1 });
    one.throttled(one.sent(), 1);
    expect(one.limit).toBe(1);
  });

  it('lowers once per episode: throttles of attempts sent before the decrease count, but do not lower it again', () => {
    const w = new AdaptiveWindow({ max: 16 });
    const burst = send(w, 16);
    for (const t of burst) w.throttled(t, 16);
    expect(w.snapshot()).toMatchObject({ throttles: 16, decreases: 1, limit: 11 });
    // A retry sent after the decrease that is throttled again is a new episode.
    const retry = w.sent();
    expect(w.throttled(retry, 11)).toBe(true);
    expect(w.snapshot()).toMatchObject({ throttles: 17, decreases: 2, limit: 7, lowest: 7 });
  });

  it('takes W_max from the requests really in flight when fewer than the window', () => {
    const w = new AdaptiveWindow({ max: 64 });
    w.throttled(w.sent(), 4);
    expect(w.limit).toBe(2); // 0.7 * 4
  });

  it('regrows in answered requests to the old window and then probes past it, capped at the ceiling', () => {
    const w = new AdaptiveWindow({ max: 16 });
    w.throttled(w.sent(), 10);
    expect(w.limit).toBe(7);
    const limits: number[] = [];
    for (let i = 0; i < 2000; i++) {
      w.answered();
      limits.push(w.limit);
    }
    // Never falls while answers come back, reaches W_max = 10, and ends at the ceiling.
    expect(limits.every((l, i) => i === 0 || l >= limits[i - 1]!)).toBe(true);
    const reached = limits.indexOf(10);
    expect(reached).toBeGreaterThan(100); // not at once: the curve flattens near W_max
    expect(limits.slice(reached, reached + 50).every((l) => l === 10)).toBe(true);
    expect(limits.at(-1)).toBe(16);
    expect(w.snapshot()).toMatchObject({ max: 16, limit: 16, lowest: 7, decreases: 1 });
  });

  it('with no ceiling, is unlimited until the first throttle', () => {
    const w = new AdaptiveWindow();
    expect(w.limit).toBe(Infinity);
    send(w, 30);
    w.throttled(0, 30);
    expect(w.limit).toBe(21);
    expect(w.snapshot().max).toBeNull();
  });

  it('fixed: counts throttles but keeps its limit', () => {
    const w = new AdaptiveWindow({ max: 8, adaptive: false });
    expect(w.throttled(w.sent(), 8)).toBe(false);
    w.answered();
    expect(w.snapshot()).toEqual({
      max: 8,
      limit: 8,
      lowest: 8,
      throttles: 1,
      decreases: 0,
      adaptive: false,
    });
  });

  it('refuses a ceiling that is not a positive integer', () => {
    expect(() => new AdaptiveWindow({ max: 0 })).toThrow(/not a positive integer/);
    expect(() => new AdaptiveWindow({ max: 2.5 })).toThrow(/not a positive integer/);
  });
});

describe('throttles and their cost', () => {
  it('is a 429, or a 503 that says SlowDown; other 503s are failures', () => {
    expect(isThrottle(429, 'HTTP 429')).toBe(true);
    expect(isThrottle(503, 'HTTP 503: <Error><Code>SlowDown</Code></Error>')).toBe(true);
    expect(isThrottle(503, 'HTTP 503: Service Unavailable')).toBe(false);
    expect(isThrottle(500, 'SlowDown')).toBe(false);
    expect(isThrottle(undefined, 'network error')).toBe(false);
  });

  it('costs a fifth of a failure under adaptation, a whole one when fixed', () => {
    expect(ATTEMPT_COST / THROTTLE_COST).toBe(5);
    expect(attemptCost(true, true)).toBe(THROTTLE_COST);
    expect(attemptCost(true, false)).toBe(ATTEMPT_COST);
    expect(attemptCost(false, true)).toBe(ATTEMPT_COST);
  });
});
