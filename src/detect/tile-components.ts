/**
 * Connected components of a tile's evidence mask, from its runs: each kept one relabelled inside
 * its own bounding box (no tile-sized label plane), traced, and walked pixel by pixel.
 */
import { componentStatsOfRuns, labelComponents, type Component } from '../raster/label.js';
import type { RowRuns } from '../raster/runs.js';
import { cropRuns } from '../raster/run-morphology.js';
import { vectoriseComponent, type PixelPolygon } from '../raster/vectorise.js';
import { f64At, i32At } from '../types/checked.js';

/** A component relabelled inside its bounding box: a local label plane and its label. */
export interface Local {
  labels: Int32Array;
  width: number;
  label: number;
  minX: number;
  minY: number;
}

/** Components of the mask with these runs, with at least `minArea` pixels (and at most `maxArea`). */
export function components(
  runs: RowRuns,
  w: number,
  h: number,
  minArea: number,
  maxArea = Infinity,
): Component[] {
  const st = componentStatsOfRuns(runs, w, h);
  const out: Component[] = [];
  for (let l = 1; l <= st.count; l++) {
    const area = i32At(st.area, l);
    if (area < minArea || area > maxArea) continue;
    out.push({
      label: l,
      area,
      minX: i32At(st.minX, l),
      minY: i32At(st.minY, l),
      maxX: i32At(st.maxX, l),
      maxY: i32At(st.maxY, l),
      sumX: f64At(st.sumX, l),
      sumY: f64At(st.sumY, l),
    });
  }
  return out;
}

export function relabel(runs: RowRuns, c: Component): Local {
  const bw = c.maxX - c.minX + 1;
  const bh = c.maxY - c.minY + 1;
  const crop = cropRuns(runs, c.minX, c.minY, bw, bh);
  const l = labelComponents(crop, bw, bh);
  // The component is the local one with its area spanning the whole box.
  const match =
    l.components.find(
      (k) => k.area === c.area && k.minX === 0 && k.minY === 0 && k.maxX === bw - 1 && k.maxY === bh - 1,
    ) ?? l.components.reduce((a, b) => (b.area > a.area ? b : a));
  return { labels: l.labels, width: bw, label: match.label, minX: c.minX, minY: c.minY };
}

/** The component's outline polygons, in tile pixels. */
export function polygons(loc: Local, c: Component): PixelPolygon[] {
  const polys = vectoriseComponent(loc.labels, loc.width, {
    label: loc.label,
    minX: 0,
    minY: 0,
    maxX: c.maxX - c.minX,
    maxY: c.maxY - c.minY,
  });
  for (const poly of polys)
    for (const ring of poly) for (const p of ring) [p[0], p[1]] = [p[0] + c.minX, p[1] + c.minY];
  return polys;
}

/** Calls `f(i, x, y)` for every tile pixel of the component. */
export function forEachPixel(
  loc: Local,
  c: Component,
  w: number,
  f: (i: number, x: number, y: number) => void,
): void {
  for (let y = c.minY; y <= c.maxY; y++) {
    const lrow = (y - c.minY) * loc.width;
    for (let x = c.minX; x <= c.maxX; x++)
      if (loc.labels[lrow + x - c.minX] === loc.label) f(y * w + x, x, y);
  }
}
