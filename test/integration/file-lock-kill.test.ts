import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireFileLock } from '../../src/io/file-lock.js';
import { LockedError } from '../../src/errors.js';

// A run killed while it holds a folder's lock leaves the lock's files but not the lock: the
// kernel drops the dead process's advisory lock, and the next run takes the folder over and
// removes what was left (row 25 kills re-scans between their state commit and this release).

const dir = mkdtempSync(path.join(os.tmpdir(), 'mw-lock-'));
const lockFile = path.join(dir, '.minewatch.lock');
const ownerFile = `${lockFile}.owner`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lockModule = pathToFileURL(path.resolve(__dirname, '../../dist/io/file-lock.js')).href;

describe('file lock after SIGKILL', () => {
  it('the next run takes the folder and leaves only the lock file', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { acquireFileLock } from ${JSON.stringify(lockModule)};
         acquireFileLock(${JSON.stringify(lockFile)}, ${JSON.stringify(ownerFile)}, 'test');
         console.log('held'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`holder exited ${String(code)} before holding`)));
    });
    expect(() => acquireFileLock(lockFile, ownerFile, 'the folder')).toThrow(LockedError);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(readdirSync(dir).sort()).toEqual([
      '.minewatch.lock',
      '.minewatch.lock-journal',
      '.minewatch.lock.owner',
    ]);
    acquireFileLock(lockFile, ownerFile, 'the folder').release();
    expect(readdirSync(dir)).toEqual(['.minewatch.lock']);
  });
});
