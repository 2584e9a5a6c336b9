/**
 * The issue's acceptance run: a scan of the demo world under a seeded 5 % random fault rate on asset
 * requests (503, 429 with Retry-After: 1, resets mid-body, stalls) must give products byte-identical
 * to the clean run. The demo world is `make fixtures`' (MW_FAULTS_DEMO_WORLD, or .cache/demo-world-1);
 * without it the small world stands in, and the record says so.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomFaults } from './helpers/fault-modes.js';
import {
  cleanRun,
  health,
  readRun,
  record,
  ROOT,
  scanCli,
  tempRoot,
  versusClean,
  withServer,
  type Clean,
} from './helpers/harness.js';

const FILE = 'random-faults';
const demo = process.env['MW_FAULTS_DEMO_WORLD'] ?? path.join(ROOT, '.cache/demo-world-1');
const world = existsSync(path.join(demo, 'world.json')) ? demo : inject('smallWorld');
const which = world === demo ? `demo world ${path.basename(demo)}` : 'small world (no demo world found)';
let tmp: string;
let clean: Clean;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('5 % random asset faults (503, 429 + Retry-After, reset mid-body, stall)', () => {
  it(`a scan of the ${which} ends byte-identical to the clean run`, async () => {
    // A world whose clean scan finds nothing proves nothing (a stale demo world: make fixtures).
    expect(clean.ids.length, `clean scan of ${world} found no candidates`).toBeGreaterThan(0);
    const faults = randomFaults({ seed: 2024, rate: 0.05 });
    const out = path.join(tmp, 'faulted');
    const r = await withServer(world, faults, (s) => scanCli(s.url.href, out, [], { deadlineMs: 400_000 }));
    const h = health(r);
    const cmp =
      r.code === 0
        ? versusClean(out, clean)
        : { byteIdentical: false, lostCandidates: clean.ids.length, duplicateIds: 0 };
    const byAction = Object.entries(faults.counters.byAction)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    await record(FILE, {
      row: 'random',
      name: `5 % random faults, ${which}`,
      injected: faults.counters.injected,
      ...h,
      ...cmp,
      recoverable: true,
      outcome: `R: ${byAction}; ${r.code === 0 ? readRun(out).http.retries : '?'} retries; ${Math.round(r.ms / 1000)} s vs ${Math.round(clean.ms / 1000)} s clean`,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(faults.counters.injected).toBeGreaterThan(10);
    expect(h).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
    expect(cmp).toEqual({ byteIdentical: true, lostCandidates: 0, duplicateIds: 0 });
  });
});
