/**
 * The first stages of a scan over the small generated world, as the scan runs them, for the
 * stage tests (test/unit/stage-*.test.ts). Local catalogue, file: byte sources: no HTTP.
 */
import path from 'node:path';
import { parseDateWindow } from '../../src/catalog/filters.js';
import type { FoundItems, S2Item } from '../../src/catalog/index.js';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { openSource, type ByteSource } from '../../src/io/byte-source.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import type { ScanPlan } from '../../src/run/planner.js';
import { ProgressReporter } from '../../src/run/progress.js';
import { IoQueue } from '../../src/run/queue.js';
import { LocalTileRunner } from '../../src/run/runners/local.js';
import type { TileRunResult } from '../../src/run/runners/types.js';
import { decideOffsets, type DecidedOffsets } from '../../src/run/stages/decide-offsets.js';
import { executeTiles } from '../../src/run/stages/execute.js';
import { closeAssets, openAssets, type OpenedAssets } from '../../src/run/stages/open-assets.js';
import { planTiles } from '../../src/run/stages/plan.js';
import { scanProductsOf, type Products } from '../../src/run/stages/products.js';
import { assessCompleteness } from '../../src/run/completeness.js';
import { scanClients, stacUrl, type ScanClients } from '../../src/run/stages/clients.js';
import { findScanItems, type FindOptions } from '../../src/run/stages/find-items.js';

export interface StageStart {
  opts: FindOptions & { collection: string; concurrency: number; out: string };
  clients: ScanClients;
  found: FoundItems;
  items: S2Item[];
  io: IoQueue;
  open: (item: S2Item, href: URL) => ByteSource;
}

/** Options as the integration tests scan the small world with. */
export function smallWorldOptions(world: string): StageStart['opts'] {
  return {
    stac: path.join(world, 'stac', 'items.json'),
    collection: 'sentinel-2-l2a',
    aoi: loadAoi('kachin'),
    before: parseDateWindow('2020-12-01', '2021-02-28'),
    after: parseDateWindow('2023-12-01', '2024-02-29'),
    maxCloud: 60,
    concurrency: 8,
    out: path.join(world, 'unused-out'),
  };
}

export async function startStages(world: string): Promise<StageStart> {
  const opts = smallWorldOptions(world);
  const clients = scanClients({ ...opts, env: {} });
  const found = await findScanItems(opts, clients);
  return {
    opts,
    clients,
    found,
    items: [...found.before, ...found.after],
    io: new IoQueue({ concurrency: opts.concurrency }),
    open: (_item, href) => openSource(href, clients.http),
  };
}

export interface StagesRun extends StageStart {
  assets: OpenedAssets;
  decided: DecidedOffsets;
  plan: ScanPlan;
  ran: TileRunResult;
}

/** Every stage up to executing the first planned tile on a real one-worker pool. */
export async function runToExecuted(world: string): Promise<StagesRun> {
  const s = await startStages(world);
  const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
  const decided = await decideOffsets(s.items, assets, s.io);
  const full = planTiles(s.found, decided.usable, assets.opened, s.opts.aoi.geometry);
  const plan = { ...full, tiles: full.tiles.slice(0, 1), blockCount: full.tiles[0]?.blocks.length ?? 0 };
  const ran = await executeTiles({
    tiles: plan.tiles,
    runner: new LocalTileRunner({ workers: 1 }),
    closeRunner: true,
    closeSources: () => closeAssets(assets.opened),
    context: {
      stac: stacUrl(s.opts.stac),
      opened: assets.opened,
      offsets: decided.offsets,
      io: s.io,
      concurrency: s.opts.concurrency,
      params: DEFAULT_PARAMS,
      progress: new ProgressReporter({ total: plan.blockCount, silent: true }),
      clock: { read: 0, compute: 0, assemble: 0, detect: 0 },
      log: () => undefined,
      evidence: false,
    },
  });
  await closeAssets(assets.opened);
  return { ...s, assets, decided, plan, ran };
}

/** The products stage over no scanned tile: no candidate, a report, the provenance of nothing. */
export function productsOfNothing(s: StageStart): Products {
  return scanProductsOf(s.opts, {
    tiles: [],
    contexts: [],
    collectionLabel: s.clients.collectionLabel,
    software: { version: '9.9.9', algorithm_version: '2' },
    params: DEFAULT_PARAMS,
    references: [],
    offsets: new Map(),
    itemsUsed: 0,
    completeness: assessCompleteness({
      found: { before: [], after: [], unparsed: [] },
      used: { before: new Set(), after: new Set() },
      skipped: [],
      maxLostShare: 0.5,
    }),
  });
}
