/**
 * Pixel-space polygons (from the vectoriser: corners of 10 m pixels, y down) to the tile's UTM
 * CRS and on to RFC 7946 GeoJSON in WGS84: counter-clockwise exteriors, 7-decimal coordinates.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson';
import type { PixelPolygon } from '../raster/vectorise.js';
import { transformPoint } from './utm.js';
import { at } from '../types/checked.js';

export interface PixelGrid {
  epsg: number;
  /** Top-left corner of pixel (0, 0) of the grid, CRS units. */
  originX: number;
  originY: number;
  pixelSize: number;
}

const round7 = (v: number): number => Math.round(v * 1e7) / 1e7;

export function pixelToCrs(grid: PixelGrid, x: number, y: number): [number, number] {
  return [grid.originX + x * grid.pixelSize, grid.originY - y * grid.pixelSize];
}

/** Area in m² of pixel polygons (exterior minus holes), exact for pixel-edge polygons. */
export function pixelPolygonsArea(polys: readonly PixelPolygon[], pixelSize: number): number {
  let a = 0;
  for (const poly of polys) {
    poly.forEach((ring, k) => {
      let s = 0;
      for (let i = 0; i + 1 < ring.length; i++) {
        const p = ring[i] as [number, number];
        const q = ring[i + 1] as [number, number];
        s += p[0] * q[1] - q[0] * p[1];
      }
      a += (k === 0 ? 1 : -1) * Math.abs(s / 2);
    });
  }
  return a * pixelSize * pixelSize;
}

function ringToWgs84(grid: PixelGrid, ring: readonly [number, number][]): Position[] {
  const out = ring.map(([x, y]) => {
    const [lon, lat] = transformPoint(grid.epsg, 4326, pixelToCrs(grid, x, y));
    return [round7(lon), round7(lat)];
  });
  return out;
}

function isClockwise(ring: readonly Position[]): boolean {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const p = at(ring, i);
    const q = at(ring, i + 1);
    s += (at(q, 0) - at(p, 0)) * (at(q, 1) + at(p, 1));
  }
  return s > 0;
}

/** Pixel polygons -> a WGS84 Polygon (one part) or MultiPolygon, exteriors CCW, holes CW. */
export function pixelPolygonsToWgs84(
  grid: PixelGrid,
  polys: readonly PixelPolygon[],
): Polygon | MultiPolygon {
  const parts = polys.map((poly) =>
    poly.map((ring, k) => {
      const r = ringToWgs84(grid, ring);
      const cw = isClockwise(r);
      // Exteriors counter-clockwise, holes clockwise (RFC 7946 §3.1.6).
      return (k === 0 ? cw : !cw) ? r.reverse() : r;
    }),
  );
  if (parts.length === 1) return { type: 'Polygon', coordinates: parts[0] as Position[][] };
  return { type: 'MultiPolygon', coordinates: parts };
}
