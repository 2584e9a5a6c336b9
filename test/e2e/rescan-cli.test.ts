/**
 * `minewatch rescan` as cron runs it: the built binary against the real local STAC API. Safety:
 * a run killed with SIGKILL at any point, then run again, ends byte-identical to a run never
 * interrupted; two runs on one state let exactly one work; SIGTERM stops cleanly.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { runCli, type Ran } from '../helpers/cli-process.js';
import { GrowingCatalog, type RawItem } from '../helpers/growing-catalog.js';
import { lastRun, products } from '../helpers/rescan-state.js';

const world = inject('smallWorld');
let tmp: string;
let server: CatalogServer;
let catalog: GrowingCatalog;

function rescan(
  state: string,
  out: string,
  opts: { env?: Record<string, string>; killAfterMs?: number; termAfterRanges?: number } = {},
): Promise<Ran> {
  return runCli(
    [
      'rescan',
      '--state',
      state,
      '--stac',
      server.url.href,
      '--before',
      '2020-12-01/2021-02-28',
      '--after',
      '2023-12-01/2024-02-29',
      '--out',
      out,
      '--quiet',
    ],
    {
      ...(opts.env ? { env: opts.env } : {}),
      onSpawn: (child) => {
        if (opts.killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
        const ranges = opts.termAfterRanges;
        if (ranges !== undefined) {
          // Mid-scan whatever the machine's speed: once the run has read this many byte ranges.
          const start = server.stats.rangeRequests;
          const poll = setInterval(() => {
            if (server.stats.rangeRequests - start < ranges) return;
            clearInterval(poll);
            child.kill('SIGTERM');
          }, 5);
          child.once('exit', () => clearInterval(poll));
        }
      },
    },
  );
}

const day = (i: RawItem): string => i.properties.datetime.slice(0, 10);
const stageA = (i: RawItem): boolean => day(i) < '2022-01-01' || day(i) <= '2024-01-30';

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-rescan-cli-'));
  catalog = new GrowingCatalog(world, path.join(tmp, 'catalog'));
  catalog.show(stageA);
  server = await startCatalogServer({ root: catalog.root, basePath: '/v1' });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('rescan killed with SIGKILL, then run again', () => {
  let seeded: string; // state after a clean first run on stage A
  let reference: Record<string, string>; // products of an uninterrupted second run on the full catalogue
  let referenceMs = 0;

  beforeAll(async () => {
    seeded = path.join(tmp, 'seeded');
    const first = await rescan(seeded, path.join(tmp, 'seeded-out'));
    expect(first.code, first.stderr).toBe(0);
    catalog.show(() => true);
    await server.reload();
    const refState = path.join(tmp, 'ref-state');
    cpSync(seeded, refState, { recursive: true });
    const refOut = path.join(tmp, 'ref-out');
    cpSync(path.join(tmp, 'seeded-out'), refOut, { recursive: true });
    const second = await rescan(refState, refOut);
    expect(second.code, second.stderr).toBe(0);
    referenceMs = second.ms;
    reference = products(refOut);
  }, 120_000);

  const resumeAfter = async (
    name: string,
    crash: { env?: Record<string, string>; killAfterMs?: number },
  ): Promise<{ crashed: Ran; resumed: Ran; out: string; state: string }> => {
    const state = path.join(tmp, `kill-${name}`);
    const out = path.join(tmp, `kill-${name}-out`);
    cpSync(seeded, state, { recursive: true });
    cpSync(path.join(tmp, 'seeded-out'), out, { recursive: true });
    const crashed = await rescan(state, out, crash);
    // A kill that lands after the state transaction (or after the exit) found a finished run:
    // its outputs are already final and there is nothing to resume.
    const resumed = lastRun(state) === 2 ? crashed : await rescan(state, out);
    return { crashed, resumed, out, state };
  };

  for (const point of ['after-search', 'after-scan', 'after-outputs', 'in-commit']) {
    it(`at ${point}: the resumed run's outputs are byte-identical to an uninterrupted run`, async () => {
      const r = await resumeAfter(point, { env: { MW_CRASH_AT: point } });
      expect(r.crashed.signal).toBe('SIGKILL');
      expect(r.resumed.code, r.resumed.stderr).toBe(0);
      expect(products(r.out)).toEqual(reference);
      expect(lastRun(r.state)).toBe(2); // the killed run never counted as a run
    }, 120_000);
  }

  it('at times spread over the run (kill from outside): byte-identical after the resume', async () => {
    for (const f of [0.25, 0.5, 0.75]) {
      const r = await resumeAfter(`t${f}`, { killAfterMs: Math.round(referenceMs * f) });
      if (r.resumed !== r.crashed) expect(r.resumed.code, r.resumed.stderr).toBe(0);
      expect(products(r.out)).toEqual(reference);
      expect(readdirSync(r.out).filter((x) => x.endsWith('.tmp'))).toEqual([]);
    }
  }, 240_000);
});

describe('two runs on one state at once', () => {
  it('exactly one works; the other exits 75 at once, naming the state folder', async () => {
    const state = path.join(tmp, 'concurrent');
    const [a, b] = await Promise.all([
      rescan(state, path.join(tmp, 'concurrent-a')),
      rescan(state, path.join(tmp, 'concurrent-b')),
    ]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 75]);
    const loser = a.code === 75 ? a : b;
    expect(loser.stderr).toContain(`state folder ${state} is in use`);
    expect(loser.stderr.trim().split('\n')).toHaveLength(1);
    expect(lastRun(state)).toBe(1);
    expect(
      existsSync(path.join(tmp, a.code === 75 ? 'concurrent-a' : 'concurrent-b', 'candidates.geojson')),
    ).toBe(false);
  }, 120_000);
});

describe('SIGTERM', () => {
  it('stops cleanly: exit 143, nothing written, the state unchanged, the lock free', async () => {
    const state = path.join(tmp, 'term');
    const out = path.join(tmp, 'term-out');
    const r = await rescan(state, out, { termAfterRanges: 20 });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('SIGTERM');
    expect(existsSync(path.join(out, 'candidates.geojson'))).toBe(false);
    expect(existsSync(path.join(state, 'state.sqlite')) ? lastRun(state) : undefined).toBeUndefined();
    const again = await rescan(state, out);
    expect(again.code, again.stderr).toBe(0);
  }, 120_000);

  it('after the run completed (the process tearing down): exit 0 and the run recorded', async () => {
    const state = path.join(tmp, 'term-late');
    const out = path.join(tmp, 'term-late-out');
    const r = await rescan(state, out, {
      env: { MW_CRASH_AT: 'rescan-completed', MW_CRASH_SIGNAL: 'SIGTERM' },
    });
    // A stop reported for a run that finished would make its cron wrapper retry or alert for nothing.
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(lastRun(state)).toBe(1);
    expect(existsSync(path.join(out, 'candidates.geojson'))).toBe(true);
  }, 120_000);
});
