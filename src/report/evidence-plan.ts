/**
 * The decisions behind the evidence outputs, pure: which pixel window a candidate's chip shows,
 * how much to enlarge it and which step suits a tile overlay. Geometry in, numbers out;
 * evidence-outputs.ts draws and writes.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { transformPoint } from '../geo/utm.js';
import type { PixelWindow } from '../io/cog-window.js';
import type { PixelRing } from './quicklooks.js';
import { at } from '../types/checked.js';

/** Where a tile's 10 m pixel grid sits: CRS, top-left corner, size in pixels. */
export interface GridRef {
  epsg: number;
  originX: number;
  originY: number;
  pixelSize: number;
  width: number;
  height: number;
}

/**
 * Chips are about this many image pixels across: enough for outlines between 10 m pixels and a
 * legible banner; viewers show them larger (pixelated), so the PNGs stay cheap to encode.
 */
export const CHIP_TARGET_PX = 160;
/** Overlays are at most this many pixels across. */
export const OVERLAY_MAX_PX = 1024;

const rings = (g: Polygon | MultiPolygon): Position[][] =>
  g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();

/** WGS84 rings to fractional pixel coordinates of `grid` (x right, y down), relative to `origin`. */
export function toPixelRings(
  g: Polygon | MultiPolygon,
  grid: GridRef,
  origin: { x: number; y: number } = { x: 0, y: 0 },
): PixelRing[] {
  return rings(g).map((ring) =>
    ring.map((p): [number, number] => {
      const [e, n] = transformPoint(4326, grid.epsg, [at(p, 0), at(p, 1)]);
      return [(e - grid.originX) / grid.pixelSize - origin.x, (grid.originY - n) / grid.pixelSize - origin.y];
    }),
  );
}

/**
 * A square window around the candidate, padded by half its size (at least 8 pixels) so the chip
 * shows the forest around the clearing, clipped to the grid. Undefined when it lies outside.
 */
export function chipWindow(g: Polygon | MultiPolygon, grid: GridRef): PixelWindow | undefined {
  const pts = toPixelRings(g, grid).flat();
  if (pts.length === 0) return undefined;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  if (x1 < 0 || y1 < 0 || x0 > grid.width || y0 > grid.height) return undefined;
  return chipSquare(x0, y0, x1, y1, grid.width, grid.height);
}

/** The chip square around the pixel box (x0, y0)-(x1, y1) of a `width` x `height` grid. */
export function chipSquare(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
): PixelWindow {
  const span = Math.max(x1 - x0, y1 - y0);
  const side = Math.min(Math.max(32, Math.ceil(span + 2 * Math.max(8, span / 2))), width, height);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const x = Math.min(Math.max(0, Math.round(cx - side / 2)), width - side);
  const y = Math.min(Math.max(0, Math.round(cy - side / 2)), height - side);
  return { x, y, width: side, height: side };
}

/** The smallest integer enlargement that makes `side` pixels at least CHIP_TARGET_PX wide. */
export function chipScale(side: number): number {
  return Math.max(1, Math.ceil(CHIP_TARGET_PX / side));
}

/** 10 m pixels per overlay pixel: the smallest power of two keeping the overlay within OVERLAY_MAX_PX. */
export function overlayStep(window: PixelWindow): number {
  let step = 1;
  while (Math.max(window.width, window.height) / step > OVERLAY_MAX_PX) step *= 2;
  return step;
}

/** Lon/lat of the four corners of a window (top-left, top-right, bottom-right, bottom-left). */
export function windowCorners(w: PixelWindow, grid: GridRef): [number, number][] {
  const corner = (x: number, y: number): [number, number] => {
    const [lon, lat] = transformPoint(grid.epsg, 4326, [
      grid.originX + x * grid.pixelSize,
      grid.originY - y * grid.pixelSize,
    ]);
    return [Math.round(lon * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7];
  };
  return [
    corner(w.x, w.y),
    corner(w.x + w.width, w.y),
    corner(w.x + w.width, w.y + w.height),
    corner(w.x, w.y + w.height),
  ];
}
