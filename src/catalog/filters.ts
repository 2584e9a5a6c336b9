/**
 * The search filters as data, and the same filters applied client-side to raw STAC Items: a local
 * catalogue has no server to filter for us, and a remote one may ignore a parameter (the `query`
 * extension, `intersects`...), so both paths run `rawItemMatches` on whatever comes back.
 */
import { bboxPolygon, booleanIntersects } from '../geo/turf.js';
import type { Geometry, MultiPolygon, Polygon } from 'geojson';
import { InvalidInputError } from '../errors.js';

export type BBox = [number, number, number, number];

/**
 * Items cloudier than this (eo:cloud_cover, %) are left out unless told otherwise: the SCL mask
 * drops the cloudy pixels of what is read, and past this a scene gives too few clear ones to pay
 * for its bytes. One default for every command (scan, rescan, batch, demo, eval).
 */
export const DEFAULT_MAX_CLOUD = 60;

/** A closed interval of instants. */
export interface TimeWindow {
  start: Date;
  end: Date;
}

/**
 * A date window, parsed once where it enters (a CLI flag, a pipeline file, a world's seasons, a
 * re-scan's clock): the text as given, which ids, titles and run.json echo, and the instants it
 * covers, which searches and filters use. Made only by {@link parseDateWindow} and {@link spanWindow}.
 */
export interface DateWindow {
  /** `YYYY-MM-DD` (whole days, inclusive) or an RFC 3339 instant, as written. */
  readonly start: string;
  readonly end: string;
  readonly span: TimeWindow;
}

export interface SearchFilters {
  collections: string[];
  /** WGS84 [west, south, east, north]. Give `bbox` or `intersects`, not both. */
  bbox?: BBox;
  /** WGS84 Polygon or MultiPolygon. */
  intersects?: Polygon | MultiPolygon;
  datetime: TimeWindow;
  /** Items with `eo:cloud_cover` above this (percent) are left out; items without it are kept. */
  maxCloud?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function toInstant(value: string, endOfDay: boolean, what: string): Date {
  const text = value.trim();
  let t = NaN;
  if (DATE_ONLY.test(text)) {
    t = Date.parse(`${text}T00:00:00Z`);
    // Reject dates that Date.parse rolls over (2021-02-30 -> March 2).
    if (!Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) !== text) t = NaN;
    if (endOfDay) t += 86_400_000 - 1;
  } else if (INSTANT.test(text)) {
    t = Date.parse(text);
    // Date.parse rolls 2021-02-30T10:00:00Z over to March 2 and reads 24:00 as the next day.
    const [y, mo, d, h] = text.slice(0, 13).split(/[-T]/).map(Number) as [number, number, number, number];
    const day = new Date(Date.UTC(y, mo - 1, d));
    if (h > 23 || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) t = NaN;
  }
  if (Number.isNaN(t)) {
    throw new InvalidInputError(
      `${what} ${JSON.stringify(value)} is not a YYYY-MM-DD date or RFC 3339 date-time`,
    );
  }
  return new Date(t);
}

/**
 * Validates a window written as text; a date-only end covers its whole day. `label` names it in
 * errors ("--before", "pipeline p.yaml: window w1").
 */
export function parseDateWindow(start: string, end: string, label = 'date window'): DateWindow {
  const span = {
    start: toInstant(start, false, `${label} start`),
    end: toInstant(end, true, `${label} end`),
  };
  if (span.end.getTime() < span.start.getTime()) {
    throw new InvalidInputError(
      `${label}: end ${span.end.toISOString()} is before start ${span.start.toISOString()}`,
    );
  }
  return { start, end, span };
}

/** A window computed from instants (a re-scan's reach up to its clock); its text is RFC 3339. */
export function spanWindow(start: Date, end: Date, label = 'date window'): DateWindow {
  return parseDateWindow(start.toISOString(), end.toISOString(), label);
}

/** The STAC API `datetime` parameter: `start/end` in RFC 3339. */
export function datetimeParam(w: TimeWindow): string {
  return `${w.start.toISOString()}/${w.end.toISOString()}`;
}

type Json = Record<string, unknown>;

function asObject(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function timeRange(props: Json): [number, number] | undefined {
  const dt = props['datetime'];
  if (typeof dt === 'string') {
    const t = Date.parse(dt);
    return Number.isNaN(t) ? undefined : [t, t];
  }
  const s = Date.parse(String(props['start_datetime']));
  const e = Date.parse(String(props['end_datetime']));
  return Number.isNaN(s) || Number.isNaN(e) ? undefined : [s, e];
}

function footprint(item: Json): Geometry | undefined {
  const g = asObject(item['geometry']);
  if (g && typeof g['type'] === 'string' && Array.isArray(g['coordinates'])) return g as unknown as Geometry;
  const b = item['bbox'];
  if (Array.isArray(b) && (b.length === 4 || b.length === 6) && b.every((v) => typeof v === 'number')) {
    const n: number[] = b;
    const box: BBox = n.length === 4 ? (n as BBox) : [n[0] ?? 0, n[1] ?? 0, n[3] ?? 0, n[4] ?? 0];
    return bboxPolygon(box).geometry;
  }
  return undefined;
}

function spatialMatch(item: Json, f: SearchFilters): boolean {
  const aoi: Geometry | undefined = f.intersects ?? (f.bbox ? bboxPolygon(f.bbox).geometry : undefined);
  if (!aoi) return true;
  const g = footprint(item);
  if (!g) return false;
  try {
    return booleanIntersects(g, aoi);
  } catch {
    // A malformed footprint: keep the item so that parsing reports it with a reason.
    return true;
  }
}

/** Why a raw item fails the filters, or undefined when it passes. */
export function rawItemMismatch(json: unknown, f: SearchFilters): string | undefined {
  const item = asObject(json);
  if (!item) return 'not a JSON object';
  const collection = item['collection'];
  if (f.collections.length > 0 && typeof collection === 'string' && !f.collections.includes(collection)) {
    return `collection ${collection} not searched`;
  }
  const props = asObject(item['properties']) ?? {};
  const range = timeRange(props);
  if (!range || range[1] < f.datetime.start.getTime() || range[0] > f.datetime.end.getTime()) {
    return 'outside the date window';
  }
  const cloud = props['eo:cloud_cover'];
  if (f.maxCloud !== undefined && typeof cloud === 'number' && cloud > f.maxCloud) {
    return `eo:cloud_cover ${cloud} above ${f.maxCloud}`;
  }
  if (!spatialMatch(item, f)) return 'outside the area of interest';
  return undefined;
}

export function rawItemMatches(json: unknown, f: SearchFilters): boolean {
  return rawItemMismatch(json, f) === undefined;
}
