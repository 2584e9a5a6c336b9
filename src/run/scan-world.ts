/**
 * A generated world scanned the way a user scans Earth Search: the local STAC API serves it in
 * the shape of the current collection (Collection 1), its COGs on a host of their own (a second
 * 127.0.0.1 port, allowed by name as `--allow-host` would), and the first season is compared with
 * the last. `demo` (what `make run` does) and `eval` both scan worlds this way.
 */
import { DEFAULT_MAX_CLOUD, parseDateWindow } from '../catalog/filters.js';
import { loadAoi } from '../config/aoi-loader.js';
import type { DetectParams } from '../detect/params.js';
import { InvalidInputError } from '../errors.js';
import { startCatalogServer } from '../server/catalog-server.js';
import { runScan, type ScanSummary } from './scan.js';

export interface WorldSeason {
  id: string;
  start: string;
  end: string;
}

export interface WorldScanOptions {
  out: string;
  json?: boolean;
  quiet?: boolean;
  evidence?: boolean;
  /** Detection parameters; the defaults when absent. */
  params?: DetectParams;
  /** Told the catalogue's URL and the seasons compared, once the server listens. */
  onServing?: (stac: URL, before: WorldSeason, after: WorldSeason) => void;
}

export async function scanGeneratedWorld(
  root: string,
  seasons: readonly WorldSeason[],
  opts: WorldScanOptions,
): Promise<ScanSummary> {
  const before = seasons[0];
  const after = seasons[seasons.length - 1];
  if (!before || !after || before === after)
    throw new InvalidInputError(`${root}: the world needs two seasons to compare`);
  const server = await startCatalogServer({ root, basePath: '/v1', profile: 'c1-l2a' });
  try {
    opts.onServing?.(server.url, before, after);
    return await runScan({
      stac: server.url.href,
      collection: 'sentinel-2-c1-l2a',
      allowHosts: [{ host: server.assetsUrl.hostname, port: Number(server.assetsUrl.port) }],
      aoi: loadAoi('kachin'),
      before: parseDateWindow(before.start, before.end, `${root}: the first season`),
      after: parseDateWindow(after.start, after.end, `${root}: the last season`),
      maxCloud: DEFAULT_MAX_CLOUD,
      concurrency: 16,
      out: opts.out,
      json: opts.json ?? false,
      ...(opts.quiet !== undefined ? { quiet: opts.quiet } : {}),
      ...(opts.evidence !== undefined ? { evidence: opts.evidence } : {}),
      ...(opts.params !== undefined ? { params: opts.params } : {}),
    });
  } finally {
    await server.close();
  }
}
