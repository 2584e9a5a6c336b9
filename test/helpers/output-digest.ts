/**
 * A scan's output folder as a map of relative path -> sha256, for golden comparisons: the test that
 * optimisations (chips drawn differently, copies written faster, work moved between threads) leave
 * every published byte where it was. run.json is left out (it records timings), and so is minewatch's
 * own bookkeeping (the `.minewatch.lock` of the run and the `.minewatch-folder` markers that say a
 * folder is minewatch's to replace: io/outputs.ts), which is not a product; paths that depend on
 * where the test runs are replaced by placeholders before hashing, so the digests are the same on
 * every clone.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
    .sort();
}

export function outputDigests(dir: string, placeholders: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  // Longest first, so a path is replaced before any prefix of it.
  const pairs = Object.entries(placeholders).sort((a, b) => b[0].length - a[0].length);
  for (const rel of filesUnder(dir)) {
    if (rel === 'run.json' || path.basename(rel).startsWith('.minewatch')) continue;
    let bytes: Buffer = readFileSync(path.join(dir, rel));
    if (/\.(json|geojson|geojsonl|md|html|csv|kml|xml)$/.test(rel)) {
      let text = bytes.toString('utf8');
      for (const [from, to] of pairs) text = text.split(from).join(to);
      bytes = Buffer.from(text, 'utf8');
    }
    out[rel] = createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}
