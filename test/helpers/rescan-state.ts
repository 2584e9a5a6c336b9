/** What re-scan tests compare: the products of an output folder, and how far a state got. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StateStore } from '../../src/state/store.js';

/** Every product but run.json (it records timings) and temporaries, by name. */
export function products(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(out).sort())
    if (f !== 'run.json' && !f.endsWith('.tmp')) files[f] = readFileSync(path.join(out, f), 'utf8');
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
