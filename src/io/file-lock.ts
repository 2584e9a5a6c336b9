/**
 * One run per folder (a re-scan's state folder, a scan's --out). The lock is an exclusive SQLite
 * transaction held open on a lock file for the whole run: SQLite takes it with a POSIX advisory lock, which the kernel releases when the
 * holder dies, so a run killed with SIGKILL never leaves a stale lock behind and no pid guessing is
 * needed. The holder writes who it is to an owner file beside it so a refused run can say whom it waited for.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { LockedError } from '../errors.js';

export interface FileLock {
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

/**
 * SQLite's wait for a lock. Without one, two runs that start together can both lose: each takes
 * SHARED, one gets RESERVED, the other fails it and the first then fails EXCLUSIVE because the
 * second still holds SHARED (seen on a busy 2-core machine: both exited 75). With a busy timeout
 * SQLite resolves exactly that deadlock by failing the one without RESERVED at once, and the other
 * waits for its SHARED to go: one winner. A run that finds the lock already held waits this long,
 * then is refused: short, so that it is refused while the holder still runs (a 2 s wait let a
 * second re-scan start after a quick first one ended: both exited 0).
 */
export const LOCK_WAIT_MS = 250;

/**
 * Holds an exclusive SQLite transaction on `lockFile` until released; throws LockedError (75) at
 * within LOCK_WAIT_MS when another process holds it. `what` names the folder in the error.
 */
export function acquireFileLock(
  lockFile: string,
  ownerFile: string,
  what: string,
  now = new Date(),
): FileLock {
  let db: Database.Database | undefined;
  try {
    db = new Database(lockFile, { timeout: LOCK_WAIT_MS });
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db?.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY')
      throw new LockedError(
        `${what} is in use by another run (${holder(ownerFile)}); try again when it ends`,
      );
    throw err;
  }
  const held = db;
  try {
    writeFileSync(
      ownerFile,
      `${JSON.stringify({ pid: process.pid, host: hostname(), since: now.toISOString() })}\n`,
    );
  } catch (err) {
    held.close();
    throw err;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(ownerFile, { force: true });
      held.exec('ROLLBACK');
      held.close();
    },
  };
}
