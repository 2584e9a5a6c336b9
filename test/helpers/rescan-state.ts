/** What re-scan tests compare: the products of an output folder, and how far a state got. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { OUTPUT_LOCK } from '../../src/io/outputs.js';
import { StateStore } from '../../src/state/store.js';

/**
 * The output folder's lock files (io/file-lock.ts): not products. A run killed after its state
 * committed but before it let go of the folder leaves them (the lock itself dies with the
 * process); the next run into the folder takes them over and removes them.
 */
const LOCK_FILES = new Set([OUTPUT_LOCK, `${OUTPUT_LOCK}-journal`, `${OUTPUT_LOCK}.owner`]);

/** Every product but run.json (it records timings), temporaries and the lock's files, by name. */
export function products(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(out).sort())
    if (f !== 'run.json' && !f.endsWith('.tmp') && !LOCK_FILES.has(f))
      files[f] = readFileSync(path.join(out, f), 'utf8');
  return files;
}

/** The number of the state's last finished run (undefined: none yet). */
export function lastRun(state: string): number | undefined {
  const s = StateStore.open(state);
  try {
    return s.lastRun()?.run;
  } finally {
    s.close();
  }
}
