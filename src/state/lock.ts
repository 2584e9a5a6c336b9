/**
 * One re-scan per state folder: the folder's lock (io/file-lock.ts explains how it is held and why
 * exactly one of two simultaneous runs wins).
 */
import path from 'node:path';
import { acquireFileLock, type FileLock } from '../io/file-lock.js';

/** Takes the lock of `stateDir` (which must exist) or throws LockedError, naming the holder. */
export function acquireLock(stateDir: string, now = new Date()): FileLock {
  return acquireFileLock(
    path.join(stateDir, 'lock.sqlite'),
    path.join(stateDir, 'lock.owner'),
    `state folder ${stateDir}`,
    now,
  );
}
