/**
 * The part of a Sentinel-2 L2A STAC Item that minewatch uses, parsed once at the edge into `S2Item`
 * (URLs resolved, dates as Date, alternatives such as `proj:code` or `mgrs:*` folded in). Field names
 * follow Earth Search v1 (`sentinel-2-l2a` and `sentinel-2-c1-l2a`). Every error names the item and the
 * field, so a skipped item in run.json says exactly what was wrong with it.
 */
import type { MultiPolygon, Polygon } from 'geojson';
import { z } from 'zod';
import { MinewatchError } from '../errors.js';
import { at } from '../types/checked.js';
import { resolveProfile, type CollectionProfile, type EsaBand, type ProviderName } from './providers.js';

/** The bands every scanned item must have, by minewatch's own names (Earth Search's keys). */
export const S2_ASSET_KEYS = ['blue', 'green', 'red', 'nir', 'swir16', 'scl'] as const;
export type S2AssetKey = (typeof S2_ASSET_KEYS)[number];
/** Bands read when the item has them: SWIR 2 (B12), for SWIR discrimination. */
export const S2_OPTIONAL_ASSET_KEYS = ['swir22'] as const;
export type S2OptionalAssetKey = (typeof S2_OPTIONAL_ASSET_KEYS)[number];

/** The ESA band of each of minewatch's band names; a provider profile maps ESA bands to its asset keys. */
const ESA_OF: Readonly<Record<S2AssetKey | S2OptionalAssetKey, EsaBand>> = {
  blue: 'B02',
  green: 'B03',
  red: 'B04',
  nir: 'B08',
  swir16: 'B11',
  swir22: 'B12',
  scl: 'SCL',
};
export type S2AnyAssetKey = S2AssetKey | S2OptionalAssetKey;
export type S2Assets = Record<S2AssetKey, S2Asset> & Partial<Record<S2OptionalAssetKey, S2Asset>>;

/** Every asset key this item has that minewatch reads: the required ones, then optional ones present. */
export function assetKeysOf(item: Pick<S2Item, 'assets'>): S2AnyAssetKey[] {
  return [...S2_ASSET_KEYS, ...S2_OPTIONAL_ASSET_KEYS.filter((k) => item.assets[k] !== undefined)];
}

export interface S2Asset {
  /** Resolved against the document the item came from. http(s) and file: only; host policy is later. */
  href: URL;
  /** `proj:shape`: [rows, columns]. */
  shape?: [number, number];
  /** `proj:transform`: the first six affine coefficients [a, b, c, d, e, f]. */
  transform?: number[];
  scale?: number;
  offset?: number;
  nodata?: number;
  dataType?: string;
}

export interface S2Item {
  id: string;
  collection: string;
  datetime: Date;
  bbox: [number, number, number, number];
  /** WGS84, as the item gives it. */
  geometry: Polygon | MultiPolygon;
  /** `proj:epsg` (or the number in `proj:code: "EPSG:n"`). */
  epsg: number;
  /** `grid:code`, e.g. "MGRS-47RMJ", or built from `mgrs:*` or the id. */
  gridCode: string;
  platform: string;
  cloudCover: number | undefined;
  processingBaseline: string | undefined;
  /** `s2:sequence`, or the N of Earth Search's `..._N_L2A` ids; 0 when neither says. */
  sequence: number;
  /** `updated`: changes when the provider reprocesses the item; re-scans read it again then. */
  updated?: string;
  /** `earthsearch:boa_offset_applied`: recorded, not trusted (see offset-decision.ts). */
  boaOffsetApplied?: boolean;
  /** `minewatch:synthetic`: pixels made by a world generator, not Copernicus Sentinel data. */
  synthetic?: true;
  /**
   * The lowest baseline the item's collection can have (Collection 1: 05.00), standing in for a
   * missing `s2:processing_baseline` when the offset is decided; see providers.ts `Radiometry`.
   */
  minimumBaseline?: string;
  /** The profile the item was read with (providers.ts), e.g. "c1-l2a"; run.json names it. */
  profile?: string;
  assets: S2Assets;
}

/** An item that cannot be used; the run skips it and records the message. */
export class StacItemError extends MinewatchError {
  constructor(
    readonly itemId: string,
    readonly field: string,
    detail: string,
  ) {
    super(`item ${itemId}: ${detail}`);
  }
}

const Position = z.array(z.number()).min(2);
const Ring = z.array(Position).min(4);
const PolygonSchema = z.looseObject({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) });
const MultiPolygonSchema = z.looseObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(Ring).min(1)).min(1),
});
const GeometrySchema = z.discriminatedUnion('type', [PolygonSchema, MultiPolygonSchema], {
  error: 'must be a GeoJSON Polygon or MultiPolygon',
});

const PropertiesSchema = z.looseObject({
  datetime: z.string().nullable().optional(),
  start_datetime: z.string().optional(),
  platform: z.string().min(1).optional(),
  'eo:cloud_cover': z.number().min(0).max(100).optional(),
  'proj:epsg': z.number().int().positive().nullable().optional(),
  'proj:code': z.string().nullable().optional(),
  'grid:code': z.string().min(1).optional(),
  'mgrs:utm_zone': z.number().int().min(1).max(60).optional(),
  'mgrs:latitude_band': z.string().length(1).optional(),
  'mgrs:grid_square': z.string().length(2).optional(),
  's2:processing_baseline': z.string().optional(),
  // Planetary Computer names the tile here and has no grid:code or mgrs:*.
  's2:mgrs_tile': z
    .string()
    .regex(/^\d{1,2}[C-HJ-NP-X][A-HJ-NP-Z]{2}$/)
    .optional(),
  's2:sequence': z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional(),
  'earthsearch:boa_offset_applied': z.boolean().optional(),
  'minewatch:synthetic': z.boolean().optional(),
  updated: z.string().optional(),
});

const ItemSchema = z.looseObject({
  type: z.literal('Feature'),
  id: z.string().min(1),
  collection: z.string().min(1),
  bbox: z
    .array(z.number())
    .refine((b) => b.length === 4 || b.length === 6, 'must have 4 or 6 numbers')
    .optional(),
  geometry: GeometrySchema,
  properties: PropertiesSchema,
  assets: z.record(z.string(), z.unknown()),
});

const Nodata = z.union([z.number(), z.enum(['nan', 'inf', '-inf'])]);
const RasterBandSchema = z.looseObject({
  nodata: Nodata.optional(),
  data_type: z.string().optional(),
  scale: z.number().positive().optional(),
  offset: z.number().optional(),
});

const AssetSchema = z.looseObject({
  href: z.string().min(1),
  'proj:shape': z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  'proj:transform': z
    .array(z.number())
    .refine((t) => t.length === 6 || t.length === 9, 'must have 6 or 9 numbers')
    .optional(),
  'raster:bands': z.array(RasterBandSchema).min(1).optional(),
  // STAC 1.1 puts single-band raster fields on the asset itself.
  nodata: Nodata.optional(),
  data_type: z.string().optional(),
  'raster:scale': z.number().positive().optional(),
  'raster:offset': z.number().optional(),
});

type Issue = z.core.$ZodIssue;

function fieldOf(issue: Issue): string {
  return issue.path.map(String).join('.');
}

function describe(issue: Issue): string {
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return missing ? `"${fieldOf(issue)}" is missing` : `"${fieldOf(issue)}" ${issue.message}`;
}

/** Parses with `schema`; the first issue becomes a `StacItemError` naming the field (and the asset). */
function parseWith<T>(schema: z.ZodType<T>, value: unknown, id: string, assetKey?: string): T {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0] as Issue;
  if (assetKey === undefined) throw new StacItemError(id, fieldOf(issue), describe(issue));
  throw new StacItemError(
    id,
    `assets.${assetKey}.${fieldOf(issue)}`,
    `asset "${assetKey}" ${describe(issue)}`,
  );
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function parseDate(id: string, field: string, text: string): Date {
  const t = Date.parse(text);
  if (!RFC3339.test(text) || Number.isNaN(t)) {
    throw new StacItemError(id, field, `"${field}" is not an RFC 3339 date-time: ${JSON.stringify(text)}`);
  }
  return new Date(t);
}

const PLATFORMS: Record<string, string> = {
  S2A: 'sentinel-2a',
  S2B: 'sentinel-2b',
  S2C: 'sentinel-2c',
  S2D: 'sentinel-2d',
};
/** MGRS tile in Earth Search ids: `S2A_47RMJ_...` (sentinel-2-l2a) or `S2B_T47RMJ_...` (c1-l2a). */
const ID_TILE = /^S2[A-D]_T?(\d{1,2}[C-HJ-NP-X][A-HJ-NP-Z]{2})_/;

function gridCodeOf(id: string, p: z.infer<typeof PropertiesSchema>): string {
  if (p['grid:code']) return p['grid:code'];
  const zone = p['mgrs:utm_zone'];
  const band = p['mgrs:latitude_band'];
  const square = p['mgrs:grid_square'];
  if (zone !== undefined && band && square) return `MGRS-${String(zone).padStart(2, '0')}${band}${square}`;
  const pcTile = p['s2:mgrs_tile'];
  if (pcTile) return `MGRS-${pcTile.padStart(5, '0')}`;
  const m = ID_TILE.exec(id);
  if (m?.[1]) return `MGRS-${m[1].padStart(5, '0')}`;
  throw new StacItemError(id, 'grid:code', 'no "grid:code" or "mgrs:*" properties, and no tile in the id');
}

function epsgOf(id: string, p: z.infer<typeof PropertiesSchema>): number {
  if (typeof p['proj:epsg'] === 'number') return p['proj:epsg'];
  const m = /^EPSG:(\d+)$/i.exec(p['proj:code'] ?? '');
  if (m?.[1]) return Number(m[1]);
  throw new StacItemError(id, 'proj:epsg', 'no "proj:epsg" (or "proj:code": "EPSG:n") property');
}

function sequenceOf(id: string, p: z.infer<typeof PropertiesSchema>): number {
  const s = p['s2:sequence'];
  if (s !== undefined) return Number(s);
  const m = /_(\d+)_L[12][AC]$/.exec(id);
  return m?.[1] ? Number(m[1]) : 0;
}

function checkWgs84(id: string, geometry: Polygon | MultiPolygon): void {
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  for (const ring of rings) {
    for (const [lon, lat] of ring) {
      if (lon === undefined || lat === undefined || Math.abs(lon) > 180 || Math.abs(lat) > 90) {
        throw new StacItemError(
          id,
          'geometry',
          `geometry has a position outside WGS84 bounds: [${lon}, ${lat}]`,
        );
      }
    }
  }
}

function bboxOf(geometry: Polygon | MultiPolygon): [number, number, number, number] {
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  const pts = rings.flat();
  const xs = pts.map((p) => at(p, 0));
  const ys = pts.map((p) => at(p, 1));
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'file:']);

function nodataValue(v: z.infer<typeof Nodata> | undefined): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  return v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity;
}

/** `key` is the provider's asset key (what the item calls it), so messages point into the item. */
function parseAsset(id: string, key: string, raw: unknown, base: URL): S2Asset {
  if (raw === undefined) throw new StacItemError(id, `assets.${key}`, `missing asset "${key}"`);
  const hrefValue =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['href'] : undefined;
  if (typeof hrefValue !== 'string' || hrefValue === '') {
    throw new StacItemError(id, `assets.${key}.href`, `asset "${key}" has no href`);
  }
  const a = parseWith(AssetSchema, raw, id, key);
  let href: URL;
  try {
    href = new URL(a.href, base);
  } catch {
    throw new StacItemError(
      id,
      `assets.${key}.href`,
      `asset "${key}" href ${JSON.stringify(a.href)} is not a URL`,
    );
  }
  if (!ALLOWED_SCHEMES.has(href.protocol)) {
    throw new StacItemError(
      id,
      `assets.${key}.href`,
      `asset "${key}" href scheme "${href.protocol}" is not supported`,
    );
  }
  const band = a['raster:bands']?.[0];
  const out: S2Asset = { href };
  if (a['proj:shape']) out.shape = a['proj:shape'];
  if (a['proj:transform']) out.transform = a['proj:transform'].slice(0, 6);
  const scale = band?.scale ?? a['raster:scale'];
  const offset = band?.offset ?? a['raster:offset'];
  const nodata = nodataValue(band?.nodata ?? a.nodata);
  const dataType = band?.data_type ?? a.data_type;
  if (scale !== undefined) out.scale = scale;
  if (offset !== undefined) out.offset = offset;
  if (nodata !== undefined) out.nodata = nodata;
  if (dataType !== undefined) out.dataType = dataType;
  return out;
}

/** The id of a raw item for messages, even when the item is otherwise malformed. */
export function rawItemId(json: unknown, fallback = '<no id>'): string {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : fallback;
}

/**
 * Parses one STAC Item. `base` is the URL of the document it came from (a search page, or the file: URL
 * of a local catalogue file): relative asset hrefs resolve against it. `profile` says which asset key
 * holds which band (default: the Earth Search profile of the item's own collection). Throws
 * `StacItemError`.
 */
export function parseS2Item(json: unknown, base: URL, profile?: CollectionProfile): S2Item {
  const id = rawItemId(json);
  const item = parseWith(ItemSchema, json, id);
  const p = item.properties;
  const geometry = item.geometry as Polygon | MultiPolygon;
  checkWgs84(id, geometry);
  let datetime: Date;
  if (typeof p.datetime === 'string') datetime = parseDate(id, 'properties.datetime', p.datetime);
  else if (p.start_datetime) datetime = parseDate(id, 'properties.start_datetime', p.start_datetime);
  else throw new StacItemError(id, 'properties.datetime', '"properties.datetime" is missing');
  const platform = p.platform?.toLowerCase() ?? PLATFORMS[id.slice(0, 3)];
  if (!platform) throw new StacItemError(id, 'properties.platform', '"properties.platform" is missing');
  const b = item.bbox;
  const bbox: [number, number, number, number] = b
    ? b.length === 6
      ? [at(b, 0), at(b, 1), at(b, 3), at(b, 4)]
      : [at(b, 0), at(b, 1), at(b, 2), at(b, 3)]
    : bboxOf(geometry);
  const prof = profile ?? resolveProfile('earth-search', item.collection);
  const assetOf = (key: S2AssetKey | S2OptionalAssetKey): unknown => item.assets[prof.assets[ESA_OF[key]]];
  const assets = {} as S2Item['assets'];
  for (const key of S2_ASSET_KEYS) assets[key] = parseAsset(id, prof.assets[ESA_OF[key]], assetOf(key), base);
  for (const key of S2_OPTIONAL_ASSET_KEYS) {
    // Optional: absent is fine, present but broken is as wrong as a broken required band.
    if (assetOf(key) !== undefined)
      assets[key] = parseAsset(id, prof.assets[ESA_OF[key]], assetOf(key), base);
  }
  const out: S2Item = {
    id,
    collection: item.collection,
    datetime,
    bbox,
    geometry,
    epsg: epsgOf(id, p),
    gridCode: gridCodeOf(id, p),
    platform,
    cloudCover: p['eo:cloud_cover'],
    processingBaseline: p['s2:processing_baseline'],
    sequence: sequenceOf(id, p),
    assets,
  };
  if (p.updated !== undefined) out.updated = p.updated;
  if (p['earthsearch:boa_offset_applied'] !== undefined) {
    out.boaOffsetApplied = p['earthsearch:boa_offset_applied'];
  }
  if (p['minewatch:synthetic'] === true) out.synthetic = true;
  if (prof.radiometry.minimumBaseline !== undefined) out.minimumBaseline = prof.radiometry.minimumBaseline;
  out.profile = prof.profile;
  return out;
}

export interface SkippedItem {
  id: string;
  reason: string;
}

/**
 * Parses a batch: unusable items (a missing band, a bad href, no projection...) are reported with the
 * reason instead of failing the run. Anything other than a `StacItemError` is a bug and is rethrown.
 */
export function validateItems(
  items: readonly unknown[],
  base: URL,
  provider: ProviderName = 'earth-search',
): { ok: S2Item[]; skipped: SkippedItem[] } {
  const ok: S2Item[] = [];
  const skipped: SkippedItem[] = [];
  items.forEach((json, i) => {
    try {
      // Each item under the profile of its own collection: one catalogue may mix collections.
      const collection = (json as { collection?: unknown } | null)?.collection;
      const profile = resolveProfile(provider, typeof collection === 'string' ? collection : undefined);
      ok.push(parseS2Item(json, base, profile));
    } catch (err) {
      if (!(err instanceof StacItemError)) throw err;
      skipped.push({ id: rawItemId(json, `<item #${i} without id>`), reason: err.message });
    }
  });
  return { ok, skipped };
}
