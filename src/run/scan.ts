/**
 * `minewatch scan` end to end: search, read headers, decide offsets, plan, read and process every
 * block on the worker pool, detect per tile, merge across tiles, write the products. This module
 * moves data and keeps the books; every decision lives in the pure modules it calls.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as turf from '../geo/turf.js';
import type { Feature, Geometry } from 'geojson';
import { findItems, isStacApi, type FoundItems, type S2Item } from '../catalog/index.js';
import { chooseCatalogue, type CatalogueChoice } from '../catalog/providers.js';
import { PlanetaryComputerSigner } from '../catalog/sas-tokens.js';
import { decideOffset, uncheckedOffset, type OffsetDecision } from '../catalog/harmonise.js';
import { darkDnEvidence } from '../catalog/offset-evidence.js';
import { assetKeysOf, type S2Asset } from '../catalog/item.js';
import type { DateWindow } from '../catalog/filters.js';
import { DEFAULT_PARAMS, type DetectParams } from '../detect/params.js';
import type {
  CandidateProperties,
  ClearingProperties,
  PondProperties,
} from '../detect/product-properties.js';
import { buildProducts } from '../detect/sites.js';
import { IncompleteScanError, NoItemsFoundError } from '../errors.js';
import type { Aoi } from '../geo/aoi.js';
import { openSource, type ByteSource } from '../io/byte-source.js';
import { readCogHeader } from '../io/cog-header.js';
import { fetchTiles } from '../io/cog-window.js';
import { assembleWindow, decodeTile, type Pixels } from '../io/decode-tile.js';
import { HttpClient } from '../io/http.js';
import { lowSpeedFromEnv } from '../config/http-env.js';
import { loadReferences } from '../report/references.js';
import { buildReport, reportMarkdown } from '../report/report.js';
import { acquisitionRows, candidateInputs } from '../report/report-rows.js';
import { stacCatalog, stacItem } from '../formats/stac.js';
import type { Provenance } from '../formats/provenance.js';
import { assetPolicy, type AllowedHost } from './asset-policy.js';
import {
  assessCompleteness,
  DEFAULT_MAX_LOST_SHARE,
  skipCountsText,
  type Completeness,
} from './completeness.js';
import { gridMismatch } from './grid-check.js';
import { offsetSample } from './offset-sample.js';
import { featureCollection } from '../formats/feature-collection.js';
import { prepareOutputFolder, writeOutputs, type OutputFiles } from '../io/outputs.js';
import { planScan, tileKey, type TilePlan } from './planner.js';
import type { OpenedAsset } from './block-reader.js';
import { ProgressReporter } from './progress.js';
import { LocalTileRunner } from './runners/local.js';
import type { StageClock } from './runners/types.js';
import type { TileRunner } from './runners/types.js';
import { IoQueue } from './queue.js';
import type { BandKey } from './tasks/scan-block.js';
import { ALGORITHM_VERSION, softwareVersion } from './version.js';
import type { ScannedTile } from './runners/types.js';
import { provenanceMembers, provenanceOf } from '../formats/provenance.js';
import type { ChipPaths } from '../report/evidence-outputs.js';

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

export interface ScanSummary {
  out: string;
  candidates: number;
  /** Ponds in the candidates (the sum of their pond_count): the one pond number of every output. */
  ponds: number;
  /** Pond outlines in ponds.geojson, in candidates or not. */
  pond_outlines: number;
  clearings: number;
  items: { before: number; after: number; skipped: number; dropped: number };
  tiles: number;
  blocks: number;
  seconds: number;
  requests: number;
  bytes: number;
}

/**
 * run.json's account of the pond SWIR test (detect/pond-swir.ts): which after-season items had
 * B12 and were read with it, and which had none, so their ponds were judged on B11 alone.
 */
export function swirProvenance(after: readonly S2Item[]): {
  b12_items: number;
  b11_only_items: string[];
  used: string;
} {
  const without = after.filter((i) => i.assets.swir22 === undefined).map((i) => i.id);
  const withB12 = after.length - without.length;
  return {
    b12_items: withB12,
    b11_only_items: without,
    used:
      without.length === 0
        ? 'B11 and B12'
        : withB12 === 0
          ? 'B11 only: no after-season item has a swir22 (B12) asset'
          : 'B11 and B12 where the item has B12; B11 alone elsewhere',
  };
}

export function stacUrl(stac: string): URL {
  return isStacApi(stac) ? new URL(stac) : pathToFileURL(path.resolve(stac));
}

/** What a scan found, before anything is written: batch and re-scan runs build on it. */
export interface ScanResult {
  candidates: Feature<Geometry, CandidateProperties>[];
  ponds: Feature<Geometry, PondProperties>[];
  clearings: Feature<Geometry, ClearingProperties>[];
  /** Where the pixels came from: the Copernicus attribution for the years scanned, or synthetic. */
  provenance: Provenance;
  attribution: string;
  years: number[];
  /** Tiles scanned: the name features carry, the grid key (planner.tileKey), the items compared. */
  tiles: { tile: string; key: string; before: string[]; after: string[] }[];
  /** Items left out, with the reason. */
  skipped: { item: string; reason: string }[];
  /** How much of the input was used; `complete` false only when `allowPartial` let it through. */
  completeness: Completeness;
  /** The products as files, ready for writeOutputs. */
  files: OutputFiles;
  summary: ScanSummary;
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
  const t0 = performance.now();
  const params = opts.params ?? DEFAULT_PARAMS;
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number): number => {
    const now = performance.now();
    timings[name] = Math.round(now - since) / 1000;
    return now;
  };
  const log = (msg: string): void => {
    if (!opts.quiet && !opts.json) process.stderr.write(`${msg}\n`);
  };
  const catalogue = catalogueOf(opts);
  const collectionLabel = catalogue.collection ?? 'any collection';
  const allow = assetPolicy({
    stac: stacUrl(opts.stac),
    hosts: catalogue.profile.assetHosts,
    ...(opts.allowHosts ? { extraHosts: opts.allowHosts } : {}),
  });
  // Planetary Computer blobs need a SAS token; the signer fetches it through this same client.
  const signer =
    catalogue.profile.signing === 'planetary-computer-sas' && isStacApi(opts.stac)
      ? new PlanetaryComputerSigner({
          stac: new URL(opts.stac.trim()),
          collection: catalogue.collection ?? catalogue.profile.collection,
          fetcher: { getJson: (url, init) => http.getJson(url, init) },
        })
      : undefined;
  const http: HttpClient = new HttpClient({
    allow,
    ...(signer ? { signer } : {}),
    ...lowSpeedFromEnv(),
    concurrency: opts.concurrency,
    adaptiveConcurrency: !opts.fixedConcurrency,
  });

  // 1. Catalog.
  let t = performance.now();
  const found: FoundItems =
    opts.found ??
    (await findItems(
      {
        stac: opts.stac,
        collection: catalogue.collection,
        provider: catalogue.provider,
        profile: catalogue.profile,
        aoi: opts.aoi.geometry,
        before: opts.before,
        after: opts.after,
        maxCloud: opts.maxCloud,
      },
      http,
      opts.signal,
    ));
  t = lap('search', t);
  if (found.before.length === 0 || found.after.length === 0) {
    const which = found.before.length === 0 ? 'before' : 'after';
    const w = which === 'before' ? opts.before : opts.after;
    throw new NoItemsFoundError(
      `no ${collectionLabel} items found in ${opts.stac} for the ${which} window ${String(w.start)}/${String(w.end)} over AOI ${opts.aoi.name} with eo:cloud_cover <= ${opts.maxCloud}`,
    );
  }
  log(
    `scan: ${found.before.length} before and ${found.after.length} after items (${found.dropped.length} duplicates dropped, ${found.skipped.length} skipped)`,
  );

  // 2. Headers of every asset, concurrently.
  const io = new IoQueue({ concurrency: opts.concurrency });
  const items = [...found.before, ...found.after];
  const opened = new Map<string, OpenedAsset>();
  const skipped: { item: string; reason: string }[] = found.skipped.map((s) => ({
    item: s.id,
    reason: s.reason,
  }));
  // The catalog's parse errors are free text: they are counted under one kind.
  const unparsed = new Set(found.skipped.map((s) => s.id));
  const usable = new Set<string>();
  await Promise.all(
    items.map(async (item) => {
      try {
        await Promise.all(
          assetKeysOf(item).map(async (b: BandKey) => {
            const asset = item.assets[b] as S2Asset;
            const href = asset.href;
            // The HTTP client checks every request and redirect; file: hrefs are checked here.
            if (!allow(href)) throw new Error(`asset "${b}" href ${href.href} rejected by the asset policy`);
            const raw = openSource(href, http);
            const source = opts.wrapSource ? opts.wrapSource(item, raw) : raw;
            // A header that fails to parse leaves its file open unless closed here: nothing
            // else holds the source (only `opened` is closed at the end).
            const header = await io
              .add((signal) => readCogHeader(source, { signal }))
              .catch(async (err: unknown) => {
                await source.close().catch(() => undefined);
                throw err;
              });
            opened.set(`${item.id}/${b}`, { source, header });
            const mismatch = gridMismatch(header, asset, item.epsg);
            if (mismatch) throw new Error(`asset "${b}": ${mismatch}`);
          }),
        );
        usable.add(item.id);
      } catch (err) {
        skipped.push({ item: item.id, reason: `cannot read its COGs: ${(err as Error).message}` });
      }
    }),
  );
  t = lap('headers', t);

  // 3. Offsets: declared, then checked against the darkest pixels of a small overview of red
  //    (or a window of the full image: never more than OFFSET_CHECK_SAMPLES decoded per item).
  const offsets = new Map<string, OffsetDecision>();
  await Promise.all(
    items
      .filter((i) => usable.has(i.id))
      .map(async (item) => {
        try {
          await decideItemOffset(item);
        } catch (err) {
          // One unreadable overview is that item's problem, not the run's.
          usable.delete(item.id);
          skipped.push({ item: item.id, reason: `cannot read its red overview: ${(err as Error).message}` });
        }
      }),
  );
  async function decideItemOffset(item: S2Item): Promise<void> {
    const red = opened.get(`${item.id}/red`) as OpenedAsset;
    // A bounded read: a small overview whole, or a window of the full image (offset-sample.ts).
    const sample = offsetSample(red.header.images);
    if (sample.kind === 'skip') {
      offsets.set(item.id, uncheckedOffset(item, sample.reason, 'red'));
      return;
    }
    const { image, window } = sample;
    const tiles = await io.add((signal) => fetchTiles(red.source, image, sample.tiles, { signal }));
    const decoded = new Map<number, Pixels>();
    for (const [k, v] of tiles)
      decoded.set(k, decodeTile(v, image, 0, `${item.id} red offset-check tile ${k}`));
    const px = assembleWindow(decoded, image, window);
    offsets.set(item.id, decideOffset(item, darkDnEvidence(px), 'red'));
  }
  t = lap('offsets', t);

  // 4. Plan.
  const keep = (list: S2Item[]): S2Item[] => list.filter((i) => usable.has(i.id));
  const plan = planScan(
    { before: keep(found.before), after: keep(found.after) },
    opts.aoi.geometry,
    (tile) => {
      const any = items.find((i) => tile.startsWith(i.gridCode) && usable.has(i.id));
      return any ? ((opened.get(`${any.id}/red`) as OpenedAsset).header.images[0]?.tileWidth ?? 1024) : 1024;
    },
  );
  skipped.push(...plan.skipped);
  log(`scan: ${plan.tiles.length} tiles, ${plan.blockCount} blocks to read`);
  t = lap('plan', t);

  // 5. Execute: read each block's tiles (bounded I/O), process on the pool (bounded CPU).
  const progress = new ProgressReporter({
    total: plan.blockCount,
    label: 'blocks',
    json: opts.json,
    silent: !!opts.quiet,
  });
  const runner = opts.runner ?? new LocalTileRunner({ workers: opts.workers ?? 2 });
  let contexts: ScannedTile[];
  const clock: StageClock = { read: 0, compute: 0, assemble: 0, detect: 0 };
  // Every asset stays open while blocks are read (its header is reused by every block); closed on
  // failure here, else once the tiles are done (the evidence outputs read nothing more).
  const closeSources = async (): Promise<void> => {
    await Promise.allSettled([...opened.values()].map((o) => o.source.close()));
  };
  try {
    // Contexts and skips come back in plan order, whichever runner (and worker) did the work.
    const ran = await runner.runTiles(plan.tiles, {
      stac: stacUrl(opts.stac),
      opened,
      offsets,
      io,
      concurrency: opts.concurrency,
      params,
      progress,
      clock,
      log,
      signal: opts.signal,
      evidence: opts.evidence !== false,
    });
    contexts = ran.contexts;
    skipped.push(...ran.skipped);
  } catch (err) {
    await closeSources();
    throw err;
  } finally {
    progress.finish();
    if (!opts.runner) await runner.close();
  }
  t = lap('blocks', t);

  // A scan that read nothing (every asset 404, every href refused) must not pass for a scan of
  // untouched forest: judged here, before anything is rendered or written.
  const completeness = assessCompleteness({
    found: {
      before: found.before.map((i) => i.id),
      after: found.after.map((i) => i.id),
      unparsed: [...unparsed],
    },
    used: {
      before: new Set(contexts.flatMap((c) => c.beforeItems)),
      after: new Set(contexts.flatMap((c) => c.afterItems.map((a) => a.id))),
    },
    skipped: skipped.map((s) => (unparsed.has(s.item) ? { ...s, kind: 'unusable STAC item' } : s)),
    maxLostShare: opts.maxLostShare ?? DEFAULT_MAX_LOST_SHARE,
  });
  const skipText = skipCountsText(completeness.skips);
  if (!completeness.complete && !opts.allowPartial)
    throw new IncompleteScanError(
      `scan incomplete: ${completeness.problem}; skipped: ${skipText || 'none'}; nothing written to ${path.resolve(opts.out)} (--allow-partial publishes it anyway)`,
    );
  // Always on stderr, --quiet or not: reasons only in run.json are reasons nobody reads.
  if (skipped.length > 0)
    process.stderr.write(
      `scan: ${completeness.used} of ${completeness.items} items used; skipped: ${skipText}${completeness.complete ? '' : ` (INCOMPLETE: ${completeness.problem})`}\n`,
    );

  // The tiles as scanned: items dropped mid-scan are out of them, so neither the evidence nor the
  // provenance below cites an item whose pixels were refused.
  const scannedTiles: TilePlan[] = plan.tiles.flatMap((tp) => {
    const ctx = contexts.find((c) => c.tile === tp.tile);
    if (!ctx) return [];
    const after = new Set(ctx.afterItems.map((a) => a.id));
    return [
      {
        ...tp,
        before: tp.before.filter((i) => ctx.beforeItems.includes(i.id)),
        after: tp.after.filter((i) => after.has(i.id)),
      },
    ];
  });

  // 6. Products.
  const products = buildProducts(contexts, opts.aoi.townships, params);
  const inAoi = <G extends turf.AllGeoJSON>(f: { geometry: G }): boolean =>
    turf.booleanIntersects(f.geometry as never, opts.aoi.geometry);
  const candidates = products.candidates.filter(inAoi);
  const clearings = products.clearings.filter(inAoi);
  const ponds = products.ponds.filter(inAoi);
  const provenance = provenanceOf(scannedTiles.flatMap((tp) => [...tp.before, ...tp.after]));
  const { years, attribution } = provenance;
  const windows = {
    before: { start: String(opts.before.start), end: String(opts.before.end) },
    after: { start: String(opts.after.start), end: String(opts.after.end) },
  };
  const report = buildReport({
    aoiName: opts.aoi.name,
    townshipsApproximate: opts.aoi.townships.length > 0,
    windows,
    source: { stac: opts.stac, collection: collectionLabel },
    software: { version: softwareVersion(), algorithm_version: ALGORITHM_VERSION },
    candidates: candidateInputs(candidates as unknown as Feature<Geometry, Record<string, unknown>>[]),
    townships: opts.aoi.townships.map((x) => x.name),
    references: loadReferences(),
    provenance,
    itemsUsed: usable.size,
    minConfidence: params.minConfidence,
    ...(completeness.complete ? {} : { incomplete: completeness }),
    acquisitions: acquisitionRows(
      {
        before: [...new Map(scannedTiles.flatMap((tp) => tp.before).map((i) => [i.id, i])).values()],
        after: [...new Map(scannedTiles.flatMap((tp) => tp.after).map((i) => [i.id, i])).values()],
      },
      offsets,
    ),
    parameters: { ...params },
  });
  t = lap('products', t);
  // Re-scans publish their own registry's candidates (ids may be renamed there), so they skip
  // the chips and overlays that would name this scan's ids.
  await closeSources();
  const evidence =
    opts.evidence === false
      ? { files: {}, candidates, warnings: [] as string[], timings_s: {} }
      : // Loaded only when drawn: sharp and the PNG, HTML and FlatGeobuf writers cost ~100 ms
        // of start-up that `--no-evidence` runs and re-scans do not need.
        await import('../report/evidence-outputs.js').then(({ renderEvidence }) =>
          renderEvidence({
            tiles: contexts,
            candidates,
            ponds,
            clearings,
            townships: opts.aoi.townships,
            aoi: opts.aoi.geometry,
            report,
            provenance,
          }),
        );
  for (const w of evidence.warnings) log(`scan: ${w}`);
  lap('evidence', t);
  const seconds = Math.round(performance.now() - t0) / 1000;
  const run = {
    software: {
      name: 'minewatch',
      version: softwareVersion(),
      algorithm_version: ALGORITHM_VERSION,
      node: process.version,
    },
    inputs: {
      stac: opts.stac,
      collection: catalogue.collection ?? null,
      provider: catalogue.provider,
      profile: catalogue.profile.profile,
      signing: catalogue.profile.signing,
      allow_hosts: (opts.allowHosts ?? []).map((h) =>
        h.port === undefined ? h.host : `${h.host}:${h.port}`,
      ),
      aoi: opts.aoi.name,
      before: windows.before,
      after: windows.after,
      max_cloud: opts.maxCloud,
      concurrency: opts.concurrency,
    },
    parameters: params,
    items: {
      before: found.before.map((i) => i.id),
      after: found.after.map((i) => i.id),
      dropped: found.dropped,
      skipped,
    },
    completeness,
    offsets: Object.fromEntries([...offsets.entries()].sort(([a], [b]) => a.localeCompare(b))),
    swir: swirProvenance(found.after.filter((i) => usable.has(i.id))),
    tiles: scannedTiles.map((tp) => ({
      tile: tp.tile,
      epsg: tp.grid.epsg,
      blocks: tp.blocks.length,
      before: tp.before.length,
      after: tp.after.length,
    })),
    counts: { candidates: candidates.length, ponds: ponds.length, clearings: clearings.length },
    timings_s: {
      ...timings,
      total: seconds,
      block_stages_summed: Object.fromEntries(
        Object.entries(clock).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
      ),
      evidence_stages: evidence.timings_s,
    },
    http: {
      ...http.stats,
      concurrency: http.concurrency,
      search_requests: found.requests,
      search_pages: found.pages,
      ...(signer ? { sas_token_requests: signer.tokenRequests } : {}),
    },
    ...provenanceMembers(provenance),
  };
  const chipsOf = (id: string): ChipPaths | undefined =>
    (evidence.candidates.find((c) => c.properties.id === id)?.properties as { chips?: ChipPaths } | undefined)
      ?.chips;
  const files: OutputFiles = {
    ...evidence.files,
    'candidates.geojson': featureCollection(evidence.candidates, provenance, 'candidates'),
    'ponds.geojson': featureCollection(ponds, provenance, 'ponds'),
    'clearings.geojson': featureCollection(clearings, provenance, 'clearings'),
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'report.md': reportMarkdown(report, { overview: 'overview.png' in evidence.files, chipsOf }),
    'run.json': `${JSON.stringify(run, null, 2)}\n`,
  };
  Object.assign(
    files,
    stacFiles(opts, collectionLabel, windows, provenance, Object.keys(files), candidates.length),
  );
  const summary: ScanSummary = {
    out: path.resolve(opts.out),
    candidates: candidates.length,
    ponds: report.totals.ponds,
    pond_outlines: ponds.length,
    clearings: clearings.length,
    items: {
      before: found.before.length,
      after: found.after.length,
      skipped: skipped.length,
      dropped: found.dropped.length,
    },
    tiles: plan.tiles.length,
    blocks: plan.blockCount,
    seconds,
    requests: http.stats.requests,
    bytes: http.stats.bytes,
  };
  return {
    candidates,
    ponds,
    clearings,
    provenance,
    attribution,
    years,
    tiles: scannedTiles.map((tp) => ({
      tile: tp.tile,
      key: tileKey(tp.after[0] as S2Item),
      before: tp.before.map((i) => i.id),
      after: tp.after.map((i) => i.id),
    })),
    skipped,
    completeness,
    files,
    summary,
  };
}

/** The provider, collection and profile a scan reads with (providers.ts). */
export function catalogueOf(opts: Pick<ScanOptions, 'stac' | 'provider' | 'collection'>): CatalogueChoice {
  return chooseCatalogue(
    isStacApi(opts.stac) ? new URL(opts.stac.trim()) : undefined,
    opts.provider,
    opts.collection,
  );
}

/** catalog.json and item.json: the outputs described as one STAC Item of a Catalog. */
function stacFiles(
  opts: ScanOptions,
  collection: string,
  windows: { before: { start: string; end: string }; after: { start: string; end: string } },
  provenance: Provenance,
  files: readonly string[],
  candidates: number,
): OutputFiles {
  const bbox = turf.bbox(opts.aoi.geometry).map((v) => Math.round(v * 1e6) / 1e6);
  const id = `minewatch-${opts.aoi.name}-${windows.before.start}-${windows.after.start}`.replace(
    /[^A-Za-z0-9_-]/g,
    '-',
  );
  const item = stacItem({
    id,
    title: `minewatch scan of ${opts.aoi.name}: ${windows.before.start}/${windows.before.end} against ${windows.after.start}/${windows.after.end}`,
    geometry: turf.bboxPolygon(bbox as [number, number, number, number]).geometry,
    bbox,
    start: windows.after.start,
    end: windows.after.end,
    files: [...files, 'catalog.json'],
    provenance,
    properties: {
      'minewatch:before': `${windows.before.start}/${windows.before.end}`,
      'minewatch:candidates': candidates,
      'minewatch:stac': opts.stac,
      'minewatch:collection': collection,
    },
  });
  const catalog = stacCatalog(
    `${id}-catalog`,
    `minewatch outputs: ${String(item['id'])}. ${provenance.attribution}`,
    [{ href: './item.json', title: String((item['properties'] as { title: string }).title) }],
  );
  item['links'] = [
    { rel: 'root', href: './catalog.json', type: 'application/json' },
    { rel: 'parent', href: './catalog.json', type: 'application/json' },
    { rel: 'self', href: './item.json', type: 'application/geo+json' },
  ];
  return {
    'item.json': `${JSON.stringify(item, null, 2)}\n`,
    'catalog.json': `${JSON.stringify(catalog, null, 2)}\n`,
  };
}
