/**
 * `minewatch scan` end to end, as a sequence of named stages (src/run/stages/): the clients it
 * reads through, the items found, the assets opened, the offsets decided, the plan, the tiles
 * executed on the runner, completeness judged, the products, the evidence, run.json and the
 * files. This module holds the order and the I/O handles the stages are given; every stage does
 * one job, and every decision lives in the pure modules they call.
 */
import type { FoundItems, S2Item } from '../catalog/index.js';
import type { DateWindow } from '../catalog/filters.js';
import { DEFAULT_PARAMS, type DetectParams } from '../detect/params.js';
import type { Aoi } from '../geo/aoi.js';
import { openSource, type ByteSource } from '../io/byte-source.js';
import { prepareOutputFolder, writeOutputs } from '../io/outputs.js';
import { loadReferences } from '../report/references.js';
import type { AllowedHost } from './asset-policy.js';
import { ProgressReporter } from './progress.js';
import { IoQueue } from './queue.js';
import { LocalTileRunner } from './runners/local.js';
import type { SkippedItem, StageClock, TileRunner } from './runners/types.js';
import { scanClients, stacUrl } from './stages/clients.js';
import { decideOffsets } from './stages/decide-offsets.js';
import { renderScanEvidence } from './stages/evidence.js';
import { executeTiles } from './stages/execute.js';
import { findScanItems } from './stages/find-items.js';
import { judgeCompleteness } from './stages/judge.js';
import { closeAssets, openAssets } from './stages/open-assets.js';
import { outputFiles } from './stages/output-files.js';
import { planTiles } from './stages/plan.js';
import { scanProductsOf } from './stages/products.js';
import { runRecord } from './stages/provenance.js';
import { stageTimer } from './stages/stage-timer.js';
import { scanResult, type ScanResult, type ScanSummary } from './stages/result.js';
import { ALGORITHM_VERSION, softwareVersion } from './version.js';

export type { ScanResult, ScanSummary } from './stages/result.js';

export interface ScanOptions {
  stac: string;
  /** Default: the provider's current collection (Earth Search: sentinel-2-c1-l2a); for a local file, all. */
  collection?: string;
  /** `earth-search` or `planetary-computer`; default: recognised from the `--stac` host. */
  provider?: string;
  /** `--allow-host` entries, beyond the profile's asset hosts. */
  allowHosts?: readonly AllowedHost[];
  aoi: Aoi;
  before: DateWindow;
  after: DateWindow;
  maxCloud: number;
  concurrency: number;
  /** Keep `concurrency` HTTP attempts in flight even under 429 / 503 SlowDown (default: adapt). */
  fixedConcurrency?: boolean;
  out: string;
  json: boolean;
  params?: DetectParams;
  workers?: number;
  quiet?: boolean;
  signal?: AbortSignal;
  /** Items already found (re-scans search themselves and pick per tile); skips the search. */
  found?: FoundItems;
  /** Render chips, overlays, report.html and the extra formats (default true). */
  evidence?: boolean;
  /** Wraps each asset's byte source, e.g. with a re-scan's cache of ranges already fetched. */
  wrapSource?: (item: S2Item, source: ByteSource) => ByteSource;
  /** Runs the planned tiles (default: a LocalTileRunner with `workers` threads). */
  runner?: TileRunner;
  /**
   * Return (and publish) a result even when it is incomplete: no usable pixels for a window, or
   * more than `maxLostShare` of the items lost. Otherwise such a scan throws IncompleteScanError.
   */
  allowPartial?: boolean;
  /** Share of items that may be lost to failures (default DEFAULT_MAX_LOST_SHARE, 0.5). */
  maxLostShare?: number;
}

/** `minewatch scan`: finds, then writes every output at once. */
export async function runScan(opts: ScanOptions): Promise<ScanSummary> {
  const lock = await prepareOutputFolder(opts.out);
  try {
    const result = await scanProducts(opts);
    // A run stopped (--timeout) while finishing its products publishes nothing.
    opts.signal?.throwIfAborted();
    await writeOutputs(opts.out, result.files);
    return result.summary;
  } finally {
    lock.release();
  }
}

export async function scanProducts(opts: ScanOptions): Promise<ScanResult> {
  const timer = stageTimer();
  const params = opts.params ?? DEFAULT_PARAMS;
  const log = (msg: string): void => {
    if (!opts.quiet && !opts.json) process.stderr.write(`${msg}\n`);
  };
  const clients = scanClients({ ...opts, env: process.env });
  const { http } = clients;

  const found = await findScanItems(opts, clients);
  timer.lap('search');
  log(
    `scan: ${found.before.length} before and ${found.after.length} after items (${found.dropped.length} duplicates dropped, ${found.skipped.length} skipped)`,
  );
  const io = new IoQueue({ concurrency: opts.concurrency });
  const items = [...found.before, ...found.after];
  const open = (item: S2Item, href: URL): ByteSource =>
    opts.wrapSource ? opts.wrapSource(item, openSource(href, http)) : openSource(href, http);
  const assets = await openAssets({ items, allow: clients.allow, open, io });
  timer.lap('headers');
  const { offsets, usable, ...decided } = await decideOffsets(items, assets, io);
  timer.lap('offsets');
  const plan = planTiles(found, usable, assets.opened, opts.aoi.geometry);
  const skipped = found.skipped.map((s): SkippedItem => ({ item: s.id, reason: s.reason }));
  skipped.push(...assets.skipped, ...decided.skipped, ...plan.skipped);
  log(`scan: ${plan.tiles.length} tiles, ${plan.blockCount} blocks to read`);
  timer.lap('plan');

  const { json, quiet, signal, concurrency } = opts;
  const progress = new ProgressReporter({ total: plan.blockCount, label: 'blocks', json, silent: !!quiet });
  const runner = opts.runner ?? new LocalTileRunner({ workers: opts.workers ?? 2 });
  const clock: StageClock = { read: 0, compute: 0, assemble: 0, detect: 0 };
  // Every asset stays open while blocks are read; closed once the tiles are done (or on failure).
  const closeSources = (): Promise<void> => closeAssets(assets.opened);
  const evidence = opts.evidence !== false;
  const reads = { stac: stacUrl(opts.stac), opened: assets.opened, offsets, io, concurrency, params };
  const ran = await executeTiles({
    tiles: plan.tiles,
    runner,
    closeRunner: !opts.runner,
    context: { ...reads, progress, clock, log, signal, evidence },
    closeSources,
  });
  skipped.push(...ran.skipped);
  timer.lap('blocks');

  const warn = (line: string): boolean => process.stderr.write(`${line}\n`);
  const completeness = judgeCompleteness(opts, { found, contexts: ran.contexts, skipped }, warn);
  const software = { version: softwareVersion(), algorithm_version: ALGORITHM_VERSION };
  const { collectionLabel } = clients;
  const products = scanProductsOf(opts, {
    tiles: plan.tiles,
    contexts: ran.contexts,
    collectionLabel,
    software,
    params,
    offsets,
    references: loadReferences(),
    itemsUsed: usable.size,
    completeness,
  });
  timer.lap('products');
  await closeSources();
  const drawn = await renderScanEvidence(ran.contexts, products, opts.aoi, evidence);
  for (const w of drawn.warnings) log(`scan: ${w}`);
  timer.lap('evidence');
  const seconds = timer.total();
  const run = runRecord(opts, {
    software: { ...software, node: process.version },
    clients,
    products,
    params,
    found,
    skipped,
    completeness,
    offsets,
    usable,
    timings: { stages: timer.laps, total: seconds, clock, evidence: drawn.timings_s },
  });
  const files = outputFiles(opts, { evidence: drawn, products, run, collectionLabel });
  return scanResult(opts, { products, found, plan, skipped, completeness, files, seconds, http: http.stats });
}
