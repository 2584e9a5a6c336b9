/**
 * Atomic output: readers see the old file or the new one, never a torn one. Files are written
 * to a temporary sibling, flushed, then renamed over the target (rename is atomic on POSIX
 * within a filesystem); a folder is built beside its target and swapped in with two renames.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OutputWriteError } from '../errors.js';

/**
 * Written into every folder minewatch builds with `stagingDir`. `publishDir` replaces (and so
 * deletes) only a folder holding it: a folder minewatch did not make is never removed.
 */
export const FOLDER_MARKER = '.minewatch-folder';

/** A folder minewatch did not create is not replaced: exit 73, naming it. */
export class NotOurFolderError extends OutputWriteError {}

async function isOurs(dir: string): Promise<boolean> {
  try {
    return (await fs.lstat(path.join(dir, FOLDER_MARKER))).isFile();
  } catch {
    return false;
  }
}

/** fsync a directory, so the renames in it survive a power loss (POSIX leaves them in the cache). */
export async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some filesystems refuse fsync on a directory (EINVAL, EISDIR): nothing more can be done.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle?.close();
  }
}

function tmpName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpName(target);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(target));
}

/**
 * A fresh staging folder next to `target`, to be published with `publishDir`; it carries the
 * marker that lets a later run replace it. Refused at once when `target` exists and minewatch did
 * not make it, so no work is done for a folder that cannot be published.
 */
export async function stagingDir(target: string): Promise<string> {
  await refuseForeignFolder(target);
  await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const dir = `${path.resolve(target)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, FOLDER_MARKER), 'made by minewatch; replaced whole by its next run\n');
  return dir;
}

/** Throws NotOurFolderError when `target` exists and is not a folder minewatch created. */
export async function refuseForeignFolder(target: string): Promise<void> {
  const abs = path.resolve(target);
  let exists = true;
  try {
    await fs.lstat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    exists = false;
  }
  if (exists && !(await isOurs(abs)))
    throw new NotOurFolderError(
      `refusing to replace ${abs}: minewatch did not create it (no ${FOLDER_MARKER} marker inside); move it away or choose another output folder`,
    );
}

/**
 * Replace `target` with the finished `staging` folder; the old contents are removed after. Only
 * a folder minewatch created (it holds FOLDER_MARKER) is replaced; anything else is refused.
 */
export async function publishDir(staging: string, target: string): Promise<void> {
  const abs = path.resolve(target);
  await refuseForeignFolder(abs);
  const old = `${abs}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  let hadOld = false;
  try {
    await fs.rename(abs, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await fs.rename(staging, abs);
  } catch (err) {
    if (hadOld) await fs.rename(old, abs);
    throw err;
  }
  await syncDir(path.dirname(abs));
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}
