/**
 * Where the tests find ../shared/data (real Sentinel-2 chips, recorded STAC responses), and whether
 * it is there. A user's clone usually has no ../shared beside it: every test that needs it skips
 * and says why. CI sets MINEWATCH_REQUIRE_SHARED=1 on its main run, so that there a missing data
 * set is a failure rather than a silent skip, and runs the suite a second time with
 * MINEWATCH_SHARED_DATA pointing at an empty folder to prove the skips (.ci/run).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/helpers/shared-data.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared data root: $MINEWATCH_SHARED_DATA, else ../shared/data next to the repository. */
export const SHARED_DATA_ROOT = path.resolve(
  process.env['MINEWATCH_SHARED_DATA'] ?? path.join(REPO_ROOT, '../shared/data'),
);

/** True when a missing shared data set must fail the run instead of skipping (CI's main run). */
export const SHARED_DATA_REQUIRED = process.env['MINEWATCH_REQUIRE_SHARED'] === '1';

export interface SharedData {
  /** Absolute path of the file or folder under the shared data root. */
  readonly path: string;
  readonly available: boolean;
  /** Why it is not available (empty when it is), for skip messages. */
  readonly reason: string;
}

/**
 * A file or folder of the shared data, by its path relative to the shared data root. Cheap and
 * synchronous, so it can drive `describe.skipIf` at import time. Tests never read a shared file
 * at import time: they call this, skip when `available` is false, and read inside the test.
 */
export function sharedData(relative: string): SharedData {
  const full = path.join(SHARED_DATA_ROOT, relative);
  const available = existsSync(full);
  return {
    path: full,
    available,
    reason: available
      ? ''
      : `${full} is missing (put the shared data at ../shared/data beside the repository, ` +
        `or point MINEWATCH_SHARED_DATA at it)`,
  };
}

/** Logs why a block of tests is skipped, once, so a skip is never silent. */
export function warnSkipped(what: string, data: SharedData): void {
  if (!data.available) console.warn(`skipping ${what}: ${data.reason}`);
}
