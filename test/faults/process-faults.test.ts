/**
 * RELIABILITY.md §6 rows 25-31, as far as they apply to a single `minewatch scan` (rows 25, 26 and 28
 * are about the re-scan state; rescan-faults.test.ts runs them on `minewatch rescan`; here: kills leave no torn file and a re-run is identical,
 * SIGTERM/SIGINT stop promptly with a non-zero status, two scans into one folder do not interleave).
 * Also disk full (an ENOSPC shim in the child), worker crashes and queue timeouts, and load on the
 * local range server.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IoQueue, TimeoutError } from '../../src/run/queue.js';
import { TaskTimeoutError, WorkerCrashedError, WorkerPool } from '../../src/run/worker-pool.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { hashUnit } from './helpers/fault-modes.js';
import {
  assetFile,
  cleanRun,
  folderHashes,
  health,
  isOneLineError,
  OUTPUT_FILES,
  record,
  runCli,
  scanCli,
  sumHealth,
  tempRoot,
  versusClean,
  type Clean,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'process-faults';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let server: CatalogServer;
let n = 0;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
  server = await startCatalogServer({ root: world, basePath: '/v1' });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** An output folder holding an older run's products (valid JSON, different bytes), and their hashes. */
function oldOutput(): { out: string; old: Record<string, string> } {
  const out = path.join(tmp, `out-${++n}`);
  cpSync(clean.out, out, { recursive: true });
  for (const f of OUTPUT_FILES) {
    const p = path.join(out, f);
    const text = readFileSync(p, 'utf8');
    writeFileSync(p, f.endsWith('.md') ? `${text}\n(old run)\n` : `${text.trimEnd()}\n\n`);
  }
  return { out, old: folderHashes(out) };
}

/**
 * Files of `out` that are torn: a product that is neither the old nor the clean version, or JSON that
 * does not parse (run.json and the report carry timings, so for them "new" is "changed and whole").
 * Also temp files left behind, and how many files changed.
 */
function inspect(
  out: string,
  old: Record<string, string>,
): { torn: string[]; leftovers: string[]; newFiles: number } {
  const now = folderHashes(out);
  const fresh = folderHashes(clean.out);
  const torn: string[] = [];
  let newFiles = 0;
  for (const f of OUTPUT_FILES) {
    if (now[f] !== old[f]) newFiles++;
    if (f.endsWith('.geojson') && now[f] !== old[f] && now[f] !== fresh[f]) torn.push(f);
    if (f.endsWith('json')) {
      try {
        JSON.parse(readFileSync(path.join(out, f), 'utf8'));
      } catch {
        torn.push(`${f} (does not parse)`);
      }
    }
  }
  const leftovers = readdirSync(out).filter((f) => f.endsWith('.tmp'));
  return { torn, leftovers, newFiles };
}

/** Seeded kill times spread over a clean run's duration. */
const killTimes = (count: number, seed: number): number[] =>
  Array.from({ length: count }, (_, i) => Math.round(150 + hashUnit(seed, String(i)) * clean.ms * 1.05));

describe('row 25: SIGKILL mid-scan, then a re-run (single-scan form)', () => {
  it('leaves no torn output and the re-run is byte-identical to a clean run (6 kill points)', async () => {
    const times = killTimes(6, 25);
    const runs: CliRun[] = [];
    const problems: string[] = [];
    let leftovers = 0;
    let identical = true;
    let lost = 0;
    let dups = 0;
    for (const at of times) {
      const { out, old } = oldOutput();
      const killed = await scanCli(server.url.href, out, [], {
        onStart: (_c, kill) => void delay(at).then(() => kill('SIGKILL')),
      });
      runs.push(killed);
      const seen = inspect(out, old);
      leftovers += seen.leftovers.length;
      if (seen.torn.length > 0) problems.push(`kill at ${at} ms: torn ${seen.torn.join(', ')}`);
      const again = await scanCli(server.url.href, out);
      runs.push(again);
      if (again.code !== 0) problems.push(`re-run after kill at ${at} ms: exit ${String(again.code)}`);
      else {
        const cmp = versusClean(out, clean);
        identical &&= cmp.byteIdentical;
        lost += cmp.lostCandidates;
        dups += cmp.duplicateIds;
      }
    }
    const h = sumHealth(runs);
    await record(FILE, {
      row: '25',
      name: 'SIGKILL then re-run',
      injected: times.length,
      ...h,
      lostCandidates: lost,
      duplicateIds: dups,
      recoverable: true,
      byteIdentical: identical,
      outcome: `kill points ${times.join(', ')} ms; ${leftovers} temp files left by kills`,
    });
    expect(problems).toEqual([]);
    expect(identical).toBe(true);
    expect([lost, dups]).toEqual([0, 0]);
    expect(h).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  });
});

describe('row 26: SIGTERM and SIGINT (single-scan form)', () => {
  it('stop the scan within 2 s with a non-zero status and no torn output (3 + 3 runs)', async () => {
    const times = killTimes(6, 26);
    const runs: CliRun[] = [];
    const problems: string[] = [];
    for (const [i, at] of times.entries()) {
      const sig = i % 2 === 0 ? 'SIGTERM' : 'SIGINT';
      const { out, old } = oldOutput();
      let sentAt = 0;
      const r = await scanCli(server.url.href, out, [], {
        onStart: (_c, kill) =>
          void delay(at).then(() => {
            sentAt = performance.now();
            kill(sig);
          }),
      });
      runs.push(r);
      const finishedAfter = performance.now() - sentAt;
      const seen = inspect(out, old);
      if (r.code === 0 && r.signal === null) {
        // Finished before the signal: must be complete.
        if (seen.newFiles !== OUTPUT_FILES.length) problems.push(`${sig} at ${at} ms: exit 0 with old files`);
      } else if (finishedAfter > 2_000)
        problems.push(`${sig} at ${at} ms: took ${Math.round(finishedAfter)} ms to stop`);
      if (seen.torn.length > 0) problems.push(`${sig} at ${at} ms: torn ${seen.torn.join(', ')}`);
    }
    await record(FILE, {
      row: '26',
      name: 'SIGTERM / SIGINT',
      injected: times.length,
      ...sumHealth(runs),
      outcome: `stopped: ${runs.map((r) => r.signal ?? r.code).join(',')}`,
    });
    expect(problems).toEqual([]);
  });
});

describe('row 27: disk full (ENOSPC on the nth output write, by a shim in the child)', () => {
  const enospc = async (
    nth: number,
  ): Promise<{ r: CliRun; out: string; changed: string[]; leftovers: string[] }> => {
    const { out, old } = oldOutput();
    const r = await scanCli(server.url.href, out, [], {
      env: { MW_FAULT_ENOSPC_NTH: String(nth), MW_FAULT_ENOSPC_DIR: out },
    });
    const now = folderHashes(out);
    return {
      r,
      out,
      changed: Object.keys(old).filter((f) => now[f] !== old[f]),
      leftovers: readdirSync(out).filter((f) => f.endsWith('.tmp')),
    };
  };

  it('on the first write: non-zero exit, the previous output intact, no temp file left', async () => {
    const { r, changed, leftovers } = await enospc(1);
    expect(r.probe.some((e) => e.event === 'enospc')).toBe(true);
    const h = {
      ...health(r),
      crashes: r.signal !== null || r.probe.some((e) => e.event === 'uncaughtException') ? 1 : 0,
    };
    await record(FILE, {
      row: '27',
      name: 'ENOSPC on the first write',
      injected: 1,
      ...h,
      outcome: `E: exit ${String(r.code)}, ${changed.length} files changed, ${leftovers.length} temp files`,
    });
    expect(r.code).not.toBe(0);
    expect(changed).toEqual([]);
    expect(leftovers).toEqual([]);
  });

  // writeOutputs writes every temporary first, so a full disk fails before any rename.
  it('on a later write (the 2nd, the 6th): the previous output stays intact', async () => {
    const results = [];
    for (const nth of [2, 6]) results.push(await enospc(nth));
    await record(FILE, {
      row: '27',
      name: 'ENOSPC on a later write',
      injected: 2,
      outcome: `files changed: ${results.map((x) => x.changed.length).join(',')}`,
    });
    for (const x of results) expect(x.leftovers).toEqual([]);
    for (const x of results) expect(x.changed).toEqual([]);
  });

  // An OutputWriteError: one line naming the folder, exit 73 (EX_CANTCREAT), not a stack.
  it('is reported in one line naming the output folder', async () => {
    const { r, out } = await enospc(1);
    await record(FILE, {
      row: '27',
      name: 'ENOSPC message',
      injected: 1,
      outcome: `exit ${String(r.code)}: ${r.stderr.split('\n')[0] ?? ''}`,
    });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(out);
    expect(r.code).toBe(73);
  });
});

describe('row 28: two scans into one folder at once (the --out lock)', () => {
  it('exactly one works, the other exits 75 naming the folder; every file whole, no temp files (3 pairs)', async () => {
    const runs: CliRun[] = [];
    const problems: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { out, old } = oldOutput();
      const pair = await Promise.all([
        scanCli(server.url.href, out),
        delay(20 * i).then(() => scanCli(server.url.href, out)),
      ]);
      runs.push(...pair);
      const codes = pair.map((r) => r.code).sort();
      if (codes[0] !== 0 || codes[1] !== 75) problems.push(`pair ${i}: exits ${codes.join(',')}`);
      const loser = pair.find((r) => r.code === 75);
      if (loser && !loser.stderr.includes(`output folder ${out} is in use by another run`))
        problems.push(`pair ${i}: the refused run did not name the folder: ${loser.stderr.trim()}`);
      const seen = inspect(out, old);
      if (seen.torn.length > 0 || seen.leftovers.length > 0)
        problems.push(`pair ${i}: ${[...seen.torn, ...seen.leftovers].join(', ')}`);
      if (!versusClean(out, clean).byteIdentical) problems.push(`pair ${i}: output differs from one scan`);
    }
    await record(FILE, {
      row: '28',
      name: 'two scans, one folder',
      injected: 3,
      ...sumHealth(runs),
      recoverable: true,
      byteIdentical: problems.length === 0,
      outcome: problems.join('; ') || 'one winner (exit 0), one exit 75, whole files',
    });
    expect(problems).toEqual([]);
  });
});

describe('row 36: never delete what minewatch did not create', () => {
  it('fixtures world --out <a folder of the user>: exit 73 naming it, every file still there', async () => {
    const dir = path.join(tmp, `user-folder-${++n}`);
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'src', 'main.ts'), 'precious\n');
    const r = await runCli(['fixtures', 'world', '--preset', 'small', '--out', dir, '--quiet']);
    const intact = existsSync(path.join(dir, 'src', 'main.ts'));
    const slash = await scanCli(server.url.href, '/');
    await record(FILE, {
      row: '36',
      name: 'replace a folder minewatch did not create; --out /',
      injected: 2,
      ...sumHealth([r, slash]),
      outcome: `E: exit ${String(r.code)} (user folder intact: ${intact}); --out / exit ${String(slash.code)}`,
    });
    expect(r.code, r.stderr).toBe(73);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`refusing to replace ${dir}: minewatch did not create it`);
    expect(readFileSync(path.join(dir, 'src', 'main.ts'), 'utf8')).toBe('precious\n');
    expect(slash.code, slash.stderr).toBe(2);
    expect(isOneLineError(slash.stderr)).toBe(true);
  });
});

const hostile = new URL('../fixtures-tasks/hostile-tasks.js', import.meta.url);
const decodeTask = new URL('./fixtures/decode-task.mjs', import.meta.url);

describe('row 29: worker crashes and out-of-memory', () => {
  it('fail only their task; the pool respawns and every other task completes (20 injections)', async () => {
    const pool = new WorkerPool({
      size: 2,
      taskModules: [hostile, decodeTask],
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    const cog = readFileSync(assetFile(world, clean.run.items.before[0]!, 'red'));
    try {
      const expected = (
        await pool.run<{ bytes: Uint8Array }, { kind: string; checksum: number }>('decodeCog', { bytes: cog })
      ).checksum;
      const bad: [string, unknown, number | undefined][] = [
        ...Array.from({ length: 5 }, (): [string, unknown, undefined] => ['oom', {}, undefined]),
        ...Array.from({ length: 5 }, (_, i): [string, unknown, undefined] => [
          'exit',
          { code: i + 1 },
          undefined,
        ]),
        ...Array.from({ length: 5 }, (_, i): [string, unknown, undefined] => [
          'uncaught',
          { message: `boom ${i}` },
          undefined,
        ]),
        ...Array.from({ length: 5 }, (): [string, unknown, number] => ['spin', {}, 300]),
      ];
      const jobs: Promise<{ kind: string; ok: boolean; value: unknown }>[] = [];
      for (let i = 0; i < 40; i++) {
        jobs.push(
          pool.run<{ bytes: Uint8Array }, { checksum: number }>('decodeCog', { bytes: cog }).then(
            (v) => ({ kind: 'decode', ok: v.checksum === expected, value: v }),
            (e: unknown) => ({ kind: 'decode', ok: false, value: e }),
          ),
        );
        const b = bad[i >> 1];
        if (i % 2 === 0 && b) {
          jobs.push(
            pool.run(b[0], b[1], [], undefined, b[2] === undefined ? {} : { timeoutMs: b[2] }).then(
              (v) => ({ kind: b[0], ok: false, value: v }),
              (e: unknown) => ({
                kind: b[0],
                ok: e instanceof WorkerCrashedError || e instanceof TaskTimeoutError,
                value: e,
              }),
            ),
          );
        }
      }
      const results = await Promise.all(jobs);
      const stats = pool.stats();
      const failedDecodes = results.filter((r) => r.kind === 'decode' && !r.ok).length;
      const wrongFailures = results.filter((r) => r.kind !== 'decode' && !r.ok).length;
      await record(FILE, {
        row: '29',
        name: 'worker crash / OOM / timeout',
        injected: bad.length,
        silentWrongPixels: failedDecodes,
        outcome: `crashed ${stats.crashed}, timed out ${stats.timedOut}, replaced ${stats.replaced}, workers ${stats.workers}`,
      });
      expect(failedDecodes).toBe(0);
      expect(wrongFailures).toBe(0);
      expect(stats).toMatchObject({ workers: 2, crashed: 15, timedOut: 5, busy: 0, queued: 0 });
    } finally {
      await pool.close();
    }
  });
});

describe('row 30: queue task timeouts', () => {
  it('reject with TimeoutError, never resolve undefined (10 injections)', async () => {
    const q = new IoQueue({ concurrency: 4, timeoutMs: 100 });
    const slow = (signal: AbortSignal): Promise<string> => delay(1_000, 'late', { signal });
    const fast = (): Promise<string> => Promise.resolve('ok');
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => q.add(i % 2 === 0 ? slow : fast)),
    );
    const timeouts = settled.filter(
      (s) => s.status === 'rejected' && s.reason instanceof TimeoutError,
    ).length;
    const undefinedValues = settled.filter((s) => s.status === 'fulfilled' && s.value === undefined).length;
    await record(FILE, {
      row: '30',
      name: 'queue timeouts',
      injected: 10,
      outcome: `${timeouts} TimeoutError, ${undefinedValues} undefined`,
    });
    expect(timeouts).toBe(10);
    expect(undefinedValues).toBe(0);
    expect(q.counts).toMatchObject({ timedOut: 10, failed: 10, done: 10 });
  });
});

/** A full garbage collection without --expose-gc on the command line (WorkerPool refuses that flag). */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** Open file descriptors of this process. */
const fds = (): number => readdirSync('/proc/self/fd').length;

describe('row 31: load on the local range server', () => {
  it('answers every range right at concurrency 1, 4, 16, 64; fds and heap back to baseline', async () => {
    const files = clean.run.items.before.slice(0, 3).map((id) => assetFile(world, id, 'red'));
    const bytes = files.map((f) => readFileSync(f));
    const rel = files.map((f) => `/assets/${path.relative(path.join(world, 'assets'), f)}`);
    const get = (agent: http.Agent, i: number): Promise<number> => {
      const k = i % files.length;
      const size = bytes[k]!.length;
      const start = Math.floor(hashUnit(31, `s${i}`) * (size - 1));
      const end = Math.min(size - 1, start + Math.floor(hashUnit(31, `l${i}`) * 64 * 1024));
      const t0 = performance.now();
      return new Promise((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port: server.url.port,
            path: rel[k],
            agent,
            headers: { range: `bytes=${start}-${end}` },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const body = Buffer.concat(chunks);
              if (res.statusCode !== 206 || !body.equals(bytes[k]!.subarray(start, end + 1)))
                reject(new Error(`bad answer ${String(res.statusCode)} for ${rel[k]} ${start}-${end}`));
              else resolve(performance.now() - t0);
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
      });
    };
    const level = async (
      c: number,
      total: number,
    ): Promise<{ c: number; errors: number; p50: number; p99: number; rps: number }> => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: c });
      const lat: number[] = [];
      let errors = 0;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (next < total) {
            const i = next++;
            try {
              lat.push(await get(agent, i));
            } catch {
              errors++;
            }
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      agent.destroy();
      lat.sort((a, b) => a - b);
      const q = (p: number): number =>
        Math.round((lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0) * 100) / 100;
      return { c, errors, p50: q(0.5), p99: q(0.99), rps: Math.round(total / secs) };
    };
    // Warm-up at every level: code paths, sockets, buffers and the heap at their working size.
    for (const c of [1, 4, 16, 64]) await level(c, 500);
    await delay(200);
    collectGarbage();
    const fd0 = fds();
    const { rss: rss0, heapUsed: heap0 } = process.memoryUsage();
    const levels = [];
    for (const c of [1, 4, 16, 64]) levels.push(await level(c, 2_000));
    await delay(500);
    collectGarbage();
    const fd1 = fds();
    const { rss: rss1, heapUsed: heap1 } = process.memoryUsage();
    const errors = levels.reduce((s, l) => s + l.errors, 0);
    await record(FILE, {
      row: '31',
      name: 'load 4 x 2,000 ranges',
      injected: 0,
      outcome: `${levels.map((l) => `c=${l.c}: p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.rps}/s`).join('; ')}; fds ${fd0}->${fd1}; heap ${Math.round(heap0 / 2 ** 20)}->${Math.round(heap1 / 2 ** 20)} MiB; RSS ${Math.round(rss0 / 2 ** 20)}->${Math.round(rss1 / 2 ** 20)} MiB`,
    });
    expect(errors).toBe(0);
    expect(fd1).toBe(fd0);
    // The JS heap is back within 5 %. RSS is not a leak signal here: malloc keeps freed socket and
    // body buffers (3-13 % observed after 8,000 requests; +42 MiB once on a loaded machine), so it
    // only has to stay within 64 MiB: a leaked body per request would be hundreds of MiB.
    expect(heap1 / heap0).toBeLessThan(1.05);
    expect((rss1 - rss0) / 2 ** 20).toBeLessThan(64);
  });
});
