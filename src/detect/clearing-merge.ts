/**
 * Where overlapping tiles (two MGRS tiles, or two UTM zones) saw the same ground: clearings that
 * intersect merged into one, and the same pond seen twice kept once.
 */
import * as turf from '../geo/turf.js';
import type { GeoClearing, GeoPond } from './geo-detections.js';
import type { Geom } from './product-properties.js';

const bboxOverlap = (a: number[], b: number[]): boolean =>
  (a[0] as number) <= (b[2] as number) &&
  (b[0] as number) <= (a[2] as number) &&
  (a[1] as number) <= (b[3] as number) &&
  (b[1] as number) <= (a[3] as number);

export function intersects(
  a: { geometry: Geom; bbox: number[] },
  b: { geometry: Geom; bbox: number[] },
): boolean {
  return bboxOverlap(a.bbox, b.bbox) && turf.booleanIntersects(a.geometry, b.geometry);
}

export /** One clearing from several tiles' views of the same ground. */
function mergeClearings(group: GeoClearing[]): GeoClearing {
  if (group.length === 1) return group[0] as GeoClearing;
  const union = turf.union(turf.featureCollection(group.map((g) => turf.feature(g.geometry))));
  // The union's new vertices are unrounded and its rings may wind either way: restore RFC 7946.
  const merged: Geom = union?.geometry ?? (group[0] as GeoClearing).geometry;
  const geometry = turf.rewind(turf.truncate(merged, { precision: 7, coordinates: 2 }), {
    mutate: true,
  }) as Geom;
  const px = group.reduce((s, g) => s + g.pixels, 0);
  const wmean = (f: (g: GeoClearing) => number): number =>
    group.reduce((s, g) => s + f(g) * g.pixels, 0) / px;
  const firsts = group
    .map((g) => g.firstSeen)
    .filter((d): d is string => !!d)
    .sort();
  const c = turf.centroid(geometry).geometry.coordinates as [number, number];
  return {
    geometry,
    bbox: turf.bbox(geometry),
    areaM2: turf.area(geometry),
    pixels: px,
    ndviBefore: wmean((g) => g.ndviBefore),
    ndviAfter: wmean((g) => g.ndviAfter),
    clearBefore: Math.max(...group.map((g) => g.clearBefore)),
    clearAfter: Math.max(...group.map((g) => g.clearAfter)),
    obscuredFraction: Math.min(...group.map((g) => g.obscuredFraction)),
    restored: group.reduce((s, g) => s + g.restored, 0),
    firstSeen: firsts[0],
    ponds: group.flatMap((g) => g.ponds),
    tiles: [...new Set(group.flatMap((g) => g.tiles))].sort(),
    items: [...new Set(group.flatMap((g) => g.items))].sort(),
    centroid: c,
  };
}

/** The same pond seen from two tiles: keep the clearer view. */
export function dedupePonds(ponds: GeoPond[]): GeoPond[] {
  const kept: GeoPond[] = [];
  for (const p of [...ponds].sort((a, b) => b.maxFraction - a.maxFraction || a.tile.localeCompare(b.tile))) {
    if (!kept.some((k) => k.tile !== p.tile && intersects(k, p))) kept.push(p);
  }
  return kept.sort((a, b) => a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);
}

/** Groups of items that `linked` joins, directly or through others. */
export function unionFindGroups<T>(items: T[], linked: (a: T, b: T) => boolean): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (linked(items[i] as T, items[j] as T)) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, T[]>();
  items.forEach((it, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), it]));
  return [...groups.values()];
}
