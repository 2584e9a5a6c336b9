/**
 * Facts derived once from a STAC Item (its bbox and time range) and GeoJSON geometry validation. Pure.
 */
import { bbox as turfBbox } from '../geo/turf.js';
import type { Geometry, Position } from 'geojson';
import { parseDataTime, type TimeRange } from './datetime.js';
import type { BBox, StacItem } from './stac-types.js';
import { at } from '../types/checked.js';

const DEPTH: Record<string, number> = {
  Point: 0,
  MultiPoint: 1,
  LineString: 1,
  MultiLineString: 2,
  Polygon: 2,
  MultiPolygon: 3,
};

function isPosition(p: unknown): p is Position {
  return (
    Array.isArray(p) &&
    (p.length === 2 || p.length === 3) &&
    p.every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}

function hasDepth(coords: unknown, depth: number): boolean {
  if (depth === 0) return isPosition(coords);
  return Array.isArray(coords) && coords.every((c) => hasDepth(c, depth - 1));
}

function ringsClosed(rings: Position[][]): boolean {
  return rings.every((ring) => {
    const first = ring[0];
    const last = ring[ring.length - 1];
    return (
      ring.length >= 4 && first !== undefined && last !== undefined && first.every((v, i) => v === last[i])
    );
  });
}

/** Structural GeoJSON geometry check (types, nesting, finite numbers, closed rings). */
export function isGeometry(value: unknown): value is Geometry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const g = value as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  if (g.type === 'GeometryCollection') {
    return Array.isArray(g.geometries) && g.geometries.every(isGeometry);
  }
  if (typeof g.type !== 'string') return false;
  const depth = DEPTH[g.type];
  if (depth === undefined || !hasDepth(g.coordinates, depth)) return false;
  if (g.type === 'LineString' && (g.coordinates as Position[]).length < 2) return false;
  if (g.type === 'Polygon') return ringsClosed(g.coordinates as Position[][]);
  if (g.type === 'MultiPolygon') return (g.coordinates as Position[][][]).every(ringsClosed);
  return true;
}

/** The item's 2D bbox: its `bbox` member when well-formed, else computed from the geometry. */
export function itemBBox(item: StacItem): BBox | undefined {
  const b = item.bbox;
  if (Array.isArray(b) && (b.length === 4 || b.length === 6) && b.every((n) => Number.isFinite(n))) {
    return b.length === 4
      ? [at(b, 0), at(b, 1), at(b, 2), at(b, 3)]
      : [at(b, 0), at(b, 1), at(b, 3), at(b, 4)];
  }
  if (!item.geometry) return undefined;
  const [minX, minY, maxX, maxY] = turfBbox(item.geometry);
  return [minX, minY, maxX, maxY];
}

/** `[start_datetime, end_datetime]` when present, else `[datetime, datetime]`. */
export function itemTimeRange(item: StacItem): TimeRange | undefined {
  const p = item.properties;
  const t = parseDataTime(p['datetime']);
  const start = parseDataTime(p['start_datetime']) ?? t;
  const end = parseDataTime(p['end_datetime']) ?? t;
  if (start === undefined || end === undefined) return undefined;
  return { start, end };
}

/** True when two 2D boxes touch; a box with minX > maxX crosses the antimeridian. */
export function bboxesIntersect(a: BBox, b: BBox): boolean {
  const split = (x: BBox): BBox[] =>
    x[0] <= x[2]
      ? [x]
      : [
          [x[0], x[1], 180, x[3]],
          [-180, x[1], x[2], x[3]],
        ];
  return split(a).some((p) =>
    split(b).some((q) => p[0] <= q[2] && q[0] <= p[2] && p[1] <= q[3] && q[1] <= p[3]),
  );
}
