/**
 * One run per state folder. The lock is an exclusive SQLite transaction held open on `lock.sqlite`
 * for the whole run: SQLite takes it with a POSIX advisory lock, which the kernel releases when the
 * holder dies, so a run killed with SIGKILL never leaves a stale lock behind and no pid guessing is
 * needed. The holder writes who it is to `lock.owner` so a refused run can say whom it waited for.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LockedError } from '../errors.js';

export interface StateLock {
  release(): void;
}

function holder(ownerFile: string): string {
  try {
    const o = JSON.parse(readFileSync(ownerFile, 'utf8')) as { pid?: number; host?: string; since?: string };
    return `pid ${String(o.pid)} on ${String(o.host)}, since ${String(o.since)}`;
  } catch {
    return 'a run that is just starting';
  }
}

/** Takes the lock of `stateDir` (which must exist) or throws LockedError at once, naming the holder. */
export function acquireLock(stateDir: string, now = new Date()): StateLock {
  const ownerFile = path.join(stateDir, 'lock.owner');
  const db = new Database(path.join(stateDir, 'lock.sqlite'), { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY')
      throw new LockedError(
        `state folder ${stateDir} is in use by another run (${holder(ownerFile)}); try again when it ends`,
      );
    throw err;
  }
  writeFileSync(
    ownerFile,
    `${JSON.stringify({ pid: process.pid, host: hostname(), since: now.toISOString() })}\n`,
  );
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(ownerFile, { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
