/**
 * What made an output: the package version (run.json, the report, `minewatch --version`) and the
 * algorithm version that ties cached evidence to the code that computed it.
 */
import { readFileSync } from 'node:fs';

/**
 * Bumped whenever the same inputs could give different evidence: it is in run.json, in tile job
 * ids and in the fingerprints that tie batch windows and re-scan state to what produced them.
 * 2: a before-season look is judged valid on red, NIR, SWIR and SCL (no longer also blue, green).
 */
export const ALGORITHM_VERSION = '2';

/** The package version, as run.json and the report name it. */
export function softwareVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
