/**
 * One timed command: run it under GNU `/usr/bin/time -v` and read back wall time, CPU time and
 * peak RSS. The kernel's own accounting (wait4 rusage) is what we quote, so the figures mean the
 * same for our Node scan and the Python peer. A failed or timed-out run is returned, never thrown:
 * the report lists it instead of hiding it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TIME_BIN = '/usr/bin/time';

export interface TimeV {
  wallS: number;
  cpuS: number;
  rssMiB: number;
}

export interface TimedRun {
  ok: boolean;
  /** Why it failed, in a few words (exit status, signal, timeout, missing figures). */
  failure?: string;
  exitCode: number | null;
  figures: TimeV | null;
  /** The command's stdout (last 256 kB) and stderr (last 4 kB). */
  stdout: string;
  stderrTail: string;
}

export interface TimedOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** "1:02:03.45" or "2:03.45" (GNU time's h:mm:ss or m:ss) -> seconds. */
export function clockToSeconds(text: string): number {
  const parts = text.trim().split(':').map(Number);
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !Number.isFinite(p)))
    throw new Error(`not a GNU time clock value: ${JSON.stringify(text)}`);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

/** Parses the `time -v` report; null when a figure is missing (e.g. time itself was killed). */
export function parseTimeV(report: string): TimeV | null {
  const wall = /Elapsed \(wall clock\) time(?: \([^)]*\))?:\s*([\d:.]+)/.exec(report)?.[1];
  const rss = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report)?.[1];
  const user = /User time \(seconds\):\s*([\d.]+)/.exec(report)?.[1];
  const sys = /System time \(seconds\):\s*([\d.]+)/.exec(report)?.[1];
  if (wall === undefined || rss === undefined || user === undefined || sys === undefined) return null;
  return { wallS: clockToSeconds(wall), cpuS: Number(user) + Number(sys), rssMiB: Number(rss) / 1024 };
}

function keepTail(buf: string, chunk: string, max: number): string {
  const s = buf + chunk;
  return s.length > max ? s.slice(s.length - max) : s;
}

/** Runs `cmd args` under `/usr/bin/time -v -o FILE`; the time report goes to its own file. */
export async function timed(cmd: string, args: string[], opts: TimedOptions): Promise<TimedRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'minewatch-bench-'));
  const reportFile = path.join(dir, 'time.txt');
  try {
    // detached: the run gets its own process group, so a timeout can stop time and its child together.
    const child = spawn(TIME_BIN, ['-v', '-o', reportFile, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout = keepTail(stdout, c, 256 * 1024)));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = keepTail(stderr, c, 4096)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, opts.timeoutMs);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c, s) => resolve({ code: c, signal: s }));
      },
    ).finally(() => clearTimeout(timer));
    let report = '';
    try {
      report = readFileSync(reportFile, 'utf8');
    } catch {
      // time was killed before writing its report: no figures, reported as a failure below.
    }
    const figures = parseTimeV(report);
    // GNU time notes a child killed by a signal in its report; it exits 0 on that path.
    const killedBy = /Command terminated by signal (\d+)/.exec(report)?.[1];
    let failure: string | undefined;
    if (timedOut) failure = `timed out after ${Math.round(opts.timeoutMs / 1000)} s`;
    else if (signal) failure = `killed by ${signal}`;
    else if (killedBy) failure = `killed by signal ${killedBy}`;
    else if (code !== 0) failure = `exit status ${String(code)}`;
    else if (!figures) failure = 'no figures in the time -v report';
    return {
      ok: failure === undefined,
      ...(failure !== undefined ? { failure } : {}),
      exitCode: code,
      figures,
      stdout,
      stderrTail: stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Shell-quoted command line, for the report (copy-paste runnable). */
export function shellLine(cmd: string, args: readonly string[]): string {
  const q = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [cmd, ...args].map(q).join(' ');
}
