/**
 * A real redis-server for integration tests (never a mock): our own process on a free loopback
 * port with a temp dir and no persistence, so a restart loses every job, as a crashed Redis
 * without AOF would. Absent redis-server: tests skip with the reason, except in CI (CI=true),
 * where a missing server is a failure (.ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type RedisProbe = { available: true; bin: string } | { available: false; reason: string };

export function probeRedis(): RedisProbe {
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    return {
      available: false,
      reason: `${bin} not runnable (${r.error?.message ?? r.stderr}); apt-get install redis-server`,
    };
  return { available: true, bin };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface TestRedisOptions {
  /** `requirepass`: clients must send it (the URL carries it). */
  password?: string;
  /** TLS only (no plain port), with this PEM certificate and key; the URL is then rediss://. */
  tls?: { cert: string; key: string };
}

export class TestRedis {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'mw-redis-'));
  private constructor(
    private readonly bin: string,
    readonly port: number,
    private readonly options: TestRedisOptions,
  ) {}

  static async start(bin: string, options: TestRedisOptions = {}): Promise<TestRedis> {
    const r = new TestRedis(bin, await freePort(), options);
    await r.up();
    return r;
  }

  get url(): string {
    const auth = this.options.password ? `:${encodeURIComponent(this.options.password)}@` : '';
    // TLS checks the name against the certificate: the test certificate is for localhost.
    return this.options.tls
      ? `rediss://${auth}localhost:${this.port}`
      : `redis://${auth}127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port; resolves once it accepts connections. */
  async up(): Promise<void> {
    const { tls, password } = this.options;
    const listen = tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(this.port),
          '--tls-cert-file',
          tls.cert,
          '--tls-key-file',
          tls.key,
        ]
      : ['--port', String(this.port)];
    const args = [
      ...listen,
      ...(tls ? ['--tls-auth-clients', 'no'] : []),
      ...(password ? ['--requirepass', password] : []),
      ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ];
    this.child = spawn(this.bin, [...args, '--dir', this.dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await reachable(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not listen on 127.0.0.1:${this.port} within 5 s`);
  }

  /** Kills the server outright (SIGKILL): with no persistence, every job is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
