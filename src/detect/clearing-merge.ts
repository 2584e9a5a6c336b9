/**
 * Where overlapping tiles (two MGRS tiles, or two UTM zones) saw the same ground: clearings that
 * intersect merged into one, and the same pond seen twice kept once.
 */
import Flatbush from 'flatbush';
import * as turf from '../geo/turf.js';
import type { GeoClearing, GeoPond } from './geo-detections.js';
import type { Geom } from './product-properties.js';
import { at } from '../types/checked.js';

const bboxOverlap = (a: number[], b: number[]): boolean =>
  at(a, 0) <= at(b, 2) && at(b, 0) <= at(a, 2) && at(a, 1) <= at(b, 3) && at(b, 1) <= at(a, 3);

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

/**
 * The same pond seen from two tiles: keep the clearer view. A pond is dropped when a pond of
 * another tile, kept before it (clearer first), intersects it. The candidates come from an R-tree
 * of the ponds' boxes: a 10980² tile has tens of thousands of ponds, and testing each against
 * every kept one was quadratic.
 */
export function dedupePonds(ponds: GeoPond[]): GeoPond[] {
  const order = [...ponds].sort((a, b) => b.maxFraction - a.maxFraction || a.tile.localeCompare(b.tile));
  const kept = new Set(order.map((p) => p.tile)).size <= 1 ? order : clearestViews(order);
  return kept.sort((a, b) => a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);
}

function clearestViews(order: GeoPond[]): GeoPond[] {
  const index = new Flatbush(order.length);
  for (const p of order) index.add(p.bbox[0] ?? NaN, p.bbox[1] ?? NaN, p.bbox[2] ?? NaN, p.bbox[3] ?? NaN);
  index.finish();
  const isKept = new Uint8Array(order.length);
  const kept: GeoPond[] = [];
  order.forEach((p, i) => {
    const earlierOtherTile = (j: number): boolean => j < i && isKept[j] === 1 && order[j]?.tile !== p.tile;
    const near = index.search(
      p.bbox[0] ?? NaN,
      p.bbox[1] ?? NaN,
      p.bbox[2] ?? NaN,
      p.bbox[3] ?? NaN,
      earlierOtherTile,
    );
    if (near.some((j) => intersects(order[j] as GeoPond, p))) return;
    isKept[i] = 1;
    kept.push(p);
  });
  return kept;
}

/** Groups of items that `linked` joins, directly or through others. */
export function unionFindGroups<T>(items: T[], linked: (a: T, b: T) => boolean): T[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = at(parent, at(parent, i));
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
