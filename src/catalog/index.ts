/**
 * The catalog step of a scan: one search per date window against a STAC API or a local catalogue,
 * then parse (unusable items are skipped with a reason), de-duplicate (with a reason) and sort by time.
 * Offsets are not decided here: that needs pixels (offset-decision.ts `decideOffset`).
 */
import { bbox as turfBbox } from '../geo/turf.js';
import type { MultiPolygon, Polygon } from 'geojson';
import { dedupeItems, type DroppedItem } from './dedupe.js';
import { rawItemMatches, type BBox, type DateWindow, type SearchFilters } from './filters.js';
import { validateItems, type S2Item, type SkippedItem } from './item.js';
import type { JsonFetcher } from './json-fetcher.js';
import { readLocalCatalog, type LocalCatalog } from './local-catalog.js';
import { resolveSearch, searchStac, type StacSearchEndpoint } from './stac-client.js';
import type { CollectionProfile, ProviderName } from './providers.js';

export type { S2Item, S2Asset, S2AssetKey, SkippedItem } from './item.js';
export type { DroppedItem } from './dedupe.js';
export type { DateWindow } from './filters.js';
export type { JsonFetcher } from './json-fetcher.js';

export interface FindItemsOptions {
  /** STAC API root URL (http/https), or a path / file: URL of a local ItemCollection or static catalogue. */
  stac: string;
  /** Undefined: every collection a local catalogue holds (an API search always names one). */
  collection: string | undefined;
  /** Asset keys and search dialect; default: Earth Search's profile of the item's collection. */
  provider?: ProviderName;
  profile?: CollectionProfile;
  /** WGS84 area of interest. */
  aoi: Polygon | MultiPolygon;
  before: DateWindow;
  after: DateWindow;
  maxCloud?: number;
  /** API only: default POST; GET sends the AOI's bbox and filters by the AOI client-side. */
  method?: 'GET' | 'POST';
  limit?: number;
  maxPages?: number;
}

export type WindowName = 'before' | 'after';

export interface FoundItems {
  before: S2Item[];
  after: S2Item[];
  skipped: (SkippedItem & { window: WindowName })[];
  dropped: (DroppedItem & { window: WindowName })[];
  /** HTTP requests made (0 for a local catalogue). */
  requests: number;
  /** Result pages read, or JSON files read (once) for a local catalogue. */
  pages: number;
  source: 'api' | 'local';
}

/** `--stac` names an API when it is an http(s) URL; anything else is a local file. */
export function isStacApi(stac: string): boolean {
  return /^https?:\/\//i.test(stac.trim());
}

interface WindowItems {
  groups: { base: URL; items: unknown[] }[];
  requests: number;
  pages: number;
}

export async function findItems(
  opts: FindItemsOptions,
  fetcher: JsonFetcher,
  signal?: AbortSignal,
): Promise<FoundItems> {
  // Both windows were validated where they entered, before any I/O (RELIABILITY.md A8).
  const windows = { before: opts.before.span, after: opts.after.span };
  const api = isStacApi(opts.stac);
  const method = opts.method ?? 'POST';
  const root = api ? new URL(opts.stac.trim()) : undefined;
  let endpoint: StacSearchEndpoint | undefined;
  let requests = 0;
  if (root) {
    endpoint = await resolveSearch(root, fetcher, method, signal);
    requests++;
  }

  let localCatalog: Promise<LocalCatalog> | undefined;
  const run = async (name: WindowName): Promise<WindowItems> => {
    const filters: SearchFilters = {
      collections: opts.collection === undefined ? [] : [opts.collection],
      intersects: opts.aoi,
      datetime: windows[name],
    };
    if (opts.maxCloud !== undefined) filters.maxCloud = opts.maxCloud;
    if (root && endpoint) {
      // GET carries the AOI as a bbox (short URLs); the exact AOI test runs client-side either way.
      const spatial =
        method === 'GET' ? { bbox: turfBbox(opts.aoi).slice(0, 4) as BBox, intersects: undefined } : {};
      const r = await searchStac(
        {
          ...filters,
          ...spatial,
          root,
          search: endpoint,
          method,
          ...(opts.profile ? { dialect: opts.profile.search } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          ...(opts.maxPages !== undefined ? { maxPages: opts.maxPages } : {}),
        },
        fetcher,
        signal,
      );
      // With GET the server and searchStac tested the bbox; the exact AOI test is this one.
      const exact = method === 'GET' ? r.items.filter((i) => rawItemMatches(i, filters)) : r.items;
      return { groups: [{ base: endpoint.url, items: exact }], requests: r.requests, pages: r.pages };
    }
    // A local catalogue is read once and filtered per window.
    localCatalog ??= readLocalCatalog(opts.stac, {}, signal);
    const local = await localCatalog;
    const groups = local.groups.map((g) => ({
      base: g.base,
      items: g.items.filter((i) => rawItemMatches(i, filters)),
    }));
    return { groups, requests: 0, pages: name === 'before' ? local.documents : 0 };
  };

  const out: FoundItems = {
    before: [],
    after: [],
    skipped: [],
    dropped: [],
    requests,
    pages: 0,
    source: api ? 'api' : 'local',
  };
  // Both windows are searched at once (one round trip of latency, not two); their results are
  // taken in a fixed order, so the outputs do not depend on which answered first.
  // Both settle before either is used, so a failing API sees the same requests every time (each
  // window's own retries) and the error reported is the before window's when both fail.
  const [before, after] = await Promise.allSettled([run('before'), run('after')]);
  const settled = { before, after };
  for (const name of ['before', 'after'] as const) {
    const r = settled[name];
    if (r.status === 'rejected') throw r.reason;
    const w = r.value;
    out.requests += w.requests;
    out.pages += w.pages;
    const parsed: S2Item[] = [];
    for (const g of w.groups) {
      const v = validateItems(g.items, g.base, opts.provider);
      parsed.push(...v.ok);
      out.skipped.push(...v.skipped.map((s) => ({ ...s, window: name })));
    }
    const { kept, dropped } = dedupeItems(parsed);
    out.dropped.push(...dropped.map((d) => ({ ...d, window: name })));
    out[name] = kept.sort((a, b) => a.datetime.getTime() - b.datetime.getTime() || a.id.localeCompare(b.id));
  }
  return out;
}
