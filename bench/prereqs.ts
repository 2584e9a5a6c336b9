/**
 * What the bench needs outside npm: GNU time, and for the peer Debian's GDAL/numpy/scipy under
 * /usr/bin/python3 (../shared/PERFORMANCE.md). Missing Debian packages are installed with apt-get
 * when we run as root; every install is logged and listed in the report. Also describes the machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TIME_BIN } from './measure.js';

export const PEER_PYTHON = '/usr/bin/python3';
const PEER_PACKAGES = ['gdal-bin', 'python3-gdal', 'python3-numpy', 'python3-scipy'];

export interface Installs {
  /** Human-readable lines: what was installed, or why not. */
  notes: string[];
}

function ok(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** apt-get install -y, retrying once after apt-get update (a fresh container has no lists). */
function aptInstall(packages: string[], log: (m: string) => void, installs: Installs): boolean {
  if (process.getuid?.() !== 0) {
    installs.notes.push(`not root: install them with apt-get install -y ${packages.join(' ')}`);
    return false;
  }
  log(`installing with apt-get: ${packages.join(' ')}`);
  const run = (args: string[]): boolean =>
    spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  const done =
    run(['install', '-y', ...packages]) || (run(['update']) && run(['install', '-y', ...packages]));
  installs.notes.push(`apt-get install -y ${packages.join(' ')}: ${done ? 'installed' : 'FAILED'}`);
  return done;
}

/** GNU time is how every figure is taken: without it there is no bench. */
export function ensureTime(log: (m: string) => void, installs: Installs): void {
  if (existsSync(TIME_BIN)) return;
  if (!aptInstall(['time'], log, installs) || !existsSync(TIME_BIN))
    throw new Error(`${TIME_BIN} (Debian package "time") is missing and could not be installed`);
}

/** Null when the peer can run, else the reason it is skipped. */
export function ensurePeer(script: string, log: (m: string) => void, installs: Installs): string | null {
  if (!existsSync(script)) return `${script} not found (../shared is absent)`;
  const importsOk = (): boolean => ok(PEER_PYTHON, ['-c', 'import osgeo.gdal, numpy, scipy']);
  if (importsOk()) return null;
  if (!aptInstall(PEER_PACKAGES, log, installs) || !importsOk())
    return `${PEER_PYTHON} cannot import osgeo.gdal, numpy, scipy (${PEER_PACKAGES.join(' ')} not installed)`;
  return null;
}

function firstLine(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0]?.trim() ?? null) : null;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  gdal: string;
  os: string;
  loadAvg: string;
  /** 1-minute load average above the core count when described. */
  busy: boolean;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    gdal: firstLine('gdalinfo', ['--version']) ?? 'gdalinfo not installed',
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAvg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    busy: (os.loadavg()[0] ?? 0) > cpus.length,
  };
}

/** `git describe --always --dirty` of the repository, so a result names the code it measured. */
export function codeVersion(repoRoot: string): string {
  return (
    firstLine('git', ['-C', repoRoot, 'describe', '--always', '--dirty']) ?? 'unknown (not a git checkout)'
  );
}

/** Newest mtime under dist/: the build the bench ran (src may be ahead of it while someone works). */
export function distBuiltAt(repoRoot: string): string {
  const dist = path.join(repoRoot, 'dist');
  if (!existsSync(dist)) return 'no dist/';
  let newest = 0;
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js'))
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest > 0 ? new Date(newest).toISOString() : 'no .js in dist/';
}
