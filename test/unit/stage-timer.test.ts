import { describe, expect, it } from 'vitest';
import { stageTimer } from '../../src/run/stages/stage-timer.js';

describe('scan stage timer', () => {
  it('times each stage from the previous one, in seconds rounded to ms, in order', () => {
    let now = 1000;
    const timer = stageTimer(() => now);
    now += 250.4;
    timer.lap('search');
    now += 1999.6;
    timer.lap('headers');
    now += 0.4;
    timer.lap('plan');
    expect(timer.laps).toEqual({ search: 0.25, headers: 2, plan: 0 });
    expect(Object.keys(timer.laps)).toEqual(['search', 'headers', 'plan']);
    expect(timer.total()).toBe(2.25);
  });
});
