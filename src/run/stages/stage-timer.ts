/**
 * Seconds per scan stage for run.json: each lap is the time since the previous one (or the
 * start), rounded to milliseconds, in the order the stages ran.
 */
export interface StageTimer {
  /** Seconds per stage so far, by name. */
  readonly laps: Record<string, number>;
  lap(name: string): void;
  /** Seconds since the timer started. */
  total(): number;
}

export function stageTimer(now: () => number = () => performance.now()): StageTimer {
  const t0 = now();
  let t = t0;
  const laps: Record<string, number> = {};
  return {
    laps,
    lap(name) {
      const at = now();
      laps[name] = Math.round(at - t) / 1000;
      t = at;
    },
    total: () => Math.round(now() - t0) / 1000,
  };
}
