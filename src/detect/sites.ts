/**
 * From per-tile detections to the products: clearings and ponds in WGS84 with evidence, merged
 * where overlapping tiles (two MGRS tiles, or two UTM zones) saw the same ground, and mine-site
 * candidates: merged clearings holding enough new ponds, scored by `siteConfidence`. Pure.
 */
import * as turf from '../geo/turf.js';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import {
  pixelPolygonsArea,
  pixelPolygonsToWgs84,
  pixelToCrs,
  type PixelGrid,
} from '../geo/pixel-geometry.js';
import { transformPoint } from '../geo/utm.js';
import { rawSiteScore, siteConfidence, type SiteEvidence } from './confidence.js';
import type { DetectParams } from './params.js';
import type { TileDetections } from './tile-detect.js';
import type { SwirVerdict } from './pond-swir.js';
import { poolEstimate } from './pool-estimate.js';

export interface TileContext {
  tile: string;
  grid: PixelGrid;
  detections: TileDetections;
  /** Item ids that fed this tile's before and after composites; after sorted by date. */
  beforeItems: string[];
  afterItems: { id: string; datetime: string }[];
  /** Items of the tile's plan with no data pixel in it (all nodata): left out of the lists above. */
  emptyItems?: string[];
}

type Geom = Polygon | MultiPolygon;

interface GeoPond {
  geometry: Geom;
  bbox: number[];
  areaM2: number;
  waterM2: number;
  peaks: number;
  kind: 'turquoise' | 'dark' | 'turbid';
  maxFraction: number;
  tile: string;
  centroid: [number, number];
  swir: SwirVerdict;
  swirGreen: number;
  swir16: number;
  swir22: number;
  elongation: number;
  rectangularity: number;
}

interface GeoClearing {
  geometry: Geom;
  bbox: number[];
  areaM2: number;
  pixels: number;
  ndviBefore: number;
  ndviAfter: number;
  clearBefore: number;
  clearAfter: number;
  obscuredFraction: number;
  restored: number;
  firstSeen: string | undefined;
  ponds: GeoPond[];
  tiles: string[];
  items: string[];
  centroid: [number, number];
}

export interface ClearingProperties {
  id: string;
  area_m2: number;
  ndvi_before: number;
  ndvi_after: number;
  pond_count: number;
  clear_observations_before: number;
  clear_observations_after: number;
  obscured_fraction: number;
  tiles: string[];
  township?: string;
}

export interface PondProperties {
  id: string;
  area_m2: number;
  water_area_m2: number;
  kind: 'turquoise' | 'dark' | 'turbid';
  water_fraction_max: number;
  /** Pools this blob holds (pool-estimate.ts): merged neighbours counted from its water area. */
  pool_estimate: number;
  pool_estimate_low: number;
  pool_estimate_high: number;
  /** What the pond's SWIR says its material is (pond-swir.ts). */
  swir_material: SwirVerdict;
  /** Implied reflectance of the pond material (unmixed at 20 m); null where unknown. */
  material_green: number | null;
  material_swir16: number | null;
  material_swir22: number | null;
  elongation: number;
  rectangularity: number;
  clearing_id: string | null;
  tile: string;
}

export interface CandidateProperties {
  id: string;
  confidence: number;
  /** The logistic score before calibration (confidence.ts), what fit-calibration fits on. */
  score_uncalibrated: number;
  /** What corroborates its ponds' colour (confidence.ts SiteEvidence.corroboration). */
  corroboration: 'strong' | 'partial' | 'none';
  area_m2: number;
  cleared_area_m2: number;
  pond_count: number;
  /** Pools these blobs hold: neighbours 5-16 m apart merge into one blob at 10 m (pool-estimate.ts). */
  pool_estimate: number;
  pool_estimate_low: number;
  pool_estimate_high: number;
  pond_area_m2: number;
  /** Ponds whose material the SWIR test says is water (pond-swir.ts): not char, ash or shadow. */
  swir_confirmed_ponds: number;
  turquoise_ponds: number;
  dark_ponds: number;
  turbid_ponds: number;
  ndvi_before: number;
  ndvi_after: number;
  first_seen: string | null;
  township: string | null;
  items: string[];
  tiles: string[];
  clear_observations_before: number;
  clear_observations_after: number;
  obscured_fraction: number;
  restored_observations: number;
}

export interface Products {
  candidates: Feature<Geom, CandidateProperties>[];
  clearings: Feature<Geom, ClearingProperties>[];
  ponds: Feature<Geom, PondProperties>[];
}

export interface Township {
  name: string;
  geometry: Geom;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Ids from the place itself, so the same place keeps its id across runs (about 10 m). */
export function placeId(prefix: string, lonLat: [number, number], decimals = 4): string {
  return `${prefix}-${lonLat[1].toFixed(decimals)}N-${lonLat[0].toFixed(decimals)}E`;
}

function centroidLonLat(grid: PixelGrid, c: [number, number]): [number, number] {
  return transformPoint(grid.epsg, 4326, pixelToCrs(grid, c[0], c[1]));
}

function toGeo(ctx: TileContext): GeoClearing[] {
  const { grid, detections } = ctx;
  const ponds: GeoPond[] = detections.ponds.map((p) => {
    const geometry = pixelPolygonsToWgs84(grid, p.polygons);
    return {
      geometry,
      bbox: turf.bbox(geometry),
      areaM2: pixelPolygonsArea(p.polygons, grid.pixelSize),
      waterM2: p.waterPixels * grid.pixelSize * grid.pixelSize,
      peaks: p.peaks,
      kind: p.kind,
      maxFraction: p.maxFraction,
      tile: ctx.tile,
      centroid: centroidLonLat(grid, p.centroid),
      swir: p.swir,
      swirGreen: p.material.green,
      swir16: p.material.swir16,
      swir22: p.material.swir22,
      elongation: p.shape.elongation,
      rectangularity: p.shape.rectangularity,
    };
  });
  const clearings = detections.clearings.map((c): GeoClearing => {
    const geometry = pixelPolygonsToWgs84(grid, c.polygons);
    return {
      geometry,
      bbox: turf.bbox(geometry),
      areaM2: pixelPolygonsArea(c.polygons, grid.pixelSize),
      pixels: c.pixels,
      ndviBefore: c.ndviBefore,
      ndviAfter: c.ndviAfter,
      clearBefore: c.clearBefore,
      clearAfter: c.clearAfter,
      obscuredFraction: c.obscuredFraction,
      restored: c.restoredObservations,
      firstSeen: ctx.afterItems[c.firstClearAfter]?.datetime.slice(0, 10),
      ponds: c.ponds.map((k) => ponds[k] as GeoPond),
      tiles: [ctx.tile],
      items: [...ctx.beforeItems, ...ctx.afterItems.map((a) => a.id)],
      centroid: centroidLonLat(grid, c.centroid),
    };
  });
  // Ponds outside any clearing are evidence too; carry them on a pseudo-clearing of area 0.
  const loose = detections.ponds
    .map((p, k) => (p.clearing < 0 ? ponds[k] : undefined))
    .filter((p): p is GeoPond => !!p);
  return loose.length > 0 ? [...clearings, looseHolder(loose, ctx)] : clearings;
}

function looseHolder(ponds: GeoPond[], ctx: TileContext): GeoClearing {
  return {
    geometry: { type: 'Polygon', coordinates: [] },
    bbox: [Infinity, Infinity, -Infinity, -Infinity],
    areaM2: 0,
    pixels: 0,
    ndviBefore: NaN,
    ndviAfter: NaN,
    clearBefore: 0,
    clearAfter: 0,
    obscuredFraction: 0,
    restored: 0,
    firstSeen: undefined,
    ponds,
    tiles: [ctx.tile],
    items: [],
    centroid: [NaN, NaN],
  };
}

const bboxOverlap = (a: number[], b: number[]): boolean =>
  (a[0] as number) <= (b[2] as number) &&
  (b[0] as number) <= (a[2] as number) &&
  (a[1] as number) <= (b[3] as number) &&
  (b[1] as number) <= (a[3] as number);

function intersects(a: { geometry: Geom; bbox: number[] }, b: { geometry: Geom; bbox: number[] }): boolean {
  return bboxOverlap(a.bbox, b.bbox) && turf.booleanIntersects(a.geometry, b.geometry);
}

/** One clearing from several tiles' views of the same ground. */
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
function dedupePonds(ponds: GeoPond[]): GeoPond[] {
  const kept: GeoPond[] = [];
  for (const p of [...ponds].sort((a, b) => b.maxFraction - a.maxFraction || a.tile.localeCompare(b.tile))) {
    if (!kept.some((k) => k.tile !== p.tile && intersects(k, p))) kept.push(p);
  }
  return kept.sort((a, b) => a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);
}

function unionFindGroups<T>(items: T[], linked: (a: T, b: T) => boolean): T[][] {
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

function townshipOf(townships: readonly Township[], lonLat: [number, number]): string | null {
  const pt = turf.point(lonLat);
  for (const t of townships) if (turf.booleanPointInPolygon(pt, t.geometry)) return t.name;
  return null;
}

export function buildProducts(
  tiles: readonly TileContext[],
  townships: readonly Township[],
  p: DetectParams,
): Products {
  const all = tiles.flatMap(toGeo);
  const real = all.filter((c) => c.pixels > 0);
  const loosePonds = all.filter((c) => c.pixels === 0).flatMap((c) => c.ponds);
  const merged = unionFindGroups(real, (a, b) => a.tiles[0] !== b.tiles[0] && intersects(a, b)).map(
    mergeClearings,
  );
  merged.sort((a, b) => a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);

  const clearings: Feature<Geom, ClearingProperties>[] = [];
  const ponds: Feature<Geom, PondProperties>[] = [];
  const candidates: Feature<Geom, CandidateProperties>[] = [];
  for (const c of merged) {
    const id = placeId('clr', c.centroid);
    const township = townshipOf(townships, c.centroid);
    const cPonds = dedupePonds(c.ponds);
    // Published: pond blobs (one ponds.geojson feature each; neighbours merged at 10 m count once).
    // The site rule and the confidence still weigh water-fraction peaks, as they were tuned on.
    const pondCount = cPonds.length;
    const pondPeaks = cPonds.reduce((s, q) => s + q.peaks, 0);
    clearings.push(
      turf.feature(c.geometry, {
        id,
        area_m2: Math.round(c.areaM2),
        ndvi_before: r3(c.ndviBefore),
        ndvi_after: r3(c.ndviAfter),
        pond_count: pondCount,
        clear_observations_before: r3(c.clearBefore),
        clear_observations_after: r3(c.clearAfter),
        obscured_fraction: r3(c.obscuredFraction),
        tiles: c.tiles,
        ...(township ? { township } : {}),
      }),
    );
    for (const q of cPonds) ponds.push(pondFeature(q, id));
    if (pondPeaks < p.minPondsPerSite) continue;
    const peaksOf = (k: GeoPond['kind']): number =>
      cPonds.filter((q) => q.kind === k).reduce((s, q) => s + q.peaks, 0);
    const byKind = (k: GeoPond['kind']): number => cPonds.filter((q) => q.kind === k).length;
    const waterM2 = cPonds.reduce((s, q) => s + q.waterM2, 0);
    // Only water corroborates a dark pond: flat-dark is also what deep shadow unmixes to.
    const confirmed = (q: GeoPond): boolean => q.swir === 'water';
    const darkPeaks = (pred: (q: GeoPond) => boolean): number =>
      cPonds.filter((q) => q.kind === 'dark' && pred(q)).reduce((s, q) => s + q.peaks, 0);
    const evidence: SiteEvidence = {
      ponds: pondPeaks,
      turquoiseOrDarkShare:
        (peaksOf('turquoise') + darkPeaks(confirmed) + 0.5 * darkPeaks((q) => !confirmed(q))) / pondPeaks,
      corroboration:
        byKind('turquoise') > 0 || cPonds.some((q) => q.kind === 'dark' && confirmed(q))
          ? 'strong'
          : cPonds.some((q) => q.kind === 'dark' && q.swir === 'flat-dark' && isDugShape(q))
            ? 'partial'
            : 'none',
      meanPondFraction: cPonds.reduce((s, q) => s + q.maxFraction, 0) / cPonds.length,
      clearedHa: c.areaM2 / 10_000,
      ndviBefore: c.ndviBefore,
      clearBefore: c.clearBefore,
      clearAfter: c.clearAfter,
      obscuredFraction: c.obscuredFraction,
    };
    const confidence = siteConfidence(evidence);
    if (confidence < p.minConfidence) continue;
    const pools = poolEstimate(cPonds.map((q) => ({ waterM2: q.waterM2, peaks: q.peaks })));
    candidates.push(
      turf.feature(c.geometry, {
        id: placeId('mw', c.centroid),
        confidence,
        score_uncalibrated: r3(rawSiteScore(evidence)),
        corroboration: evidence.corroboration,
        area_m2: Math.round(c.areaM2),
        cleared_area_m2: Math.round(Math.max(0, c.areaM2 - waterM2)),
        pond_count: pondCount,
        pool_estimate: pools.estimate,
        pool_estimate_low: pools.low,
        pool_estimate_high: pools.high,
        pond_area_m2: Math.round(waterM2),
        swir_confirmed_ponds: cPonds.filter(confirmed).length,
        turquoise_ponds: byKind('turquoise'),
        dark_ponds: byKind('dark'),
        turbid_ponds: byKind('turbid'),
        ndvi_before: r3(c.ndviBefore),
        ndvi_after: r3(c.ndviAfter),
        first_seen: c.firstSeen ?? null,
        township,
        items: c.items,
        tiles: c.tiles,
        clear_observations_before: r3(c.clearBefore),
        clear_observations_after: r3(c.clearAfter),
        obscured_fraction: r3(c.obscuredFraction),
        restored_observations: c.restored,
      }),
    );
  }
  for (const q of dedupePonds(loosePonds)) ponds.push(pondFeature(q, null));
  return { candidates, clearings, ponds };
}

/**
 * Compact and near-rectangular, as a dug pit is (pond-shape.ts): not a ragged char patch nor a
 * shadow band along a slope. A single pixel passes; shape says little below 2 x 2.
 */
function isDugShape(q: GeoPond): boolean {
  return q.elongation <= 2.5 && q.rectangularity >= 0.75;
}

function pondFeature(q: GeoPond, clearingId: string | null): Feature<Geom, PondProperties> {
  const pools = poolEstimate([{ waterM2: q.waterM2, peaks: q.peaks }]);
  return turf.feature(q.geometry, {
    // Ponds sit a few metres apart: five decimals (about 1 m) keep their ids distinct.
    id: placeId('pond', q.centroid, 5),
    area_m2: Math.round(q.areaM2),
    water_area_m2: Math.round(q.waterM2),
    kind: q.kind,
    water_fraction_max: r3(q.maxFraction),
    pool_estimate: pools.estimate,
    pool_estimate_low: pools.low,
    pool_estimate_high: pools.high,
    swir_material: q.swir,
    material_green: q.swirGreen === q.swirGreen ? r3(q.swirGreen) : null,
    material_swir16: q.swir16 === q.swir16 ? r3(q.swir16) : null,
    material_swir22: q.swir22 === q.swir22 ? r3(q.swir22) : null,
    elongation: Math.round(q.elongation * 100) / 100,
    rectangularity: Math.round(q.rectangularity * 100) / 100,
    clearing_id: clearingId,
    tile: q.tile,
  });
}
