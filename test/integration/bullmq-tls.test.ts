/**
 * The BullMQ runner over `rediss://` with a password (docs/scale-out.md, "Who can command a
 * worker"): our own redis-server with TLS only and `requirepass`, a self-signed certificate for
 * localhost made with openssl, trusted by the children through NODE_EXTRA_CA_CERTS. The URL goes
 * to ioredis as it is, so a worker and a scan that finish prove TLS and AUTH were both used (the
 * server has no plain port and refuses clients without the password); a wrong password and an
 * untrusted certificate are reported by the worker, which runs nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { CliProcess, differingOutputs, logEvents, runCli } from '../helpers/cli-process.js';
import { probeRedis, TestRedis } from '../helpers/redis-server.js';

const world = inject('smallWorld');
const probe = probeRedis();
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const skip = !probe.available
  ? probe.reason
  : openssl.status !== 0
    ? `openssl not runnable (${openssl.error?.message ?? openssl.stderr}); apt-get install openssl`
    : undefined;
if (skip) {
  if (process.env.CI === 'true')
    throw new Error(`CI needs redis-server and openssl for the TLS test: ${skip}`);
  console.log(`skipping the BullMQ TLS test: ${skip}`);
}

const PASSWORD = randomBytes(16).toString('hex');
let tmp: string;
let server: CatalogServer;
let redis: TestRedis;
let env: Record<string, string>;
const workers: CliProcess[] = [];

const scanArgs = (out: string): string[] => [
  ...['scan', '--stac', server.url.href, '--collection', 'sentinel-2-l2a'],
  ...['--before', '2020-12-01/2021-02-28', '--after', '2023-12-01/2024-02-29', '--out', out, '--quiet'],
];
const worker = (url: string, extraEnv: Record<string, string>): CliProcess => {
  const w = new CliProcess(
    ['worker', '--redis', url, '--queue', 'tls', '--threads', '1', '--stac-root', server.url.href],
    { env: extraEnv },
  );
  workers.push(w);
  return w;
};

describe.skipIf(skip !== undefined)('scan --runner bullmq over rediss:// with a password', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mw-bullmq-tls-'));
    const [cert, key] = [path.join(tmp, 'cert.pem'), path.join(tmp, 'key.pem')];
    const made = spawnSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
        ...['-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert],
      ],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
    server = await startCatalogServer({ root: world, basePath: '/v1' });
    redis = await TestRedis.start(probe.available ? probe.bin : '', {
      password: PASSWORD,
      tls: { cert, key },
    });
    env = { MINEWATCH_JOB_SECRET: randomBytes(32).toString('hex'), NODE_EXTRA_CA_CERTS: cert };
  });
  afterAll(async () => {
    await Promise.allSettled(workers.map((w) => w.kill('SIGKILL')));
    await redis?.stop();
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a worker and a scan work through TLS and AUTH, byte-identical to the local runner', async () => {
    expect(redis.url).toMatch(/^rediss:\/\/:[0-9a-f]+@localhost:\d+$/);
    const local = path.join(tmp, 'local');
    const ref = await runCli(scanArgs(local));
    expect(ref.code, ref.stderr).toBe(0);
    const w = worker(redis.url, env);
    await w.waitForEvent('Worker:Waiting');
    const out = path.join(tmp, 'tls');
    const ran = await runCli(
      [...scanArgs(out), '--runner', 'bullmq', '--redis', redis.url, '--queue', 'tls'],
      {
        env,
      },
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(differingOutputs(local, out)).toEqual([]);
    expect(logEvents(w.stderr, 'TileJob:Done').length).toBeGreaterThan(0);
    expect(logEvents(w.stderr, 'Redis:Failed')).toEqual([]);
    expect(w.stderr).not.toContain(PASSWORD);
  });

  it('a wrong password and an untrusted certificate are reported by the worker', async () => {
    const wrong = worker(redis.url.replace(`:${PASSWORD}@`, ':wrong@'), env);
    await wrong.waitForEvent('Redis:Failed', (e) => /^WRONGPASS/.test(String(e.reason)));
    const untrusted = worker(redis.url, {
      NODE_EXTRA_CA_CERTS: '',
      MINEWATCH_JOB_SECRET: env.MINEWATCH_JOB_SECRET ?? '',
    });
    await untrusted.waitForEvent('Redis:Failed', (e) => /self-signed certificate/.test(String(e.reason)));
    for (const w of [wrong, untrusted]) expect(logEvents(w.stderr, 'TileJob:Started')).toEqual([]);
  });
});
