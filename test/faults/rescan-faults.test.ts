/**
 * RELIABILITY.md §6 rows 25, 26 and 28 in their re-scan form, at the matrix's counts: a cron
 * re-scan killed with SIGKILL at 20 seeded moments then resumed; SIGTERM in 10 runs; 20 pairs of
 * runs started together on one state. The catalogue grows between the seeding run and the run
 * under test, so the run under test does real incremental work (new items, a re-composite).
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { hashUnit } from './helpers/fault-modes.js';
import { GrowingCatalog, type RawItem } from '../helpers/growing-catalog.js';
import { lastRun, products } from '../helpers/rescan-state.js';
import {
  AFTER,
  BEFORE,
  candidateIds,
  duplicates,
  record,
  runCli,
  sumHealth,
  tempRoot,
  type CliOptions,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'rescan-faults';
const world = inject('smallWorld');
let tmp: string;
let server: CatalogServer;
let seeded: string;
let reference: { out: string; files: Record<string, string>; ms: number };
let n = 0;

const rescanCli = (state: string, out: string, opts: CliOptions = {}): Promise<CliRun> =>
  runCli(
    [
      'rescan',
      '--state',
      state,
      '--stac',
      server.url.href,
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      out,
      '--quiet',
    ],
    opts,
  );

/** A copy of the state and outputs after the seeding run, for one run under test. */
function fork(): { state: string; out: string } {
  const k = ++n;
  const state = path.join(tmp, `state-${k}`);
  const out = path.join(tmp, `out-${k}`);
  cpSync(seeded, state, { recursive: true });
  cpSync(path.join(tmp, 'seeded-out'), out, { recursive: true });
  return { state, out };
}

const killTimes = (count: number, seed: number): number[] =>
  Array.from({ length: count }, (_, i) => Math.round(100 + hashUnit(seed, String(i)) * reference.ms));

beforeAll(async () => {
  tmp = tempRoot(FILE);
  const catalog = new GrowingCatalog(world, path.join(tmp, 'catalog'));
  const day = (i: RawItem): string => i.properties.datetime.slice(0, 10);
  catalog.show((i) => day(i) < '2022-01-01' || day(i) <= '2024-01-30');
  server = await startCatalogServer({ root: catalog.root, basePath: '/v1' });
  seeded = path.join(tmp, 'seeded');
  const first = await rescanCli(seeded, path.join(tmp, 'seeded-out'));
  if (first.code !== 0) throw new Error(`seeding run failed: ${first.stderr}`);
  catalog.show(() => true);
  await server.reload();
  const ref = fork();
  const r = await rescanCli(ref.state, ref.out);
  if (r.code !== 0) throw new Error(`reference run failed: ${r.stderr}`);
  reference = { out: ref.out, files: products(ref.out), ms: r.ms };
}, 120_000);
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('row 25: SIGKILL mid re-scan, then resume', () => {
  it('20 kill points: no torn file, nothing lost, no duplicate id, byte-identical after the resume', async () => {
    const times = killTimes(20, 2505);
    const runs: CliRun[] = [];
    const problems: string[] = [];
    let lost = 0;
    let dups = 0;
    let identical = true;
    for (const at of times) {
      const { state, out } = fork();
      const killed = await rescanCli(state, out, {
        onStart: (_c, kill) => void delay(at).then(() => kill('SIGKILL')),
      });
      runs.push(killed);
      for (const [f, text] of Object.entries(products(out)))
        if (f.endsWith('json')) {
          try {
            JSON.parse(text);
          } catch {
            problems.push(`kill at ${at} ms: ${f} does not parse`);
          }
        }
      // A kill that lands after the state transaction (or after the exit) found a finished run:
      // its outputs must already be the final ones, and there is nothing to resume.
      let said = '';
      if (lastRun(state) !== 2) {
        const resumed = await rescanCli(state, out);
        said = resumed.stderr.trim();
        runs.push(resumed);
        if (resumed.code !== 0) {
          problems.push(`resume after kill at ${at} ms: exit ${String(resumed.code)}: ${resumed.stderr}`);
          continue;
        }
      }
      const got = products(out);
      const differing = [...new Set([...Object.keys(got), ...Object.keys(reference.files)])].filter(
        (f) => got[f] !== reference.files[f],
      );
      identical &&= differing.length === 0;
      if (differing.length > 0)
        problems.push(
          `kill at ${at} ms: outputs differ from an uninterrupted run in ${differing.join(', ')}${said ? ` (the resume said: ${said})` : ''}`,
        );
      const ids = candidateIds(out);
      lost += candidateIds(reference.out).filter((id) => !ids.includes(id)).length;
      dups += duplicates(ids);
      if (lastRun(state) !== 2)
        problems.push(`kill at ${at} ms: ${String(lastRun(state))} runs recorded, not 2`);
    }
    const h = sumHealth(runs);
    await record(FILE, {
      row: '25',
      name: 'SIGKILL mid re-scan, then resume',
      injected: times.length,
      ...h,
      lostCandidates: lost,
      duplicateIds: dups,
      recoverable: true,
      byteIdentical: identical,
      outcome: `kill points ${times.join(', ')} ms`,
    });
    expect(problems).toEqual([]);
    expect(h).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  }, 600_000);
});

describe('row 26: SIGTERM during a re-scan', () => {
  it('10 runs: a prompt non-zero stop and the state of before the run, or a finished run', async () => {
    const times = killTimes(10, 2626);
    const runs: CliRun[] = [];
    const problems: string[] = [];
    for (const at of times) {
      const { state, out } = fork();
      const before = products(out);
      let sentAt = 0;
      const r = await rescanCli(state, out, {
        onStart: (_c, kill) =>
          void delay(at).then(() => {
            sentAt = performance.now();
            kill('SIGTERM');
          }),
      });
      runs.push(r);
      const runs2 = lastRun(state);
      if (r.code === 0) {
        if (runs2 !== 2 || JSON.stringify(products(out)) !== JSON.stringify(reference.files))
          problems.push(`SIGTERM at ${at} ms: exit 0 but not the finished state`);
      } else {
        // Before the run installs its handler (module loading) Node's default applies: death by
        // SIGTERM, which a shell reports as 143 too; nothing has been touched yet.
        if (r.code !== 143 && r.signal !== 'SIGTERM')
          problems.push(`SIGTERM at ${at} ms: exit ${String(r.code)} (${String(r.signal)}), not 143`);
        if (performance.now() - sentAt > 5_000) problems.push(`SIGTERM at ${at} ms: took over 5 s to stop`);
        // Stopped: the state is the seeded one (a valid prefix); outputs are old or the finished ones.
        if (runs2 !== 1) problems.push(`SIGTERM at ${at} ms: state advanced to run ${String(runs2)}`);
        const now = JSON.stringify(products(out));
        if (now !== JSON.stringify(before) && now !== JSON.stringify(reference.files))
          problems.push(`SIGTERM at ${at} ms: outputs are neither the old nor the new set`);
      }
    }
    await record(FILE, {
      row: '26',
      name: 'SIGTERM during a re-scan',
      injected: times.length,
      ...sumHealth(runs),
      outcome: `exits ${runs.map((r) => r.code).join(',')}`,
    });
    expect(problems).toEqual([]);
  }, 600_000);
});

describe('row 28: two cron runs at once on one state', () => {
  it('20 pairs started within 100 ms: exactly one works, the other exits 75; outputs as a single run', async () => {
    const runs: CliRun[] = [];
    const problems: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { state, out } = fork();
      const pair = await Promise.all([
        rescanCli(state, out),
        delay(Math.round(hashUnit(2828, String(i)) * 100)).then(() => rescanCli(state, out)),
      ]);
      runs.push(...pair);
      const codes = pair.map((r) => r.code).sort();
      if (JSON.stringify(codes) !== JSON.stringify([0, 75]))
        problems.push(`pair ${i}: exits ${codes.join(',')}`);
      if (lastRun(state) !== 2) problems.push(`pair ${i}: ${String(lastRun(state))} runs recorded, not 2`);
      if (JSON.stringify(products(out)) !== JSON.stringify(reference.files))
        problems.push(`pair ${i}: outputs differ`);
    }
    await record(FILE, {
      row: '28',
      name: 'two re-scans at once on one state',
      injected: 20,
      ...sumHealth(runs),
      recoverable: true,
      byteIdentical: problems.length === 0,
      outcome: `${runs.filter((r) => r.code === 75).length} of 40 runs refused with 75`,
    });
    expect(problems).toEqual([]);
  }, 600_000);
});
