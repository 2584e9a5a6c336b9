/**
 * Row 39: whoever can write to Redis can add jobs; a worker must not obey them. A real
 * redis-server, a real `minewatch worker` from dist (signed jobs only, its own STAC, state and
 * output roots), and hostile jobs pushed straight into the queue: unsigned, signed with another
 * secret, tampered after signing, and correctly signed but aimed at local files, cloud metadata,
 * the canary listener, or output and state folders outside the worker's roots. Every one must
 * fail at once with a one-line reason that quotes no byte of any file, with 0 canary connections
 * and 0 files written outside the roots; a legitimate scan and a legitimate re-scan still work.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signJob, type JobData } from '../../src/run/job-auth.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { CliProcess, logEvents } from '../helpers/cli-process.js';
import { probeRedis, TestRedis } from '../helpers/redis-server.js';
import { startCanary, type Canary } from './helpers/fault-modes.js';
import {
  cleanRun,
  health,
  isOneLineError,
  listTree,
  record,
  runCli,
  scanCli,
  sumHealth,
  tempRoot,
  versusClean,
  type Clean,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'worker-auth-faults';
const world = inject('smallWorld');
const probe = probeRedis();
if (!probe.available) {
  if (process.env.CI === 'true') throw new Error(`CI needs redis-server for row 39: ${probe.reason}`);
  console.log(`skipping row 39: ${probe.reason}`);
}

const SECRET = randomBytes(32).toString('hex');
const env = { MINEWATCH_JOB_SECRET: SECRET };
const QUEUE = 'row39';
/** Lines of /etc/passwd: none may appear in any failure reason or log. */
const PASSWD = existsSync('/etc/passwd')
  ? readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => l.length >= 8)
  : [];

let tmp: string;
let roots: { state: string; out: string; outside: string };
let redis: TestRedis;
let server: CatalogServer;
let canary: Canary;
let worker: CliProcess;
let connection: Redis;
let queue: Queue;
let events: QueueEvents;
let eventsConnection: Redis;
let clean: Clean;
const runs: CliRun[] = [];

beforeAll(async () => {
  if (!probe.available) return;
  tmp = tempRoot(FILE);
  roots = {
    state: path.join(tmp, 'state-root'),
    out: path.join(tmp, 'out-root'),
    outside: path.join(tmp, 'outside'),
  };
  for (const d of Object.values(roots)) mkdirSync(d, { recursive: true });
  canary = await startCanary();
  redis = await TestRedis.start(probe.bin);
  server = await startCatalogServer({ root: world, basePath: '/v1' });
  clean = await cleanRun(world, path.join(tmp, 'clean'));
  worker = new CliProcess(
    [
      ...['worker', '--redis', redis.url, '--queue', QUEUE, '--threads', '1'],
      ...['--stac-root', server.url.href, '--state-root', roots.state, '--out-root', roots.out],
    ],
    { env },
  );
  await worker.waitForEvent('Worker:Waiting');
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  eventsConnection = connection.duplicate();
  // Errors surface through the commands awaited; these only keep reconnects at teardown quiet.
  for (const c of [connection, eventsConnection]) c.on('error', () => undefined);
  queue = new Queue(QUEUE, { connection });
  events = new QueueEvents(QUEUE, { connection: eventsConnection });
  await events.waitUntilReady();
});

afterAll(async () => {
  await events?.close();
  await queue?.close();
  connection?.disconnect();
  eventsConnection?.disconnect();
  await worker?.kill('SIGKILL');
  await server?.close();
  await redis?.stop();
  await canary?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Adds a job straight into Redis, as an attacker with Redis access would, and waits for its end. */
async function push(name: string, data: unknown, id: string): Promise<Job> {
  const job = await queue.add(name, data, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 100 } });
  await job.waitUntilFinished(events, 60_000).catch(() => undefined);
  const done = await queue.getJob(id);
  if (!done) throw new Error(`job ${id} vanished`);
  return done;
}

type Item = { id: string; assets: Record<string, { href: string }> };
/** A copy of a tile job's data with `edit` applied to its first before-item (re-encoded). */
function withItem(data: JobData, edit: (item: Item) => void): JobData {
  const copy = JSON.parse(JSON.stringify(data)) as JobData & { tile: { before: string[] } };
  const item = JSON.parse(copy.tile.before[0] as string) as Item;
  edit(item);
  copy.tile.before[0] = JSON.stringify(item);
  return copy;
}

const sign = (name: string, data: JobData, secret = SECRET): JobData =>
  signJob(Buffer.from(secret, 'utf8'), name, data);

describe.skipIf(!probe.available)('row 39: a job from Redis cannot command a worker', () => {
  it('no secret: worker and producer refuse to start, naming the variable', async () => {
    const w = await runCli(['worker', '--redis', redis.url, '--queue', 'nosecret'], {
      env: { MINEWATCH_JOB_SECRET: '' },
    });
    const s = await scanCli(
      server.url.href,
      path.join(tmp, 'nosecret'),
      ['--runner', 'bullmq', '--redis', redis.url],
      {
        env: { MINEWATCH_JOB_SECRET: '' },
      },
    );
    runs.push(w, s);
    for (const r of [w, s]) {
      expect(r.code, r.stderr).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(/no job secret: set MINEWATCH_JOB_SECRET/);
    }
    expect(existsSync(path.join(tmp, 'nosecret'))).toBe(false);
  });

  it('hostile jobs all fail with a one-line reason; no file byte leaks, no canary, no file outside the roots', async () => {
    // A legitimate signed scan first: it succeeds, byte-identical to the local run, and leaves
    // its tile jobs in Redis, real payloads for the attacks to start from.
    const legit = path.join(tmp, 'legit');
    const scan = await scanCli(
      server.url.href,
      legit,
      ['--runner', 'bullmq', '--redis', redis.url, '--queue', QUEUE],
      {
        env,
      },
    );
    runs.push(scan);
    expect(scan.code, scan.stderr).toBe(0);
    const identical = versusClean(legit, clean);
    expect(identical.byteIdentical).toBe(true);
    const template = (await queue.getJobs(['completed'])).find((j) => j.name === 'tile');
    if (!template) throw new Error('the legitimate scan left no tile job in Redis');
    const { sig: _sig, ...tile } = template.data as JobData;

    const c = canary.url.href.replace(/\/$/, '');
    const rescan = (flags: Record<string, unknown>): JobData => ({
      v: 1,
      flags: {
        state: path.join(roots.state, 's'),
        stac: server.url.href,
        collection: 'sentinel-2-l2a',
        aoi: 'kachin',
        before: '2020-12-01/2021-02-28',
        after: '2023-12-01/..',
        lookback: 30,
        maxCloud: 60,
        concurrency: 4,
        out: path.join(roots.out, 'o'),
        ...flags,
      },
    });
    const outsideState = path.join(roots.outside, 'state');
    const outsideOut = path.join(roots.outside, 'out');
    const hostile: [string, string, unknown, RegExp][] = [
      ['unsigned', 'tile', tile, /unsigned job/],
      ['signed with another secret', 'tile', sign('tile', tile, 'x'.repeat(64)), /bad signature/],
      [
        'tampered after signing (href /etc/passwd)',
        'tile',
        {
          ...withItem(tile, (i) => (i.assets.red!.href = 'file:///etc/passwd')),
          sig: sign('tile', tile).sig,
        },
        /bad signature/,
      ],
      [
        'signed, stac=file:/// and href /etc/passwd',
        'tile',
        sign('tile', {
          ...withItem(tile, (i) => (i.assets.red!.href = 'file:///etc/passwd')),
          stac: 'file:///a/b',
        }),
        /stac "file:\/\/\/a\/b" is not under any of this worker's --stac-root/,
      ],
      [
        'signed, the worker’s own stac, href /etc/passwd',
        'tile',
        sign(
          'tile',
          withItem(tile, (i) => (i.assets.red!.href = 'file:///etc/passwd')),
        ),
        /href "file:\/\/\/etc\/passwd" is outside this worker's asset policy/,
      ],
      [
        'signed, stac=cloud metadata',
        'tile',
        sign('tile', {
          ...withItem(tile, (i) => (i.assets.red!.href = 'http://169.254.169.254/latest/meta-data/')),
          stac: 'http://169.254.169.254/',
        }),
        /stac "http:\/\/169\.254\.169\.254\/" is not under/,
      ],
      [
        'signed, stac=the canary',
        'tile',
        sign('tile', { ...withItem(tile, (i) => (i.assets.red!.href = `${c}/B04.tif`)), stac: `${c}/v1` }),
        /is not under any of this worker's --stac-root/,
      ],
      [
        'signed, href on the canary',
        'tile',
        sign(
          'tile',
          withItem(tile, (i) => (i.assets.scl!.href = `${c}/SCL.tif`)),
        ),
        /asset "scl" href .* is outside this worker's asset policy/,
      ],
      [
        'signed, malformed payload',
        'tile',
        sign('tile', { ...tile, concurrency: 'all', tile: 'x' }),
        /malformed payload/,
      ],
      ['signed, unknown kind', 'shell', sign('shell', { cmd: 'id' }), /unknown job name "shell"/],
      [
        'signed re-scan, out=/',
        'rescan',
        sign('rescan', rescan({ out: '/' })),
        /out "\/" is outside this worker's --out-root/,
      ],
      [
        're-scan, out outside the roots',
        'rescan',
        sign('rescan', rescan({ out: outsideOut })),
        /is outside this worker's --out-root/,
      ],
      [
        're-scan, state outside the roots',
        'rescan',
        sign('rescan', rescan({ state: outsideState })),
        /state ".*" is outside this worker's --state-root/,
      ],
      [
        're-scan, aoi=/etc/passwd',
        'rescan',
        sign('rescan', rescan({ aoi: '/etc/passwd' })),
        /aoi "\/etc\/passwd" is outside/,
      ],
      [
        're-scan, stac=file:///etc/passwd',
        'rescan',
        sign('rescan', rescan({ stac: 'file:///etc/passwd' })),
        /not under any/,
      ],
      [
        're-scan, stac=cloud metadata',
        'rescan',
        sign('rescan', rescan({ stac: 'http://169.254.169.254/latest/' })),
        /not under any/,
      ],
      ['re-scan, unsigned', 'rescan', rescan({}), /unsigned job/],
      // A name that tries to forge a log line of its own.
      [
        'a name with a newline',
        'tile\nworker: forged',
        sign('tile\nworker: forged', tile),
        /unknown job name/,
      ],
    ];

    const reasons: string[] = [];
    let k = 0;
    for (const [label, name, data, why] of hostile) {
      const job = await push(name, data, `hostile-${++k}`);
      const reason = job.failedReason ?? '';
      reasons.push(reason);
      expect(await job.getState(), label).toBe('failed');
      // As the worker prints it (control characters as ?), escaped for a RegExp.
      const shown = name.replace(/\n/g, '\\?');
      expect(reason, label).toMatch(new RegExp(`^job hostile-${k} \\(${shown}\\) refused: `));
      expect(reason, label).toMatch(why);
      expect(reason, label).not.toMatch(/\n/);
      // Refused for good: not attempted again.
      expect(job.attemptsMade, label).toBe(1);
      // Logged once, as one event (the line may reach us after Redis says the job failed).
      const id = `hostile-${k}`;
      await worker.waitForEvent('Job:Failed', (e) => e.job === id);
      const logged = logEvents(worker.stderr, 'Job:Failed').filter((e) => e.job === id);
      expect(logged, label).toHaveLength(1);
      expect(logged[0]?.name, label).toBe(name.replace(/\n/g, '?'));
      expect(String(logged[0]?.reason), label).toMatch(why);
    }

    // Last, a legitimate signed re-scan inside the roots: the worker still obeys its rightful owner.
    const good = await push('rescan', sign('rescan', rescan({})), 'legit-rescan');
    expect(good.failedReason).toBeUndefined();
    expect(await good.getState()).toBe('completed');
    expect(existsSync(path.join(roots.out, 'o', 'changes.geojson'))).toBe(true);

    // Every line the worker wrote is one JSON event: a job's name cannot start a line of its own.
    expect(worker.stderr).not.toMatch(/^worker: forged/m);
    expect(
      worker.stderr
        .trim()
        .split('\n')
        .every((line) => logEvents(line).length === 1),
    ).toBe(true);
    const leaked = [...reasons, worker.stderr].filter((text) => PASSWD.some((line) => text.includes(line)));
    // The old worker opened the file and quoted its first bytes ("not a TIFF (byte-order mark 0x...)").
    const opened = reasons.filter((r) => /not a TIFF|byte-order mark/.test(r));
    const outside = [
      ...listTree(roots.outside),
      ...['/candidates.geojson', '/changes.geojson'].filter(existsSync),
    ];
    expect(leaked).toEqual([]);
    expect(opened).toEqual([]);
    expect(canary.connections()).toBe(0);
    expect(outside).toEqual([]);
    // The worker survived every job and stops cleanly.
    expect(worker.child.exitCode).toBeNull();
    expect(await worker.kill('SIGTERM')).toBe(0);

    const h = sumHealth(runs);
    await record(FILE, {
      row: '39',
      name: 'hostile jobs pushed into Redis: unsigned, forged, tampered, signed but outside the worker policy',
      injected: hostile.length,
      ...h,
      canaryConnections: canary.connections(),
      filesOutsideRoot: outside.length,
      outcome: `${hostile.length} refused with a one-line reason; ${leaked.length} reasons or logs with /etc/passwd bytes; legitimate scan byte-identical: ${identical.byteIdentical}; legitimate re-scan: ${await good.getState()}`,
    });
    await record(FILE, {
      row: '39',
      name: 'a legitimate signed scan through the same worker',
      recoverable: true,
      byteIdentical: identical.byteIdentical,
      lostCandidates: identical.lostCandidates,
      duplicateIds: identical.duplicateIds,
      ...health(scan),
    });
  });
});
