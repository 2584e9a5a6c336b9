/**
 * Validation of STAC Item Search parameters, GET (strings) and POST (JSON) alike, into one canonical,
 * JSON-serialisable form. Error messages follow stac-server (Earth Search) where it has one. Pure.
 */
import type { Geometry } from 'geojson';
import { compileCql2 } from './cql2.js';
import { DatetimeError, parseDatetimeParam } from './datetime.js';
import { BadRequestError } from './errors.js';
import { isGeometry } from './item-facts.js';
import { at } from '../types/checked.js';

export interface SortRule {
  field: string;
  direction: 'asc' | 'desc';
}

/** Operators of the STAC Query extension, as stac-server implements them. */
export const QUERY_OPS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'startsWith', 'endsWith', 'contains', 'in'];

export type QueryExpr = Record<string, Record<string, unknown>>;

/** Canonical search parameters: what a `next` token carries and what the filter runs on. */
export interface SearchParams {
  collections?: string[];
  ids?: string[];
  bbox?: number[];
  intersects?: Geometry;
  datetime?: string;
  query?: QueryExpr;
  filter?: unknown;
  sortby?: SortRule[];
  limit?: number;
}

export interface LimitOptions {
  defaultLimit: number;
  maxLimit: number;
}

/** Raw parameters: a POST body, or GET query parameters (repeated keys as arrays). */
export type RawParams = Record<string, unknown>;

function parseJsonParam(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestError(`Invalid ${name}: not valid JSON`);
  }
}

function parseStringList(name: string, raw: unknown): string[] | undefined {
  let list: unknown = raw;
  if (typeof raw === 'string') {
    list = raw.trim().startsWith('[') ? parseJsonParam(name, raw) : raw.split(',');
  }
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
    throw new BadRequestError(`Invalid ${name}, must be a list of strings`);
  }
  const cleaned = list.map((v) => v.trim()).filter((v) => v !== '');
  return cleaned.length > 0 ? cleaned : undefined;
}

export function parseBbox(raw: unknown): number[] {
  let values: unknown = raw;
  if (typeof raw === 'string') {
    values = raw.trim().startsWith('[') ? parseJsonParam('bbox', raw) : raw.split(',').map((s) => s.trim());
  }
  if (!Array.isArray(values)) throw new BadRequestError('Invalid bbox');
  const nums: unknown[] = (values as unknown[]).map((v) =>
    typeof v === 'string' && v !== '' ? Number(v) : v,
  );
  if (nums.length !== 4 && nums.length !== 6) {
    throw new BadRequestError('Invalid bbox, must have 4 or 6 points');
  }
  if (!nums.every((n): n is number => typeof n === 'number' && Number.isFinite(n))) {
    throw new BadRequestError('Invalid bbox, all values must be finite numbers');
  }
  const [w, s, e, n] =
    nums.length === 4
      ? [at(nums, 0), at(nums, 1), at(nums, 2), at(nums, 3)]
      : [at(nums, 0), at(nums, 1), at(nums, 3), at(nums, 4)];
  if ([w, e].some((x) => x < -180 || x > 180)) {
    throw new BadRequestError('Invalid bbox, longitude must be between -180 and 180');
  }
  if ([s, n].some((y) => y < -90 || y > 90)) {
    throw new BadRequestError('Invalid bbox, latitude must be between -90 and 90');
  }
  if (s > n) {
    throw new BadRequestError('Invalid bbox, SW latitude must be less than NE latitude');
  }
  return nums;
}

function parseIntersects(raw: unknown): Geometry {
  const value = typeof raw === 'string' ? parseJsonParam('intersects', raw) : raw;
  if (typeof value === 'object' && value !== null && 'type' in value) {
    const { type } = value;
    if (type === 'Feature' || type === 'FeatureCollection') {
      throw new BadRequestError('Expected GeoJSON geometry, not Feature or FeatureCollection');
    }
  }
  if (!isGeometry(value)) throw new BadRequestError('Invalid GeoJSON geometry');
  return value;
}

export function parseLimit(raw: unknown, opts: LimitOptions): number {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw)) n = Number(raw);
  else n = NaN;
  if (!Number.isInteger(n) || n <= 0) {
    throw new BadRequestError('Invalid limit value, must be a positive number');
  }
  return Math.min(n, opts.maxLimit);
}

function parseQuery(raw: unknown): QueryExpr {
  const value = typeof raw === 'string' ? parseJsonParam('query', raw) : raw;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('Invalid query, must be an object of {property: {operator: value}}');
  }
  const out: QueryExpr = {};
  for (const [field, ops] of Object.entries(value as Record<string, unknown>)) {
    if (typeof ops !== 'object' || ops === null || Array.isArray(ops)) {
      throw new BadRequestError(`Invalid query for "${field}", must be an object of {operator: value}`);
    }
    for (const [op, operand] of Object.entries(ops as Record<string, unknown>)) {
      if (!QUERY_OPS.includes(op)) {
        throw new BadRequestError(`Invalid query operator "${op}" for "${field}"`);
      }
      if (op === 'in' && !Array.isArray(operand)) {
        throw new BadRequestError(`Invalid query for "${field}": "in" needs a list`);
      }
      if (op !== 'in' && !['number', 'string', 'boolean'].includes(typeof operand)) {
        throw new BadRequestError(`Invalid query for "${field}": "${op}" needs a number, string or boolean`);
      }
    }
    out[field] = ops as Record<string, unknown>;
  }
  return out;
}

function parseSortby(raw: unknown): SortRule[] | undefined {
  let rules: unknown = raw;
  if (typeof raw === 'string') {
    rules = raw.trim().startsWith('[')
      ? parseJsonParam('sortby', raw)
      : raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((s) =>
            s.startsWith('-')
              ? { field: s.slice(1), direction: 'desc' }
              : { field: s.replace(/^\+/, ''), direction: 'asc' },
          );
  }
  if (!Array.isArray(rules))
    throw new BadRequestError('Invalid sortby, must be a list of {field, direction}');
  const out: SortRule[] = rules.map((r: unknown) => {
    const rule = r as { field?: unknown; direction?: unknown };
    const direction = rule.direction === undefined ? 'asc' : rule.direction;
    if (
      typeof rule.field !== 'string' ||
      rule.field === '' ||
      (direction !== 'asc' && direction !== 'desc')
    ) {
      throw new BadRequestError('Invalid sortby, each rule needs a field and a direction of asc or desc');
    }
    return { field: rule.field, direction };
  });
  return out.length > 0 ? out : undefined;
}

function parseFilter(raw: RawParams): unknown {
  const lang = raw['filter-lang'];
  if (lang !== undefined && lang !== 'cql2-json') {
    throw new BadRequestError(`filter-lang must be "cql2-json". Supplied value: ${JSON.stringify(lang)}`);
  }
  const crs = raw['filter-crs'];
  if (crs !== undefined && crs !== 'http://www.opengis.net/def/crs/OGC/1.3/CRS84') {
    throw new BadRequestError(`filter-crs must be "http://www.opengis.net/def/crs/OGC/1.3/CRS84"`);
  }
  const value = typeof raw['filter'] === 'string' ? parseJsonParam('filter', raw['filter']) : raw['filter'];
  compileCql2(value); // validates now so a bad filter is a 400 even when no item is scanned
  return value;
}

function present(raw: RawParams, key: string): boolean {
  const v = raw[key];
  return v !== undefined && v !== null && v !== '';
}

/**
 * Validates search parameters into canonical form. `next` is returned separately; unknown members
 * (`fields`, `token`, ...) are ignored, as stac-server ignores them.
 */
export function parseSearchParams(
  raw: RawParams,
  opts: LimitOptions,
): { params: SearchParams; next?: string } {
  const params: SearchParams = {};
  if (present(raw, 'bbox') && present(raw, 'intersects')) {
    throw new BadRequestError('Expected bbox OR intersects, not both');
  }
  if (present(raw, 'collections')) {
    const list = parseStringList('collections', raw['collections']);
    if (list) params.collections = list;
  }
  if (present(raw, 'ids')) {
    const list = parseStringList('ids', raw['ids']);
    if (list) params.ids = list;
  }
  if (present(raw, 'bbox')) params.bbox = parseBbox(raw['bbox']);
  if (present(raw, 'intersects')) params.intersects = parseIntersects(raw['intersects']);
  if (present(raw, 'datetime')) {
    const dt = raw['datetime'];
    if (typeof dt !== 'string') throw new BadRequestError('datetime value is invalid, must be a string');
    try {
      parseDatetimeParam(dt);
    } catch (err) {
      if (err instanceof DatetimeError) throw new BadRequestError(err.message);
      throw err;
    }
    params.datetime = dt.trim().toUpperCase();
  }
  if (present(raw, 'query')) params.query = parseQuery(raw['query']);
  if (present(raw, 'filter')) params.filter = parseFilter(raw);
  if (present(raw, 'sortby')) {
    const rules = parseSortby(raw['sortby']);
    if (rules) params.sortby = rules;
  }
  if (raw['limit'] !== undefined && raw['limit'] !== null) params.limit = parseLimit(raw['limit'], opts);
  const next = raw['next'];
  if (next !== undefined && next !== null && typeof next !== 'string') {
    throw new BadRequestError('Invalid next token, must be a string');
  }
  return next ? { params, next } : { params };
}

/** Explicit parameters win over a token's; a spatial filter of one kind replaces the other kind. */
export function mergeParams(fromToken: SearchParams, explicit: SearchParams): SearchParams {
  const merged: SearchParams = { ...fromToken, ...explicit };
  if (explicit.bbox) delete merged.intersects;
  if (explicit.intersects) delete merged.bbox;
  return merged;
}
