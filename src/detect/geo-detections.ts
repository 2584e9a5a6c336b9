/**
 * One tile's detections in WGS84: clearings and ponds with their areas and evidence, the ponds
 * outside any clearing carried on a pseudo-clearing of area 0.
 */
import * as turf from '../geo/turf.js';
import {
  pixelPolygonsArea,
  pixelPolygonsToWgs84,
  pixelToCrs,
  type PixelGrid,
} from '../geo/pixel-geometry.js';
import { transformPoint } from '../geo/utm.js';
import type { Geom } from './product-properties.js';
import type { SwirVerdict } from './pond-swir.js';
import type { TileDetections } from './tile-detect.js';

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

export interface GeoPond {
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

export interface GeoClearing {
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

function centroidLonLat(grid: PixelGrid, c: [number, number]): [number, number] {
  return transformPoint(grid.epsg, 4326, pixelToCrs(grid, c[0], c[1]));
}

/** The tile's clearings (and the holder of its loose ponds) in WGS84. */
export function toGeo(ctx: TileContext): GeoClearing[] {
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
