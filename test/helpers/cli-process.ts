/**
 * The built `minewatch` binary as a child process, without blocking the test's event loop (the
 * STAC server the child talks to lives in the test process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const BIN = path.resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface Ran {
  /** -1 when the child died by a signal (see `signal`). */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface RunOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Called once the child runs, e.g. to signal it after a delay. */
  onSpawn?: (child: ChildProcess) => void;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? -1, signal, stdout, stderr, ms: Date.now() - t0 }),
    );
    opts.onSpawn?.(child);
  });
}

/** `minewatch scan` of a generated world read as a local ItemCollection, over its two test seasons. */
export function scanWorldFile(world: string, out: string, extra: string[] = []): Promise<Ran> {
  return runCli([
    'scan',
    '--stac',
    path.join(world, 'stac', 'items.json'),
    '--before',
    '2020-12-01/2021-02-28',
    '--after',
    '2023-12-01/2024-02-29',
    '--out',
    out,
    '--quiet',
    ...extra,
  ]);
}

/** One event of the CLI's JSON log on stderr (src/cli/logger.ts): `msg` is its `Noun:Verb` name. */
export interface LogEvent {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * The JSON log events in captured stderr, in order, only those named `msg` when given. Lines that
 * are not JSON (the final one-line error) are skipped: a test of those reads stderr itself.
 */
export function logEvents(stderr: string, msg?: string): LogEvent[] {
  return stderr.split('\n').flatMap((line): LogEvent[] => {
    if (!line.startsWith('{')) return [];
    const e = JSON.parse(line) as LogEvent;
    return msg === undefined || e.msg === msg ? [e] : [];
  });
}

/** A long-running child (a worker) whose stderr is collected and can be waited on. */
export class CliProcess {
  readonly child: ChildProcess;
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(args: string[], opts: { env?: Record<string, string> } = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves when stderr matches, or rejects after timeoutMs. */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr)) {
      if (Date.now() > until)
        throw new Error(`timed out waiting for ${String(pattern)}; stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves with the first log event named `msg` (and passing `where`), or rejects after timeoutMs. */
  async waitForEvent(
    msg: string,
    where: (e: LogEvent) => boolean = () => true,
    timeoutMs = 60_000,
  ): Promise<LogEvent> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      // Only whole lines: a chunk may end mid-line.
      const whole = this.stderr.slice(0, this.stderr.lastIndexOf('\n') + 1);
      const found = logEvents(whole, msg).find(where);
      if (found) return found;
      if (Date.now() > until) throw new Error(`timed out waiting for event ${msg}; stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Every file under a folder, as relative paths, sorted. */
export function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
    })
    .sort();
}

/** Files whose bytes differ between two output folders (run.json holds timings: left out). */
export function differingOutputs(a: string, b: string): string[] {
  const fa = listFiles(a).filter((f) => f !== 'run.json');
  const fb = listFiles(b).filter((f) => f !== 'run.json');
  const all = [...new Set([...fa, ...fb])].sort();
  return all.filter(
    (f) =>
      !fa.includes(f) ||
      !fb.includes(f) ||
      !readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))),
  );
}
