/**
 * The synthetic world re-shaped as each real provider publishes Sentinel-2 L2A, so a scan through
 * the local server meets what it meets on the real service (ids, collection, asset keys, metadata).
 * The world is generated in Earth Search's legacy `sentinel-2-l2a` shape; the shapes below follow the
 * recorded real items in ../shared/data (STAC-PROVIDERS.md §1-3):
 *  - `l2a`: as generated.
 *  - `c1-l2a`: collection `sentinel-2-c1-l2a`, ids `S2B_T47RMJ_20240126T040101_L2A`, no `s2:sequence`.
 *    Collection 1 has one item per acquisition (a reprocessing replaces it under the same id:
 *    Element84/earth-search#68), so only the latest processing of each acquisition is published.
 *  - `pc`: asset keys `B02`...`B12`, `SCL`; ids from `s2:product_uri` without `.SAFE` and the baseline;
 *    `s2:mgrs_tile` instead of `grid:code`/`mgrs:*`; `Sentinel-2B` platform casing; no raster
 *    extension at all (PC publishes no scale or offset). Latest processing only, as for C1.
 * Pure: documents in, documents out.
 */
import type { StacItem } from './stac-types.js';
import type { CatalogFolder } from './catalog-folder.js';

export const SERVER_PROFILES = ['l2a', 'c1-l2a', 'pc'] as const;
export type ServerProfile = (typeof SERVER_PROFILES)[number];

export const C1_COLLECTION = 'sentinel-2-c1-l2a';

/** Earth Search key -> Planetary Computer key. */
const PC_KEYS: Readonly<Record<string, string>> = {
  blue: 'B02',
  green: 'B03',
  red: 'B04',
  nir: 'B08',
  swir16: 'B11',
  swir22: 'B12',
  scl: 'SCL',
};

type Props = Record<string, unknown>;

function tileOf(item: StacItem): string {
  const grid = item.properties['grid:code'];
  if (typeof grid === 'string') return grid.replace(/^MGRS-/, '');
  const m = /^S2[A-D]_T?(\d{1,2}[A-Z]{3})_/.exec(item.id);
  return m?.[1] ?? 'UNKNOWN';
}

function sequenceOf(item: StacItem): number {
  const s = item.properties['s2:sequence'];
  return typeof s === 'string' || typeof s === 'number' ? Number(s) : 0;
}

/** `2024-01-26T04:01:01.024Z` -> `20240126T040101`. */
function compactTime(datetime: unknown): string {
  return String(datetime).slice(0, 19).replace(/[-:]/g, '');
}

/** One item per acquisition: the highest `s2:sequence` of each (platform, tile, datetime). */
function latestProcessing(items: readonly StacItem[]): StacItem[] {
  const best = new Map<string, StacItem>();
  for (const item of items) {
    const key = `${String(item.properties['platform'])}|${tileOf(item)}|${String(item.properties['datetime'])}`;
    const prev = best.get(key);
    if (!prev || sequenceOf(item) > sequenceOf(prev)) best.set(key, item);
  }
  return items.filter(
    (i) =>
      best.get(`${String(i.properties['platform'])}|${tileOf(i)}|${String(i.properties['datetime'])}`) === i,
  );
}

function c1Item(item: StacItem): StacItem {
  const sat = item.id.slice(0, 3);
  const properties: Props = { ...item.properties };
  delete properties['s2:sequence'];
  return {
    ...item,
    id: `${sat}_T${tileOf(item)}_${compactTime(properties['datetime'])}_L2A`,
    collection: C1_COLLECTION,
    properties,
  };
}

function pcItem(item: StacItem): StacItem {
  const p: Props = { ...item.properties };
  const uriValue = p['s2:product_uri'];
  const uri = typeof uriValue === 'string' ? uriValue : '';
  const id = uri.replace(/\.SAFE$/, '').replace(/_N\d{4}_/, '_');
  const tile = tileOf(item);
  for (const k of Object.keys(p)) {
    if (k.startsWith('mgrs:') || k.startsWith('grid:') || k.startsWith('earthsearch:')) delete p[k];
  }
  delete p['s2:sequence'];
  p['s2:mgrs_tile'] = tile;
  const platform = typeof p['platform'] === 'string' ? p['platform'] : '';
  p['platform'] = platform.replace(/^sentinel-2([a-d])$/i, (_m, x: string) => `Sentinel-2${x.toUpperCase()}`);
  p['constellation'] = 'Sentinel 2';
  const assets: StacItem['assets'] = {};
  for (const [key, asset] of Object.entries(item.assets)) {
    const copy: Record<string, unknown> = { ...asset };
    delete copy['raster:bands'];
    assets[PC_KEYS[key] ?? key] = copy as StacItem['assets'][string];
  }
  const declared = item.stac_extensions;
  const stac_extensions = Array.isArray(declared)
    ? declared.filter(
        (e): e is string =>
          typeof e === 'string' && !e.includes('/raster/') && !e.includes('/grid/') && !e.includes('/mgrs/'),
      )
    : undefined;
  return {
    ...item,
    id: id || item.id,
    properties: p,
    assets,
    ...(stac_extensions ? { stac_extensions } : {}),
  };
}

/** The world as `profile` publishes it. */
export function shapeWorld(world: CatalogFolder, profile: ServerProfile): CatalogFolder {
  if (profile === 'l2a') return world;
  const items = latestProcessing(world.items).map(profile === 'c1-l2a' ? c1Item : pcItem);
  if (profile === 'pc') return { collections: world.collections, items };
  const renamed = new Set(world.items.map((i) => i.collection));
  const collections = world.collections.map((c) =>
    renamed.has(c.id) ? { ...c, id: C1_COLLECTION, title: 'Sentinel-2 Collection 1 Level-2A' } : c,
  );
  return { collections, items };
}
