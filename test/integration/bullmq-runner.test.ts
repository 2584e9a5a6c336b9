/**
 * The BullMQ runner against a real redis-server and real worker processes (the built binary),
 * scanning the small synthetic world served by the local STAC API. Every distributed run must
 * write exactly the bytes the local runner writes (run.json, which holds timings, aside).
 * The small world (3 tiles, 12 blocks) rather than the demo world keeps CI time down.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import {
  CliProcess,
  differingOutputs,
  logEvents,
  runCli,
  type LogEvent,
  type Ran,
} from '../helpers/cli-process.js';
import { probeRedis, TestRedis } from '../helpers/redis-server.js';

const world = inject('smallWorld');
/** The secret the scans sign their jobs with and the workers verify (src/run/job-auth.ts). */
const env = { MINEWATCH_JOB_SECRET: randomBytes(32).toString('hex') };
const probe = probeRedis();
if (!probe.available) {
  if (process.env.CI === 'true')
    throw new Error(`CI needs redis-server for the BullMQ tests: ${probe.reason}`);
  console.log(`skipping the BullMQ runner tests: ${probe.reason}`);
}

let server: CatalogServer;
let redis: TestRedis;
let tmp: string;
let reference: string;
const workers: CliProcess[] = [];

const scanArgs = (out: string): string[] => [
  'scan',
  '--stac',
  server.url.href,
  '--collection',
  'sentinel-2-l2a',
  '--before',
  '2020-12-01/2021-02-28',
  '--after',
  '2023-12-01/2024-02-29',
  '--out',
  out,
  '--quiet',
];
const bullmqScan = (out: string, queue: string): Promise<Ran> =>
  runCli([...scanArgs(out), '--runner', 'bullmq', '--redis', redis.url, '--queue', queue], { env });

/**
 * Starts a worker on its own queue; locks short enough that a dead worker's job moves on soon. It
 * runs jobs of the test's STAC API only, re-scans only under the test's temp folder.
 */
async function startWorker(queue: string): Promise<CliProcess> {
  const w = new CliProcess(
    [
      'worker',
      '--redis',
      redis.url,
      '--queue',
      queue,
      '--threads',
      '1',
      '--lock-ms',
      '10000',
      '--stalled-ms',
      '5000',
      '--stac-root',
      server.url.href,
      '--state-root',
      tmp,
      '--out-root',
      tmp,
    ],
    { env },
  );
  workers.push(w);
  await w.waitForEvent('Worker:Waiting');
  return w;
}

/** Tile job ids each worker started, in the order its stderr logged them. */
const started = (w: CliProcess): string[] => logEvents(w.stderr, 'TileJob:Started').map((e) => String(e.job));
/** Tile job ids each worker finished. */
const done = (w: CliProcess): string[] => logEvents(w.stderr, 'TileJob:Done').map((e) => String(e.job));

describe.skipIf(!probe.available)('scan --runner bullmq with minewatch worker processes', () => {
  beforeAll(async () => {
    if (!probe.available) return;
    server = await startCatalogServer({ root: world, basePath: '/v1' });
    redis = await TestRedis.start(probe.bin);
    tmp = mkdtempSync(path.join(tmpdir(), 'mw-bullmq-'));
    reference = path.join(tmp, 'local');
    const local = await runCli(scanArgs(reference));
    expect(local.stderr).toBe('');
    expect(local.code).toBe(0);
  });
  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.kill('SIGKILL')));
    await redis?.stop();
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('two workers give outputs byte-identical to the local runner; SIGTERM stops a worker cleanly', async () => {
    const [a, b] = [await startWorker('two'), await startWorker('two')];
    const out = path.join(tmp, 'two');
    const ran = await bullmqScan(out, 'two');
    expect(ran.code, ran.stderr).toBe(0);
    expect(differingOutputs(reference, out)).toEqual([]);
    // Three tiles, each run once, shared between the workers.
    expect([...started(a), ...started(b)].sort()).toHaveLength(3);
    expect(await a.kill('SIGTERM')).toBe(0);
    expect(logEvents(a.stderr, 'Worker:Stopped')).toHaveLength(1);
    expect(await b.kill('SIGTERM')).toBe(0);
  });

  it('a worker killed with SIGKILL mid-job has its job finished by the other, byte-identical', async () => {
    const [a, b] = [await startWorker('kill'), await startWorker('kill')];
    const out = path.join(tmp, 'kill');
    const scan = bullmqScan(out, 'kill');
    // Kill whichever worker starts a tile first, while it is inside the job.
    await Promise.race([a.waitForEvent('TileJob:Started'), b.waitForEvent('TileJob:Started')]);
    const [victim, survivor] = started(a).length > 0 ? [a, b] : [b, a];
    const lost = started(victim)[0] as string;
    await victim.kill('SIGKILL');
    const ran = await scan;
    expect(ran.code, ran.stderr).toBe(0);
    expect(differingOutputs(reference, out)).toEqual([]);
    expect(lost).toMatch(/^tile-[0-9a-f]+$/);
    expect(done(victim)).not.toContain(lost);
    expect(done(survivor)).toContain(lost);
  });

  it('a Redis restart mid-run (every job lost) ends in recovery or a clear error, never silent loss', async () => {
    const [a, b] = [await startWorker('restart'), await startWorker('restart')];
    const out = path.join(tmp, 'restart');
    // Not --quiet: a recovery must say so on stderr.
    const args = [...scanArgs(out), '--runner', 'bullmq', '--redis', redis.url, '--queue', 'restart'];
    const scan = runCli(
      args.filter((x) => x !== '--quiet'),
      { env },
    );
    await Promise.race([a.waitForEvent('TileJob:Started'), b.waitForEvent('TileJob:Started')]);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.up();
    const ran = await scan;
    if (ran.code === 0) {
      expect(differingOutputs(reference, out)).toEqual([]);
      expect(ran.stderr).toMatch(/vanished from Redis/);
    } else {
      const last = ran.stderr.trim().split('\n').at(-1) ?? '';
      expect(last).toMatch(/^minewatch: .*Redis/);
      expect(existsSync(path.join(out, 'candidates.geojson'))).toBe(false);
    }
  });

  it('the same scan enqueued twice at once runs each tile job once (deterministic ids)', async () => {
    const [a, b] = [await startWorker('twice'), await startWorker('twice')];
    const [one, two] = [path.join(tmp, 'twice-1'), path.join(tmp, 'twice-2')];
    const [r1, r2] = await Promise.all([bullmqScan(one, 'twice'), bullmqScan(two, 'twice')]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(differingOutputs(reference, one)).toEqual([]);
    expect(differingOutputs(reference, two)).toEqual([]);
    const ids = [...started(a), ...started(b)];
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  it('a Redis that stays down ends the scan with a one-line error and no outputs', async () => {
    const [a, b] = [await startWorker('down'), await startWorker('down')];
    const out = path.join(tmp, 'down');
    const scan = runCli(
      [
        ...scanArgs(out),
        '--runner',
        'bullmq',
        '--redis',
        redis.url,
        '--queue',
        'down',
        '--redis-timeout',
        '5',
      ],
      { env },
    );
    await Promise.race([a.waitForEvent('TileJob:Started'), b.waitForEvent('TileJob:Started')]);
    await redis.kill();
    const ran = await scan;
    expect(ran.code).not.toBe(0);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
    expect(ran.stderr).toMatch(/^minewatch: Redis at redis:\/\/127\.0\.0\.1:\d+ unreachable for 5 s/);
    expect(existsSync(path.join(out, 'candidates.geojson'))).toBe(false);
    await redis.up();
  });

  it('a job scheduler runs re-scans on a worker; replicas never run two at once on one state', async () => {
    const [a, b] = [await startWorker('sched'), await startWorker('sched')];
    const [state, out] = [path.join(tmp, 'sched-state'), path.join(tmp, 'sched-out')];
    const schedule = (...extra: string[]): Promise<Ran> =>
      runCli(['schedule-rescan', '--redis', redis.url, '--queue', 'sched', '--id', 'test', ...extra], {
        env,
      });
    const bad = await schedule(
      '--every',
      'nonsense',
      '--state',
      state,
      '--before',
      '2020-12-01/2021-02-28',
      '--after',
      '2023-12-01/..',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^minewatch: --every "nonsense"/);
    const ok = await schedule(
      ...['--every', '*/2 * * * * *', '--state', state, '--out', out, '--stac', server.url.href],
      ...['--before', '2020-12-01/2021-02-28', '--after', '2023-12-01/..'],
    );
    expect(ok.code, ok.stderr).toBe(0);
    const second = (e: LogEvent): boolean => e.run === 2;
    await Promise.race([
      a.waitForEvent('ScheduledRescan:Done', second),
      b.waitForEvent('ScheduledRescan:Done', second),
    ]);
    expect((await schedule('--remove')).stdout).toMatch(/removed scheduler test/);
    const runs = [...logEvents(a.stderr), ...logEvents(b.stderr)].filter(
      (e) => e.msg === 'ScheduledRescan:Done',
    );
    // Each run number once (the state's lock refuses overlapping ticks); the first saw every item.
    const numbers = runs.map((e) => e.run);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(runs.find((e) => e.run === 1)?.newItems).toBe(12);
    expect(existsSync(path.join(out, 'changes.geojson'))).toBe(true);
  });
});
