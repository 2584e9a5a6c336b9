/**
 * Atomic output: readers see the old file or the new one, never a torn one. Files are written
 * to a temporary sibling, flushed, then renamed over the target (rename is atomic on POSIX
 * within a filesystem); a folder is built beside its target and swapped in with two renames.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

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
}

/** A fresh staging folder next to `target`, to be published with `publishDir`. */
export async function stagingDir(target: string): Promise<string> {
  await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
  const dir = `${path.resolve(target)}.staging-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(dir);
  return dir;
}

/** Replace `target` with the finished `staging` folder; the old contents are removed after. */
export async function publishDir(staging: string, target: string): Promise<void> {
  const abs = path.resolve(target);
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
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}
