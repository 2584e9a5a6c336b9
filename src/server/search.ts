/**
 * Item Search over an in-memory list of STAC Items: filtering, Earth Search ordering and keyset paging.
 *
 * Ordering is stac-server's default: `properties.datetime` descending, then `id` descending, then
 * `collection` descending (a `sortby` goes first, the id/collection tie-breakers stay). Paging is keyset
 * ("search after"), like stac-server: the `next` token carries the sort key of the last item returned, so
 * items added between two page requests never shift or repeat a page. Unlike Earth Search's token
 * (`datetime,id,collection`), ours also carries the search parameters, so a `next` link needs nothing
 * else: POST `{"next": token}` or GET `?next=token`. Pure: no I/O, no clock.
 */
import { bbox as turfBbox, bboxPolygon, booleanIntersects } from '../geo/turf.js';
import type { Geometry } from 'geojson';
import { compareValues, compileCql2 } from './cql2.js';
import { parseDataTime, parseDatetimeParam, rangesOverlap, type TimeRange } from './datetime.js';
import { BadRequestError } from './errors.js';
import { bboxesIntersect, itemBBox, itemTimeRange } from './item-facts.js';
import {
  mergeParams,
  parseSearchParams,
  type LimitOptions,
  type QueryExpr,
  type RawParams,
  type SearchParams,
  type SortRule,
} from './search-params.js';
import { isTimeField, readField, type BBox, type StacItem } from './stac-types.js';
import { at } from '../types/checked.js';

export type SortValue = string | number | boolean | null;
export type SortKey = SortValue[];

export interface IndexedItem {
  item: StacItem;
  bbox: BBox | undefined;
  time: TimeRange | undefined;
}

export const DEFAULT_SORT: readonly SortRule[] = [
  { field: 'properties.datetime', direction: 'desc' },
  { field: 'id', direction: 'desc' },
  { field: 'collection', direction: 'desc' },
];

/** A validated search, ready to run. */
export interface CompiledSearch {
  params: SearchParams;
  limit: number;
  sort: SortRule[];
  matches: (entry: IndexedItem) => boolean;
  /** Identifies the result set (parameters without limit), for caching sorted matches. */
  key: string;
}

function queryPredicate(query: QueryExpr): (item: StacItem) => boolean {
  const tests = Object.entries(query).flatMap(([field, ops]) =>
    Object.entries(ops).map(([op, operand]) => {
      const asTime = isTimeField(field);
      return (item: StacItem): boolean => {
        const raw = readField(item, field);
        const value = asTime && typeof raw === 'string' ? parseDataTime(raw) : raw;
        const rhs = asTime && typeof operand === 'string' ? parseDataTime(operand) : operand;
        type V = Parameters<typeof compareValues>[1];
        switch (op) {
          case 'eq':
            return compareValues('=', value as V, rhs as V);
          case 'neq':
            return value === undefined || !compareValues('=', value as V, rhs as V);
          case 'lt':
            return compareValues('<', value as V, rhs as V);
          case 'lte':
            return compareValues('<=', value as V, rhs as V);
          case 'gt':
            return compareValues('>', value as V, rhs as V);
          case 'gte':
            return compareValues('>=', value as V, rhs as V);
          case 'startsWith':
            return typeof raw === 'string' && raw.startsWith(String(operand));
          case 'endsWith':
            return typeof raw === 'string' && raw.endsWith(String(operand));
          case 'contains':
            return typeof raw === 'string' && raw.includes(String(operand));
          case 'in':
            return (operand as unknown[]).some((o) =>
              compareValues('=', value as V, (asTime && typeof o === 'string' ? parseDataTime(o) : o) as V),
            );
          default:
            return false;
        }
      };
    }),
  );
  return (item) => tests.every((t) => t(item));
}

function spatialPredicate(params: SearchParams): ((entry: IndexedItem) => boolean) | undefined {
  let geometry: Geometry | undefined = params.intersects;
  let box: BBox | undefined;
  if (params.bbox) {
    const b = params.bbox;
    box =
      b.length === 4 ? [at(b, 0), at(b, 1), at(b, 2), at(b, 3)] : [at(b, 0), at(b, 1), at(b, 3), at(b, 4)];
    geometry = box[0] <= box[2] ? bboxPolygon(box).geometry : undefined; // antimeridian: boxes only
  }
  if (!geometry && !box) return undefined;
  if (geometry && !box) {
    const [minX, minY, maxX, maxY] = turfBbox(geometry);
    box = [minX, minY, maxX, maxY];
  }
  const queryBox = box as BBox;
  return (entry) => {
    if (!entry.item.geometry || !entry.bbox) return false;
    if (!bboxesIntersect(entry.bbox, queryBox)) return false;
    return geometry ? booleanIntersects(entry.item.geometry, geometry) : true;
  };
}

/** Adds the default tie-breakers so that the order is total and keyset paging is exact. */
export function effectiveSort(sortby: SortRule[] | undefined): SortRule[] {
  if (!sortby) return [...DEFAULT_SORT];
  const rules = [...sortby];
  for (const tie of DEFAULT_SORT.slice(1)) {
    if (!rules.some((r) => r.field === tie.field)) rules.push(tie);
  }
  return rules;
}

/** Compiles canonical parameters (already validated) into a runnable search. */
export function compileSearch(params: SearchParams, opts: LimitOptions): CompiledSearch {
  const tests: ((entry: IndexedItem) => boolean)[] = [];
  if (params.collections) {
    const set = new Set(params.collections);
    tests.push((e) => set.has(e.item.collection));
  }
  if (params.ids) {
    const set = new Set(params.ids);
    tests.push((e) => set.has(e.item.id));
  }
  if (params.datetime) {
    const range = parseDatetimeParam(params.datetime);
    tests.push((e) => e.time !== undefined && rangesOverlap(e.time, range));
  }
  if (params.query) {
    const q = queryPredicate(params.query);
    tests.push((e) => q(e.item));
  }
  if (params.filter !== undefined) {
    const f = compileCql2(params.filter);
    tests.push((e) => f(e.item));
  }
  const spatial = spatialPredicate(params);
  if (spatial) tests.push(spatial);
  const { limit: _limit, ...identity } = params;
  return {
    params,
    limit: Math.min(params.limit ?? opts.defaultLimit, opts.maxLimit),
    sort: effectiveSort(params.sortby),
    matches: (entry) => tests.every((t) => t(entry)),
    key: JSON.stringify(identity),
  };
}

export function sortKey(item: StacItem, sort: SortRule[]): SortKey {
  return sort.map(({ field }) => {
    const v = readField(item, field);
    if (isTimeField(field)) return parseDataTime(v) ?? null;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  });
}

/** Compares sort keys; missing values sort last in either direction (the search-engine default). */
export function compareKeys(a: SortKey, b: SortKey, sort: SortRule[]): number {
  for (let i = 0; i < sort.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    let c: number;
    if (typeof x === typeof y) c = x < y ? -1 : x > y ? 1 : 0;
    else c = typeof x < typeof y ? -1 : 1;
    if (c !== 0) return sort[i]?.direction === 'desc' ? -c : c;
  }
  return 0;
}

export interface ItemsPage {
  features: StacItem[];
  /** All items matching the search, whatever the page (Earth Search's `numberMatched`). */
  matched: number;
  limit: number;
  /** Token for the next page, when there is one to offer. */
  next?: string;
}

export interface PagingOptions extends LimitOptions {
  /**
   * Earth Search offers a `next` link on every non-empty page, so the last page is followed by an empty
   * one (recorded in `v1_search_empty_result.json`). `true` (default) imitates it; `false` offers `next`
   * only when more items remain.
   */
  trailingEmptyPage?: boolean;
}

interface TokenBody {
  v: 1;
  p: SearchParams;
  a: SortKey;
}

export function encodeNextToken(params: SearchParams, after: SortKey): string {
  const body: TokenBody = { v: 1, p: params, a: after };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

export function decodeNextToken(token: string): { params: SearchParams; after: SortKey } {
  const invalid = (): BadRequestError => new BadRequestError('Invalid next token');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const body = parsed as Partial<TokenBody>;
  const ok =
    body.v === 1 &&
    typeof body.p === 'object' &&
    body.p !== null &&
    Array.isArray(body.a) &&
    body.a.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (!ok) throw invalid();
  return { params: body.p as SearchParams, after: body.a as SortKey };
}

interface SortedMatches {
  entries: IndexedItem[];
  keys: SortKey[];
}

/**
 * The searchable catalogue: items indexed once (bbox, time range), deduplicated by (collection, id) with
 * the last occurrence winning, as an upsert into Earth Search would.
 */
export class ItemIndex {
  readonly entries: readonly IndexedItem[];
  private readonly byKey = new Map<string, IndexedItem>();
  private readonly cache = new Map<string, SortedMatches>();

  constructor(items: readonly StacItem[]) {
    for (const item of items) {
      this.byKey.set(`${item.collection}\u0000${item.id}`, {
        item,
        bbox: itemBBox(item),
        time: itemTimeRange(item),
      });
    }
    this.entries = [...this.byKey.values()];
  }

  get size(): number {
    return this.entries.length;
  }

  getItem(collection: string, id: string): StacItem | undefined {
    return this.byKey.get(`${collection}\u0000${id}`)?.item;
  }

  /** Sorted matches for a search, cached for a few result sets (paging re-runs the same search). */
  private sortedMatches(search: CompiledSearch): SortedMatches {
    const cacheKey = `${search.key}|${JSON.stringify(search.sort)}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    const entries = this.entries.filter(search.matches);
    const keyed = entries.map((e) => ({ e, k: sortKey(e.item, search.sort) }));
    keyed.sort((x, y) => compareKeys(x.k, y.k, search.sort));
    const result = { entries: keyed.map((x) => x.e), keys: keyed.map((x) => x.k) };
    if (this.cache.size >= 32) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(cacheKey, result);
    return result;
  }

  /** Runs a compiled search from just after `after` (keyset), returning one page. */
  page(search: CompiledSearch, after: SortKey | undefined, trailingEmptyPage = true): ItemsPage {
    const { entries, keys } = this.sortedMatches(search);
    let start = 0;
    if (after) {
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareKeys(keys[mid] as SortKey, after, search.sort) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const end = Math.min(start + search.limit, entries.length);
    const features = entries.slice(start, end).map((e) => e.item);
    const page: ItemsPage = { features, matched: entries.length, limit: search.limit };
    const more = end < entries.length;
    if (features.length > 0 && (more || trailingEmptyPage)) {
      page.next = encodeNextToken({ ...search.params, limit: search.limit }, keys[end - 1] as SortKey);
    }
    return page;
  }

  /**
   * Validates raw parameters (GET or POST), resolves a `next` token, and returns one page.
   * `collection` pins the search to one collection (OGC `/collections/{id}/items`).
   */
  search(raw: RawParams, opts: PagingOptions, collection?: string): ItemsPage {
    const { params: explicit, next } = parseSearchParams(raw, opts);
    let params = explicit;
    let after: SortKey | undefined;
    if (next) {
      const token = decodeNextToken(next);
      // the token's parameters are re-validated: a hand-made token is treated like any other input
      const revalidated = parseSearchParams(token.params as RawParams, opts).params;
      params = mergeParams(revalidated, explicit);
      after = token.after;
    }
    if (collection) params = { ...params, collections: [collection] };
    const compiled = compileSearch(params, opts);
    if (after && after.length !== compiled.sort.length) throw new BadRequestError('Invalid next token');
    return this.page(compiled, after, opts.trailingEmptyPage ?? true);
  }
}
