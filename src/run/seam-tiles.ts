/**
 * The tiles a site reaches into. Neighbouring Sentinel-2 tiles overlap by about 10 km, and a site
 * on an overlap is built from every tile that covers it (sites.ts merges their clearings). A
 * re-scan that re-composites only the tile with a new acquisition would build such a site from one
 * side, and its polygon and pond count would differ from a scan of the whole catalogue. Pure.
 */
import type { Feature, Geometry, MultiPolygon, Polygon } from 'geojson';
import * as turf from '../geo/turf.js';
import type { S2Item } from '../catalog/item.js';

export type Footprints = ReadonlyMap<string, readonly (Polygon | MultiPolygon)[]>;

/** Each tile key's item footprints (WGS84), the keys given by `keyOf`. */
export function footprintsByTile(items: readonly S2Item[], keyOf: (item: S2Item) => string): Footprints {
  const out = new Map<string, (Polygon | MultiPolygon)[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key) ?? [];
    list.push(item.geometry);
    out.set(key, list);
  }
  return out;
}

/** Tiles outside `known` whose footprint any of `features` intersects. */
export function tilesReached(
  features: readonly Feature<Geometry | null>[],
  footprints: Footprints,
  known: ReadonlySet<string>,
): Set<string> {
  const geometries = features.flatMap((f) => (f.geometry ? [f.geometry] : []));
  const reached = new Set<string>();
  for (const [tile, shapes] of footprints) {
    if (known.has(tile)) continue;
    if (geometries.some((g) => shapes.some((s) => turf.booleanIntersects(g, s)))) reached.add(tile);
  }
  return reached;
}
