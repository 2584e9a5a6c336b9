/**
 * Incremental re-scans against the real local STAC API serving a catalogue that grows between
 * runs. What each run read is counted from the server's own request log, not from ours.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { matchSites, truthFromGeoJson, type ScoredCandidate } from '../../src/eval/match.js';
import { runRescan, type RescanOptions, type RescanSummary } from '../../src/run/rescan.js';
import { runScan } from '../../src/run/scan.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { StateStore } from '../../src/state/store.js';
import { GrowingCatalog, itemsRead, type RawItem } from '../helpers/growing-catalog.js';

const world = inject('smallWorld');
const BEFORE = parseDateWindow('2020-12-01', '2021-02-28');
const AFTER = parseDateWindow('2023-12-01', '2024-02-29');
const NOW = new Date('2024-03-15T00:00:00Z');
let tmp: string;
let catalog: GrowingCatalog;
let server: CatalogServer;

const day = (i: RawItem): string => i.properties.datetime.slice(0, 10);
const isBefore = (i: RawItem): boolean => day(i) < '2022-01-01';
// Three stages of the after season: the catalogue as cron would find it in early February, after
// one more tile's mid-February acquisition, and at the end of the season. Stage A holds every
// after-season look up to 2 February: on the Pangwa tile (47RMJ) that includes the first look
// whose ponds read as water, so the first run has real mines to find (the January looks alone
// show only dark patches, which the detector rightly does not report).
const stageA = (i: RawItem): boolean => isBefore(i) || day(i) <= '2024-02-02';
const stageB = (i: RawItem): boolean => stageA(i) || i.id.startsWith('S2A_46RGP_20240219');
const all = (): boolean => true;

function options(state: string, out: string): RescanOptions {
  return {
    state,
    stac: server.url.href,
    collection: 'sentinel-2-l2a',
    aoi: loadAoi('kachin'),
    before: BEFORE,
    after: AFTER,
    lookbackDays: 30,
    maxCloud: 60,
    concurrency: 8,
    out,
    json: false,
    quiet: true,
    now: NOW,
  };
}

async function publish(keep: (i: RawItem) => boolean): Promise<string[]> {
  const ids = catalog.show(keep);
  await server.reload();
  server.stats.reset();
  return ids;
}

const readFc = (f: string): FeatureCollection => JSON.parse(readFileSync(f, 'utf8')) as FeatureCollection;
type TruthFeature = Feature<Polygon | MultiPolygon, Record<string, unknown>>;
const candidatesOf = (f: string): ScoredCandidate[] =>
  (readFc(f).features as TruthFeature[]).map((c) => ({
    id: String(c.properties['id']),
    confidence: Number(c.properties['confidence']),
    pondCount: Number(c.properties['pond_count']),
    geometry: c.geometry,
  }));
const ids = (f: string): string[] =>
  readFc(f)
    .features.map((x) => String(x.properties?.id))
    .sort();

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-rescan-'));
  catalog = new GrowingCatalog(world, path.join(tmp, 'catalog'));
  catalog.show(stageA);
  server = await startCatalogServer({ root: catalog.root, basePath: '/v1' });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('rescan over a growing catalogue', () => {
  const state = (): string => path.join(tmp, 'state');
  const out = (n: number): string => path.join(tmp, `out-${n}`);
  const runs: { summary: RescanSummary; read: Set<string>; published: string[]; searches: number }[] = [];

  beforeAll(async () => {
    for (const [n, stage] of [stageA, stageB, all, all].entries()) {
      const published = await publish(stage);
      const summary = await runRescan(options(state(), out(n)));
      runs.push({
        summary,
        read: itemsRead(server.stats.byPath),
        published,
        searches: server.stats.searchRequests,
      });
    }
  }, 240_000);

  it('the first run reads every published item it compares, and finds candidates', () => {
    const first = runs[0]!;
    expect(first.summary.run).toBe(1);
    expect(first.summary.candidates).toBeGreaterThan(0);
    expect(first.summary.changes.new).toBe(first.summary.candidates);
    // What it finds are mines: every candidate of the first run overlaps a true new site.
    const truth = truthFromGeoJson(readFc(path.join(world, 'truth.geojson')).features as TruthFeature[]);
    const result = matchSites(candidatesOf(path.join(out(0), 'candidates.geojson')), truth);
    expect(result.falsePositiveIds).toEqual([]);
    expect(result.truePositives).toBe(first.summary.candidates);
    // Every published item but deduplicated twins is read.
    expect(first.read.size).toBeGreaterThanOrEqual(first.published.length - 1);
  });

  it('a later run reads from the server only the items published since (server request log)', () => {
    for (const k of [1, 2]) {
      const r = runs[k]!;
      const fresh = r.published.filter((id) => !runs[k - 1]!.published.includes(id));
      expect(fresh.length).toBeGreaterThan(0);
      expect(r.read.size).toBeGreaterThan(0);
      for (const id of r.read) expect(fresh).toContain(id);
      expect(r.summary.newItems).toBeGreaterThan(0);
      expect(r.summary.tilesScanned).toBeGreaterThan(0);
    }
    // Stage B adds one tile's acquisition (46RGP). A site on its overlap with 47RKJ is built from
    // both, so the neighbour is re-composited too, from the range cache: the server saw reads of
    // the fresh item only (above). Nothing else is re-composited.
    const runB = JSON.parse(readFileSync(path.join(out(1), 'run.json'), 'utf8')) as {
      tiles_scanned: string[];
    };
    expect(runB.tiles_scanned.map((t) => t.split('@')[0]).sort()).toEqual(['MGRS-46RGP', 'MGRS-47RKJ']);
  });

  it('a run with nothing new reads no asset at all and reports no change', () => {
    const r = runs[3]!;
    expect(r.read.size).toBe(0);
    expect(r.searches).toBeGreaterThan(0);
    expect(r.summary.newItems).toBe(0);
    expect(r.summary.tilesScanned).toBe(0);
    expect(r.summary.changes).toEqual({ new: 0, grew: 0, gone: 0 });
    expect(readFc(path.join(out(3), 'changes.geojson')).features).toEqual([]);
    // Nothing new, the same picture: the products are byte-identical to the run before.
    for (const f of ['candidates.geojson', 'ponds.geojson', 'clearings.geojson', 'report.md'])
      expect(readFileSync(path.join(out(3), f), 'utf8')).toBe(readFileSync(path.join(out(2), f), 'utf8'));
  });

  it('ids are stable: a candidate of an earlier run keeps its id in every later run', () => {
    const first = ids(path.join(out(0), 'candidates.geojson'));
    const last = readFc(path.join(out(3), 'candidates.geojson'));
    const gone = new Set(
      [1, 2].flatMap((n) =>
        readFc(path.join(out(n), 'changes.geojson'))
          .features.filter((f) => f.properties?.change === 'gone')
          .map((f) => String(f.properties?.id)),
      ),
    );
    const lastIds = last.features.map((f) => String(f.properties?.id));
    for (const id of first) if (!gone.has(id)) expect(lastIds).toContain(id);
    expect(new Set(lastIds).size).toBe(lastIds.length);
  });

  it('the state records each run, and the ledger holds every item processed', () => {
    const store = StateStore.open(state());
    try {
      expect(store.lastRun()?.run).toBe(4);
      const ledger = store.items().map((l) => l.item.id);
      for (const id of runs[2]!.published.filter(
        (i) => !/_0_L2A$/.test(i) || !runs[2]!.published.includes(i.replace('_0_', '_1_')),
      ))
        expect(ledger).toContain(id);
    } finally {
      store.close();
    }
  });

  it('after the catalogue is complete, the candidates are those of one scan over all of it', async () => {
    const scanOut = path.join(tmp, 'scan-all');
    await runScan({ ...options(state(), scanOut), after: AFTER, found: undefined });
    const geom = (f: string): string[] =>
      readFc(f)
        .features.map((x) => JSON.stringify([x.geometry, x.properties?.pond_count]))
        .sort();
    expect(geom(path.join(out(3), 'candidates.geojson'))).toEqual(
      geom(path.join(scanOut, 'candidates.geojson')),
    );
  });
});

describe('a failed STAC search', () => {
  it('exits with StacUnavailable and never advances the state', async () => {
    const st = path.join(tmp, 'state-fail');
    await publish(stageA);
    await runRescan(options(st, path.join(tmp, 'fail-1')));
    await publish(all);
    server.setFaults({
      onRequest: (ctx) => {
        if (ctx.kind !== 'search') return undefined;
        ctx.res.writeHead(500, { 'content-type': 'text/plain' }).end('down');
        return { action: 'handled' };
      },
    });
    try {
      await expect(runRescan(options(st, path.join(tmp, 'fail-1')))).rejects.toMatchObject({ exitCode: 3 });
    } finally {
      server.setFaults({ onRequest: () => undefined });
    }
    const store = StateStore.open(st);
    try {
      expect(store.lastRun()?.run).toBe(1);
    } finally {
      store.close();
    }
    // The next good run picks up everything the failed one missed.
    const s = await runRescan(options(st, path.join(tmp, 'fail-1')));
    expect(s.run).toBe(2);
    expect(s.newItems).toBeGreaterThan(0);
  }, 120_000);
});

describe('the look-back window', () => {
  it('finds a late-published acquisition only when it falls within the look-back', async () => {
    // 47RMJ's 2024-01-23 look is published only after the first run, whose search reached
    // 2024-02-29: a 30-day look-back starts at 2024-01-30 and misses it; 40 days reach it.
    const late = (i: RawItem): boolean => i.id.startsWith('S2B_47RMJ_20240123');
    const st30 = path.join(tmp, 'state-lookback-30');
    const st40 = path.join(tmp, 'state-lookback-40');
    await publish((i) => !late(i));
    await runRescan(options(st30, path.join(tmp, 'lb-30')));
    await runRescan({ ...options(st40, path.join(tmp, 'lb-40')), lookbackDays: 40 });
    await publish(all);
    const missed = await runRescan(options(st30, path.join(tmp, 'lb-30')));
    expect(missed.newItems).toBe(0);
    expect(itemsRead(server.stats.byPath).size).toBe(0);
    const found = await runRescan({ ...options(st40, path.join(tmp, 'lb-40')), lookbackDays: 40 });
    expect(found.newItems).toBe(1);
    expect([...itemsRead(server.stats.byPath)]).toEqual([catalog.items.find(late)?.id]);
  }, 120_000);
});
