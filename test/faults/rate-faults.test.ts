/**
 * Row 44 (issue 14 §4): client-side rate adaptation. The asset host has a capacity: it serves 3
 * requests at once and answers 429 to any more, while the scan asks for 16 in flight. With
 * adaptation (the default) the scan lowers its in-flight limit after the first 429s and must lose
 * nothing: products byte-identical to the clean run. The same scan with --fixed-concurrency keeps
 * 16 in flight and meets many more 429s; whether it then loses items depends on how its retries
 * fall, so of it the row asserts only what is certain (far more 429s, no crash or hang).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { capacityLimit } from './helpers/fault-modes.js';
import {
  cleanRun,
  health,
  readRun,
  record,
  scanCli,
  tempRoot,
  versusClean,
  withServer,
  type Clean,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'rate-faults';
const world = inject('smallWorld');
const CAPACITY = 3;
const CONCURRENCY = 16;
let tmp: string;
let clean: Clean;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Concurrency {
  max: number | null;
  limit: number | null;
  lowest: number | null;
  throttles: number;
  decreases: number;
  adaptive: boolean;
}

/** One scan against the capacity-limited server: the run, its 429s as the server counted them. */
async function underCapacity(
  name: string,
  extra: string[],
): Promise<{ r: CliRun; out: string; refused: number; peak: number }> {
  const faults = capacityLimit({ maxInFlight: CAPACITY, holdMs: 20 });
  const out = path.join(tmp, name);
  const r = await withServer(world, faults, (s) =>
    scanCli(s.url.href, out, ['--concurrency', String(CONCURRENCY), ...extra], { deadlineMs: 200_000 }),
  );
  return { r, out, refused: faults.counters.injected, peak: faults.peakInFlight() };
}

const concurrencyOf = (out: string): Concurrency =>
  (readRun(out).http as unknown as { concurrency: Concurrency }).concurrency;

describe('row 44: a 429 storm lowers concurrency and loses nothing', () => {
  it(`capacity ${CAPACITY} against --concurrency ${CONCURRENCY}: adaptive is byte-identical with far fewer 429s than fixed`, async () => {
    const adaptive = await underCapacity('adaptive', []);
    const fixed = await underCapacity('fixed', ['--fixed-concurrency']);
    const ha = health(adaptive.r);
    const hf = health(fixed.r);
    const cmp =
      adaptive.r.code === 0
        ? versusClean(adaptive.out, clean)
        : { byteIdentical: false, lostCandidates: clean.ids.length, duplicateIds: 0 };
    const ca = adaptive.r.code === 0 ? concurrencyOf(adaptive.out) : undefined;
    const fixedSkipped = fixed.r.code === 0 ? readRun(fixed.out).items.skipped.length : undefined;
    await record(FILE, {
      row: '44',
      name: `capacity ${CAPACITY}, --concurrency ${CONCURRENCY}: adaptive vs --fixed-concurrency`,
      injected: adaptive.refused,
      ...ha,
      ...cmp,
      recoverable: true,
      outcome:
        `R: adaptive ${adaptive.refused} x 429 (limit ${String(ca?.limit)}, lowest ${String(ca?.lowest)}, ` +
        `${String(ca?.decreases)} decreases, ${Math.round(adaptive.r.ms / 1000)} s); fixed ${fixed.refused} x 429 ` +
        `(exit ${String(fixed.r.code)}, ${String(fixedSkipped ?? '?')} items skipped, ${Math.round(fixed.r.ms / 1000)} s); ` +
        `clean ${Math.round(clean.ms / 1000)} s, ${clean.run.http.requests} requests`,
    });
    // The adaptive scan: exit 0, nothing lost, byte-identical.
    expect(adaptive.r.stderr).toBe('');
    expect(adaptive.r.code).toBe(0);
    expect(ha).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
    expect(cmp).toEqual({ byteIdentical: true, lostCandidates: 0, duplicateIds: 0 });
    expect(readRun(adaptive.out).items.skipped).toEqual(clean.run.items.skipped);
    // Its account in run.json: every 429 the server sent, and a window that came down for them.
    expect(ca).toMatchObject({ max: CONCURRENCY, adaptive: true, throttles: adaptive.refused });
    expect(ca!.decreases).toBeGreaterThanOrEqual(1);
    expect(ca!.lowest).toBeLessThan(CONCURRENCY);
    // The storm was real: the server did refuse, and the fixed scan kept pushing past its capacity.
    expect(adaptive.refused).toBeGreaterThan(0);
    expect(fixed.peak).toBe(CAPACITY);
    // Far fewer 429s with adaptation than without.
    expect(adaptive.refused * 4).toBeLessThan(fixed.refused);
    // Of the fixed scan only what is certain: no crash, no hang, and a clear outcome.
    expect(hf).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
    if (fixed.r.code === 0) {
      expect(concurrencyOf(fixed.out)).toMatchObject({
        max: CONCURRENCY,
        limit: CONCURRENCY,
        lowest: CONCURRENCY,
        decreases: 0,
        adaptive: false,
        throttles: fixed.refused,
      });
    } else {
      expect(fixed.r.code).toBe(5); // the partial-read rule refused it: too many items lost
    }
  });
});
