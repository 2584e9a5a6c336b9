/**
 * How long a cron re-scan takes on the demo world, served by the local STAC API: the first run
 * (everything is new), a run after ONE new acquisition is published, and a run with nothing new.
 * Wall time of the whole CLI process, and what the server saw. A benchmark, not a test.
 *
 *   make bench-rescan            (or: npx tsx bench/rescan-timing.ts [--world .cache/demo-world-1])
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { startCatalogServer } from '../src/server/catalog-server.js';
import { runCli } from '../test/helpers/cli-process.js';
import { GrowingCatalog, itemsRead } from '../test/helpers/growing-catalog.js';

const args = process.argv.slice(2);
const world = path.resolve(args[args.indexOf('--world') + 1] ?? '.cache/demo-world-1');
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-rescan-bench-'));
const catalog = new GrowingCatalog(world, path.join(tmp, 'catalog'));

// Hold back the latest acquisition (one item id; its _0_ twin, if any, comes with it).
const latest = [...catalog.items].sort((a, b) =>
  b.properties.datetime.localeCompare(a.properties.datetime),
)[0];
if (!latest) throw new Error(`${world}: no items`);
const acquisition = latest.id.replace(/_\d+_L2A$/, '');
catalog.show((i) => !i.id.startsWith(acquisition));
const server = await startCatalogServer({ root: catalog.root, basePath: '/v1' });

const rows: string[] = [];
async function rescan(label: string): Promise<void> {
  server.stats.reset();
  const t0 = performance.now();
  // runCli spawns without blocking this process, whose event loop serves the catalogue.
  const r = await runCli([
    'rescan',
    '--state',
    path.join(tmp, 'state'),
    '--stac',
    server.url.href,
    '--before',
    '2020-12-01/2021-02-28',
    '--after',
    '2023-12-01/2024-02-29',
    '--out',
    path.join(tmp, 'out'),
    '--json',
    '--quiet',
  ]);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`${label}: exit ${String(r.code)}: ${r.stderr}`);
  const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    newItems: number;
    tilesScanned: number;
    changes: Record<string, number>;
  };
  rows.push(
    `| ${label} | ${seconds.toFixed(2)} | ${s.newItems} | ${s.tilesScanned} | ${server.stats.searchRequests} | ${server.stats.assetRequests} | ${itemsRead(server.stats.byPath).size} | ${(server.stats.bytesServed / 1e6).toFixed(1)} | ${JSON.stringify(s.changes)} |`,
  );
}

try {
  await rescan('first run (all new)');
  catalog.show(() => true);
  await server.reload();
  await rescan(`one new acquisition (${acquisition})`);
  await rescan('nothing new');
} finally {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(
  [
    `minewatch rescan on ${world} through the local STAC API; ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| run | wall s | new items | tiles re-composited | search requests | asset requests | items read | MB served | changes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
  ].join('\n'),
);
