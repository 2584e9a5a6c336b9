/**
 * Writes a scan's products (GeoJSON, the report, run.json, chips: whatever bytes it is given).
 *
 * The set is published all or nothing, as far as POSIX allows: every file is first written to a
 * temporary sibling and flushed (a full disk fails here, before anything is replaced), and only
 * then are the temporaries renamed over their targets. Files under a sub-folder (`chips/a.png`)
 * are built in a staging copy of that folder, swapped in whole, so stale files of an earlier run
 * do not linger beside the new ones.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError, InvalidInputError, OutputWriteError } from '../errors.js';
import { NotOurFolderError, publishDir, stagingDir, syncDir } from './atomic.js';
import { acquireFileLock, type FileLock } from './file-lock.js';

/** Output files by path relative to the output folder ("report.md", "chips/site-1.png"). */
export type OutputFiles = Record<string, string | Uint8Array>;

function checkRelative(name: string): string[] {
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..') || path.isAbsolute(name))
    throw new InternalError(`output name "${name}" must be a plain relative path`);
  return parts;
}

async function writeSynced(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Files written and flushed at once. */
const WRITERS = 16;

/**
 * Replaces the given outputs in `outDir`. On failure nothing was replaced and no temporary is
 * left; the error names the output folder and the cause in one line.
 */
export async function writeOutputs(outDir: string, files: OutputFiles): Promise<void> {
  const root = path.resolve(outDir);
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const topFiles: { target: string; tmp: string }[] = [];
  const folders = new Map<string, string>(); // target folder -> its staging copy
  try {
    await fs.mkdir(root, { recursive: true });
    // Phase 1: write everything beside its target. Nothing visible has changed yet. Files are
    // written and flushed a few at a time: a fsync waits on the disk, and hundreds of chips
    // one after the other would wait hundreds of times in a row.
    const pending: { file: string; data: string | Uint8Array }[] = [];
    for (const [name, data] of Object.entries(files)) {
      const parts = checkRelative(name);
      if (parts.length === 1) {
        const target = path.join(root, name);
        const tmp = path.join(root, `.${name}.${tag}.tmp`);
        topFiles.push({ target, tmp });
        pending.push({ file: tmp, data });
        continue;
      }
      const folder = path.join(root, parts[0] as string);
      let staging = folders.get(folder);
      if (staging === undefined) {
        staging = await stagingDir(folder);
        folders.set(folder, staging);
      }
      pending.push({ file: path.join(staging, ...parts.slice(1)), data });
    }
    const dirs = [...new Set(pending.map((p) => path.dirname(p.file)))];
    for (const d of dirs) await fs.mkdir(d, { recursive: true });
    let next = 0;
    let failed: Error | undefined;
    const writer = async (): Promise<void> => {
      while (next < pending.length && failed === undefined) {
        const p = pending[next++] as { file: string; data: string | Uint8Array };
        await writeSynced(p.file, p.data).catch((err: unknown) => {
          failed ??= err instanceof Error ? err : new OutputWriteError(String(err));
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITERS, pending.length) }, writer));
    if (failed !== undefined) throw failed;
    // Phase 2: publish. Renames within one filesystem need no space and cannot half-happen.
    for (const [folder, staging] of folders) await publishDir(staging, folder);
    folders.clear();
    for (const f of topFiles) await fs.rename(f.tmp, f.target);
    topFiles.length = 0;
    await syncDir(root);
  } catch (err) {
    await Promise.allSettled([
      ...topFiles.map((f) => fs.rm(f.tmp, { force: true })),
      ...[...folders.values()].map((d) => fs.rm(d, { recursive: true, force: true })),
    ]);
    if (err instanceof NotOurFolderError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOSPC' ? 'no space left on the device' : e.message;
    throw new OutputWriteError(
      `cannot write the outputs to ${root}: ${why}; the previous outputs are unchanged`,
    );
  }
}

/** minewatch's own checkout: never an output folder (`fixtures world --out .` once deleted src/). */
const PROJECT_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The lock file of an output folder (a SQLite file holding an exclusive transaction). */
export const OUTPUT_LOCK = '.minewatch.lock';

/**
 * Before any download: refuses `/`, the home folder and minewatch's own folder as outputs (exit 2),
 * creates the folder and checks that a file can be written and flushed there (exit 73), then
 * takes its lock for the length of the run (a second run into the same folder: exit 75).
 */
export async function prepareOutputFolder(outDir: string, flag = '--out'): Promise<FileLock> {
  const root = path.resolve(outDir);
  const forbidden = new Map([
    [path.parse(root).root, 'the filesystem root'],
    [homedir(), 'your home folder'],
    [PROJECT_ROOT, "minewatch's own folder"],
  ]);
  const what = forbidden.get(root);
  if (what !== undefined)
    throw new InvalidInputError(
      `${flag} ${outDir}: refusing to write outputs into ${what}; choose a folder of their own`,
    );
  const probe = path.join(root, `${PROBE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(root, { recursive: true });
    const h = await fs.open(probe, 'wx');
    try {
      await h.writeFile('probe\n');
      await h.sync();
    } finally {
      await h.close();
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OutputWriteError(
      `cannot write the outputs to ${root}: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.message}; nothing was downloaded`,
    );
  } finally {
    await fs.rm(probe, { force: true });
  }
  const lock = acquireFileLock(
    path.join(root, OUTPUT_LOCK),
    path.join(root, `${OUTPUT_LOCK}.owner`),
    `output folder ${root}`,
  );
  try {
    await removeStaleProbes(root);
  } catch (err) {
    lock.release(); // a folder this run cannot list is not one it keeps holding
    throw err;
  }
  return lock;
}

const PROBE_PREFIX = '.minewatch-probe-';
/** PROBE_PREFIX, the pid and 4 random bytes in hex: the name prepareOutputFolder gives a probe. */
const PROBE_NAME = new RegExp(`^${PROBE_PREFIX.replaceAll('.', '\\.')}\\d+-[0-9a-f]{8}$`);

/**
 * A run killed between creating its write probe and removing it leaves the probe behind. Once this
 * run holds the folder, such files are removed: only names and contents a probe has ('probe\n',
 * or nothing when killed before the write), so nothing minewatch did not make is touched.
 */
async function removeStaleProbes(root: string): Promise<void> {
  for (const name of await fs.readdir(root)) {
    if (!PROBE_NAME.test(name)) continue;
    const file = path.join(root, name);
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === '' || text === 'probe\n') await fs.rm(file, { force: true });
  }
}
