/**
 * `minewatch serve-catalog` as a separate process, so its CPU and memory never count against the
 * scan being timed. Started once per (world, latency), stopped with SIGTERM by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  /** STAC API root, e.g. http://127.0.0.1:PORT/v1 (no trailing slash). */
  url: string;
  latencyMs: number;
  args: string[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Stops every server still running (on the harness's own exit path). */
export function stopAllServers(): void {
  for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
}

export async function startServer(
  repoRoot: string,
  worldDir: string,
  latencyMs: number,
  /** More serve-catalog flags, e.g. `['--profile', 'l2a']`. */
  extra: readonly string[] = [],
): Promise<ServerProcess> {
  const args = [
    'dist/cli/main.js',
    'serve-catalog',
    '--root',
    worldDir,
    '--port',
    '0',
    '--latency',
    String(latencyMs),
    '--base-path',
    '/v1',
    ...extra,
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error('serve-catalog printed no URL within 30 s')), 30_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      rl.close();
      resolve(l.trim());
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve-catalog exited (status ${String(code)}) before printing its URL: ${stderr}`));
    });
  });
  child.stdout?.resume();
  return {
    url: line.replace(/\/$/, ''),
    latencyMs,
    args,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
}
