/**
 * `minewatch rescan --state <dir>`: the cron entry point. Each run searches the after window from
 * the previous run's reach minus a look-back (Sentinel-2 items are published late and reprocessed),
 * finds the acquisitions the ledger has not seen (or has seen with another `updated` stamp), and
 * re-composites only the tiles they touch. Earlier acquisitions of those tiles come from the
 * state's range cache, so the network carries only new bytes. Detections are reconciled with the
 * registry (stable ids); the outputs are the whole current picture plus changes.geojson; the state
 * advances in one transaction after the outputs are written.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Feature } from 'geojson';
import { dedupeItems } from '../catalog/dedupe.js';
import { spanWindow, type DateWindow } from '../catalog/filters.js';
import { findItems, type FoundItems, type S2Item } from '../catalog/index.js';
import { DEFAULT_PARAMS } from '../detect/params.js';
import { InvalidInputError, MinewatchError, NoItemsFoundError } from '../errors.js';
import { CachedByteSource } from '../io/cached-source.js';
import { lowSpeedFromEnv } from '../config/http-env.js';
import { HttpClient } from '../io/http.js';
import { loadReferences } from '../report/references.js';
import { buildReport, reportMarkdown } from '../report/report.js';
import { acquisitionRows, candidateInputs } from '../report/report-rows.js';
import { provenanceOf, type Provenance } from '../formats/provenance.js';
import { crashPoint } from '../state/crash-point.js';
import type { FileLock } from '../io/file-lock.js';
import { acquireLock } from '../state/lock.js';
import { SqliteRangeCache } from '../state/range-cache.js';
import { reconcile, type Change, type Detection } from '../state/registry.js';
import {
  StateStore,
  type CandidateFeature,
  type LedgerItem,
  type RegistryEntry,
  type TileEvidence,
} from '../state/store.js';
import { assetPolicy } from './asset-policy.js';
import { featureCollection } from '../formats/feature-collection.js';
import { prepareOutputFolder, writeOutputs, type OutputFiles } from '../io/outputs.js';
import { skipKind } from './completeness.js';
import { tileKey } from './planner.js';
import { footprintsByTile, tilesReached } from './seam-tiles.js';
import { scanProducts, type ScanOptions, type ScanResult } from './scan.js';
import { catalogueOf, stacUrl } from './stages/clients.js';
import { ALGORITHM_VERSION, softwareVersion } from './version.js';
import { SILENT_LOG, type EventLog } from '../types/event-log.js';

/**
 * A re-scan's after window: closed like a scan's, or open (`2024-12-01/..`), reaching up to each
 * run's own clock. `from` is the instant its start text names.
 */
export type RescanAfterWindow = DateWindow | OpenDateWindow;
export interface OpenDateWindow {
  readonly start: string;
  readonly end: typeof OPEN_END;
  readonly from: Date;
}

export interface RescanOptions extends Omit<ScanOptions, 'found' | 'wrapSource' | 'after'> {
  after: RescanAfterWindow;
  /** State folder: ledger, registry, range cache, lock. Created when missing. */
  state: string;
  /** Days before the previous run's reach that are searched again for late or reprocessed items. */
  lookbackDays: number;
  /** The clock, for tests; the after window's end is clipped to it. */
  now?: Date;
  /** Where the re-scan's own events go (the CLI's logger decides the level); silent without one. */
  events?: EventLog;
}

export interface RescanSummary {
  out: string;
  run: number;
  /** New or reprocessed acquisitions this run processed. */
  newItems: number;
  tilesScanned: number;
  candidates: number;
  changes: { new: number; grew: number; gone: number };
  searched: { start: string; end: string };
  seconds: number;
  /** Requests and bytes over the network (search and assets), cache hits excluded. */
  requests: number;
  bytes: number;
  cache: { hits: number; misses: number };
}

/** Stopped by SIGTERM or SIGINT before the state advanced: exit 128 + the signal's number. */
export class RescanInterruptedError extends MinewatchError {
  override readonly exitCode: number;
  constructor(signal: 'SIGTERM' | 'SIGINT') {
    super(`stopped by ${signal}; nothing written, the state is unchanged`);
    this.exitCode = signal === 'SIGTERM' ? 143 : 130;
  }
}

const DAY_MS = 86_400_000;
/** An after window's open end (`2024-12-01/..`): each run reaches up to its own clock. */
export const OPEN_END = '..';

/** What the state was made for: a run with other inputs would mix incomparable results. */
function fingerprintOf(opts: RescanOptions): string {
  const inputs = {
    stac: opts.stac,
    collection: opts.collection,
    aoi: opts.aoi.geometry,
    before: opts.before.span,
    afterStart: afterStartOf(opts.after),
    maxCloud: opts.maxCloud,
    params: opts.params ?? DEFAULT_PARAMS,
    algorithm: ALGORITHM_VERSION,
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

function afterStartOf(w: RescanAfterWindow): Date {
  return 'from' in w ? w.from : w.span.start;
}

function byTimeThenId(a: S2Item, b: S2Item): number {
  return a.datetime.getTime() - b.datetime.getTime() || a.id.localeCompare(b.id);
}

export async function runRescan(opts: RescanOptions): Promise<RescanSummary> {
  const t0 = performance.now();
  const now = opts.now ?? new Date();
  const log = opts.events ?? SILENT_LOG;
  const after = 'from' in opts.after ? { start: opts.after.from, end: now } : opts.after.span;
  const until = after.end.getTime() > now.getTime() ? now : after.end;
  try {
    mkdirSync(opts.state, { recursive: true });
  } catch (err) {
    throw new InvalidInputError(`--state ${opts.state}: cannot create the folder: ${(err as Error).message}`);
  }
  const lock = acquireLock(opts.state, now);
  // Everything opened from here on is released in the finally, whichever step fails.
  let outLock: FileLock | undefined;
  let store: StateStore | undefined;
  let cache: SqliteRangeCache | undefined;
  try {
    outLock = await prepareOutputFolder(opts.out);
    store = StateStore.open(opts.state);
    cache = new SqliteRangeCache(opts.state);
    const rangeCache = cache;
    const fingerprint = fingerprintOf(opts);
    const known = store.fingerprint();
    if (known !== undefined && known !== fingerprint)
      throw new InvalidInputError(
        `--state ${opts.state} holds re-scans of other inputs (STAC, collection, AOI, --before, --after start, --max-cloud or detection parameters differ, or another minewatch algorithm version made it; this one is ${ALGORITHM_VERSION}); use a new state folder for these`,
      );
    const last = store.lastRun();
    const run = (last?.run ?? 0) + 1;
    const since = last
      ? new Date(Math.max(after.start.getTime(), Date.parse(last.searchedUntil) - opts.lookbackDays * DAY_MS))
      : after.start;
    const searched = { start: since.toISOString(), end: until.toISOString() };

    // 1. Search. A failure throws here: nothing written, state untouched.
    // The same provider profile as the scan below (asset keys, dialect); the search reads no assets.
    const catalogue = catalogueOf(opts);
    const http = new HttpClient({ allow: assetPolicy({ stac: stacUrl(opts.stac) }), ...lowSpeedFromEnv() });
    const found = await findItems(
      {
        stac: opts.stac,
        collection: catalogue.collection,
        provider: catalogue.provider,
        profile: catalogue.profile,
        aoi: opts.aoi.geometry,
        before: opts.before,
        after: spanWindow(since, until, '--after'),
        maxCloud: opts.maxCloud,
      },
      http,
      opts.signal,
    );

    crashPoint('after-search');

    // 2. What is new. The baseline is fixed by the first run; later runs take it from the ledger.
    const ledger = store.items();
    const seen = new Map(ledger.map((l) => [l.item.id, l.item.updated ?? null]));
    const isNew = (i: S2Item): boolean => !seen.has(i.id) || seen.get(i.id) !== (i.updated ?? null);
    const baseline = last ? ledger.filter((l) => l.role === 'before').map((l) => l.item) : found.before;
    if (baseline.length === 0)
      throw new NoItemsFoundError(
        `no ${opts.collection} items found in ${opts.stac} for the before window ${opts.before.start}/${opts.before.end} over AOI ${opts.aoi.name}`,
      );
    const newAfter = found.after.filter(isNew);
    const candidateItems: LedgerItem[] = [
      ...(last ? [] : found.before.map((item) => ({ item, role: 'before' as const, tile: tileKey(item) }))),
      ...newAfter.map((item) => ({ item, role: 'after' as const, tile: tileKey(item) })),
    ];
    const affected = new Set(newAfter.map(tileKey));
    if (!last) for (const i of found.before) affected.add(tileKey(i));
    log.info(
      {
        run,
        searched,
        afterItems: found.after.length,
        newItems: newAfter.length,
        tiles: affected.size,
      },
      'Rescan:Planned',
    );

    // 3. Re-composite the affected tiles from every acquisition of the window (cache for the old).
    const ledgerAfter = ledger.filter((l) => l.role === 'after' && !newAfter.some((n) => n.id === l.item.id));
    const { kept: allAfter } = dedupeItems(
      [...ledgerAfter.map((l) => l.item), ...newAfter].sort(byTimeThenId),
    );
    // A site on the overlap of two tiles is built from both, so the tiles a known or a newly found
    // site reaches into are re-composited with the affected ones, until no site reaches further
    // (each round adds a tile, so this ends): the result is then that of a scan of everything.
    const footprints = footprintsByTile([...baseline, ...allAfter], tileKey);
    const reachFurther = (features: readonly Feature[]): boolean => {
      const more = tilesReached(features, footprints, affected);
      for (const t of more) affected.add(t);
      return more.size > 0;
    };
    reachFurther(
      store
        .registry()
        .filter((e) => e.status === 'active' && e.tiles.some((t) => affected.has(t)))
        .map((e) => e.feature),
    );
    let result: ScanResult | undefined;
    let scanAfter: S2Item[] = [];
    for (;;) {
      const scanBefore = baseline.filter((i) => affected.has(tileKey(i)));
      scanAfter = allAfter.filter(
        (i) => affected.has(tileKey(i)) && i.datetime.getTime() >= after.start.getTime(),
      );
      if (scanBefore.length === 0 || scanAfter.length === 0) break;
      const subset: FoundItems = { ...found, before: scanBefore, after: scanAfter };
      result = await scanProducts({
        ...opts,
        after: spanWindow(after.start, until, '--after'),
        found: subset,
        evidence: false,
        wrapSource: (item, source) =>
          new CachedByteSource(source, rangeCache, `${source.id}#${item.updated ?? ''}`),
      });
      if (!reachFurther([...result.candidates, ...result.clearings])) break;
      log.info({ tiles: affected.size, why: 'sites reach into neighbouring tiles' }, 'Rescan:Widened');
    }
    opts.signal?.throwIfAborted();
    crashPoint('after-scan');

    // The ledger takes an acquisition only once its pixels were used (or it had none to give over
    // the tile): one skipped for a 503 storm or a timeout is searched and read again next run.
    const used = new Set((result?.tiles ?? []).flatMap((t) => [...t.before, ...t.after]));
    const nothingToGive = new Set(
      (result?.skipped ?? []).filter((x) => skipKind(x.reason).benign).map((x) => x.item),
    );
    const scannedNow = new Set(scanAfter.map((i) => i.id));
    const retry = newAfter.filter(
      (i) => result && scannedNow.has(i.id) && !used.has(i.id) && !nothingToGive.has(i.id),
    );
    const retryIds = new Set(retry.map((i) => i.id));
    const newItems = candidateItems.filter((l) => !retryIds.has(l.item.id));
    // Hold the search's reach back so the next run's look-back still covers the earliest of them.
    const earliestRetry = Math.min(...retry.map((i) => i.datetime.getTime()));
    const reach =
      retry.length > 0
        ? new Date(Math.min(until.getTime(), earliestRetry + opts.lookbackDays * DAY_MS)).toISOString()
        : searched.end;
    if (retry.length > 0) log.warn({ acquisitions: retry.length, then: 'retried next run' }, 'Rescan:Unread');

    // 4. Registry and evidence.
    const keyOf = new Map((result?.tiles ?? []).map((t) => [t.tile, t.key]));
    const keys = (names: unknown): string[] =>
      (Array.isArray(names) ? names : [names]).map((n) => keyOf.get(String(n)) ?? String(n));
    const scanned = new Set(keyOf.values());
    const detections: Detection[] = (result?.candidates ?? []).map((f) => ({
      feature: f as unknown as CandidateFeature,
      tiles: keys(f.properties.tiles),
    }));
    const reconciled = reconcile(store.registry(), detections, scanned, run);
    const evidence = store.evidence();
    const fresh = new Map<string, TileEvidence>([...scanned].map((k) => [k, { ponds: [], clearings: [] }]));
    for (const p of result?.ponds ?? [])
      fresh.get(keys((p.properties as { tile: unknown }).tile)[0] ?? '')?.ponds.push(p);
    for (const c of result?.clearings ?? [])
      fresh.get(keys((c.properties as { tiles: unknown }).tiles).sort()[0] ?? '')?.clearings.push(c);
    for (const [k, v] of fresh) evidence.set(k, v);

    // 5. Outputs: the whole current picture, plus what changed in this run.
    const allItems = [...baseline, ...allAfter];
    const files = rescanOutputs({
      opts,
      registry: reconciled.registry,
      changes: reconciled.changes,
      evidence,
      provenance: provenanceOf(allItems),
      acquisitions: acquisitionRows({ before: baseline, after: allAfter }, new Map()),
      itemsUsed: baseline.length + allAfter.length,
    });
    const seconds = Math.round(performance.now() - t0) / 1000;
    const requests = found.requests + (result?.summary.requests ?? 0);
    const bytes = http.stats.bytes + (result?.summary.bytes ?? 0);
    files['run.json'] = `${JSON.stringify(
      {
        kind: 'rescan',
        run,
        inputs: {
          stac: opts.stac,
          collection: opts.collection,
          aoi: opts.aoi.name,
          before: { start: opts.before.start, end: opts.before.end },
          after: { start: opts.after.start, end: opts.after.end },
          lookback_days: opts.lookbackDays,
          max_cloud: opts.maxCloud,
        },
        searched,
        new_items: newItems.map((l) => l.item.id),
        retry_next_run: retry.map((i) => i.id),
        tiles_scanned: [...scanned].sort(),
        skipped: result?.skipped ?? [],
        changes: countChanges(reconciled.changes),
        cache: { hits: cache.hits, misses: cache.misses },
        http: { requests, bytes },
        seconds,
      },
      null,
      2,
    )}\n`;
    await writeOutputs(opts.out, files);
    crashPoint('after-outputs');

    // 6. Only now does the state advance.
    store.commit({
      fingerprint,
      run: {
        run,
        searchedUntil: reach,
        newItems: newItems.map((l) => l.item.id),
        tiles: [...scanned].sort(),
      },
      items: newItems,
      registry: reconciled.registry,
      evidence: fresh,
    });
    const active = reconciled.registry.filter((e) => e.status === 'active').length;
    return {
      out: path.resolve(opts.out),
      run,
      newItems: newItems.length,
      tilesScanned: scanned.size,
      candidates: active,
      changes: countChanges(reconciled.changes),
      searched,
      seconds,
      requests,
      bytes,
      cache: { hits: cache.hits, misses: cache.misses },
    };
  } finally {
    cache?.close();
    store?.close();
    outLock?.release();
    lock.release();
  }
}

function countChanges(changes: readonly Change[]): RescanSummary['changes'] {
  return {
    new: changes.filter((c) => c.kind === 'new').length,
    grew: changes.filter((c) => c.kind === 'grew').length,
    gone: changes.filter((c) => c.kind === 'gone').length,
  };
}

interface OutputInput {
  opts: RescanOptions;
  registry: RegistryEntry[];
  changes: Change[];
  evidence: Map<string, TileEvidence>;
  provenance: Provenance;
  acquisitions: ReturnType<typeof acquisitionRows>;
  itemsUsed: number;
}

/** Every product except run.json; a pure function of the state after the run. */
function rescanOutputs(x: OutputInput): OutputFiles {
  const active = x.registry.filter((e) => e.status === 'active').map((e) => e.feature);
  const tiles = [...x.evidence.keys()].sort();
  const ponds: Feature[] = tiles.flatMap((t) => x.evidence.get(t)?.ponds ?? []);
  const clearings: Feature[] = tiles.flatMap((t) => x.evidence.get(t)?.clearings ?? []);
  const changes = x.changes.map((c) => ({
    ...c.feature,
    properties: {
      change: c.kind,
      ...c.feature.properties,
      ...(c.previous
        ? { previous_pond_count: c.previous.pond_count, previous_area_m2: c.previous.area_m2 }
        : {}),
    },
  }));
  const windows = {
    before: { start: x.opts.before.start, end: x.opts.before.end },
    after: { start: x.opts.after.start, end: x.opts.after.end },
  };
  const report = buildReport({
    aoiName: x.opts.aoi.name,
    townshipsApproximate: x.opts.aoi.townships.length > 0,
    windows,
    source: { stac: x.opts.stac, collection: x.opts.collection ?? 'any collection' },
    software: { version: softwareVersion(), algorithm_version: ALGORITHM_VERSION },
    candidates: candidateInputs(active),
    townships: x.opts.aoi.townships.map((t) => t.name),
    references: loadReferences(),
    provenance: x.provenance,
    itemsUsed: x.itemsUsed,
    minConfidence: (x.opts.params ?? DEFAULT_PARAMS).minConfidence,
    acquisitions: x.acquisitions,
    parameters: { ...(x.opts.params ?? DEFAULT_PARAMS) },
  });
  return {
    'candidates.geojson': featureCollection(active, x.provenance, 'candidates'),
    'ponds.geojson': featureCollection(ponds, x.provenance, 'ponds'),
    'clearings.geojson': featureCollection(clearings, x.provenance, 'clearings'),
    'changes.geojson': featureCollection(changes, x.provenance, 'changes'),
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'report.md': reportMarkdown(report),
  };
}
