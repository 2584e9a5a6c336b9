/**
 * From a tile's evidence to discrete detections: clearings (connected forest-to-bare change),
 * ponds (small connected water-fraction blobs, new since before) and the association of ponds
 * with the clearing they sit in. Pure: pixel space in, pixel-space polygons out. Labelling a
 * whole tile at once means block seams never split a component; no tile-sized label plane is
 * kept (482 MB at 10980²): components are sized from their runs, then each kept one is
 * relabelled inside its own bounding box to trace it.
 */
import { componentStatsOfRuns, labelComponents, type Component } from '../raster/label.js';
import type { RowRuns } from '../raster/runs.js';
import { closeRuns3, cropRuns, fullRuns, runsFromPixels } from '../raster/run-morphology.js';
import { vectoriseComponent, type PixelPolygon } from '../raster/vectorise.js';
import { PondKind } from './pond-unmixing.js';
import { FLAG_CLEARING, POND_NEAR_OLD_WATER, pondKindOf } from './compact-block.js';
import { attrRow, type TileEvidence } from './evidence-plane.js';
import {
  decodeImplied,
  decodeShare,
  poolCells,
  swirVerdict,
  type CellMaterial,
  type PondMaterial,
  type SwirVerdict,
} from './pond-swir.js';
import { blobShape, type BlobShape } from './pond-shape.js';
import type { DetectParams } from './params.js';

export interface PondDetection {
  polygons: PixelPolygon[];
  pixels: number;
  /** Estimated open-water area in pixels (sum of sub-pixel fractions). */
  waterPixels: number;
  maxFraction: number;
  /** Local maxima of the pond fraction: separate ponds that merged at 10 m. */
  peaks: number;
  kind: 'turquoise' | 'dark' | 'turbid';
  /** Index into clearings, or -1 when the pond is not in a clearing. */
  clearing: number;
  centroid: [number, number];
  /** The pond material unmixed in SWIR over its 20 m cells, and what that says it is. */
  material: PondMaterial;
  swir: SwirVerdict;
  shape: BlobShape;
  /** Share of its pixels with last season's water within 2 pixels. */
  nearOldWater: number;
}

/**
 * Pond blobs that are not leach ponds: their material is not water (char, ash, shadow: bright in
 * SWIR for how dark they are in the visible), or they are long and touch last season's water (a
 * river that moved, a lake shore that rose). Dug ponds are compact, whatever else they are.
 */
export function rejectPond(q: Pick<PondDetection, 'swir' | 'shape' | 'nearOldWater'>): string | undefined {
  if (q.swir === 'not-water') return 'swir-not-water';
  if (q.nearOldWater > 0 && q.shape.elongation >= MOVED_CHANNEL_ELONGATION) return 'channel';
  return undefined;
}

/** A blob this elongated that touches old water is a channel (a 3 x 1 pixel pool row is 2.6). */
const MOVED_CHANNEL_ELONGATION = 2.5;

export interface ClearingDetection {
  polygons: PixelPolygon[];
  pixels: number;
  /** Pixels that changed from forest to bare (the rest are ponds and closed gaps). */
  changedPixels: number;
  ndviBefore: number;
  ndviAfter: number;
  /** Mean clear observations per pixel in each season. */
  clearBefore: number;
  clearAfter: number;
  /** Share of after-season observations of this ground hidden by cloud or shadow (0..1). */
  obscuredFraction: number;
  /** After-season observations SCL flagged as cloud that were restored as bright water. */
  restoredObservations: number;
  /** Earliest after-season observation (index) that saw this ground clearly; 255: none. */
  firstClearAfter: number;
  ponds: number[];
  centroid: [number, number];
}

export interface TileDetections {
  clearings: ClearingDetection[];
  ponds: PondDetection[];
}

/** A component relabelled inside its bounding box: a local label plane and its label. */
interface Local {
  labels: Int32Array;
  width: number;
  label: number;
  minX: number;
  minY: number;
}

const decodeNdvi = (v: number): number => v / 127.5 - 1;

/** Components of the mask with these runs, with at least `minArea` pixels (and at most `maxArea`). */
function components(runs: RowRuns, w: number, h: number, minArea: number, maxArea = Infinity): Component[] {
  const st = componentStatsOfRuns(runs, w, h);
  const out: Component[] = [];
  for (let l = 1; l <= st.count; l++) {
    const area = st.area[l] as number;
    if (area < minArea || area > maxArea) continue;
    out.push({
      label: l,
      area,
      minX: st.minX[l] as number,
      minY: st.minY[l] as number,
      maxX: st.maxX[l] as number,
      maxY: st.maxY[l] as number,
      sumX: st.sumX[l] as number,
      sumY: st.sumY[l] as number,
    });
  }
  return out;
}

function relabel(runs: RowRuns, c: Component): Local {
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

function polygons(loc: Local, c: Component): PixelPolygon[] {
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
function forEachPixel(
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

export function detectTile(ev: TileEvidence, p: DetectParams): TileDetections {
  const { width: w, height: h } = ev;
  // Ponds are part of the ground that was cleared: join them before labelling, and close
  // one-pixel gaps (a path, a mixed pixel) that would split one clearing in two.
  // Only pixels with attributes can be set: the evidence keeps a row for every pixel whose flags
  // or pond fraction are nonzero, so the mask's runs come from that sorted list (a few per cent
  // of the tile), are closed and labelled as runs; only each kept component's box is ever a plane.
  const idx = ev.attrs.idx;
  const isCleared = (i: number): boolean =>
    ((ev.flags[i] as number) & FLAG_CLEARING) !== 0 || ev.pondF[i] !== 0;
  const closedRuns = closeRuns3(runsFromPixels(idx.filter(isCleared), w, h), w, h);
  const clearings: ClearingDetection[] = [];
  /** Each kept clearing's local labels, to find which clearing a pond touches. */
  const clearingAt: { loc: Local; c: Component; index: number }[] = [];
  for (const c of components(closedRuns, w, h, p.minClearingPixels)) {
    const loc = relabel(closedRuns, c);
    const stats = clearingStats(ev, loc, c);
    // A patch of new water with no cleared forest around it (a moved river bend) is no clearing.
    if (stats.changedPixels < p.minClearingPixels) continue;
    clearingAt.push({ loc, c, index: clearings.length });
    clearings.push(stats);
  }

  const thr = Math.round(p.pondFractionMin * 255);
  // As above: a pond pixel has a nonzero fraction, hence an attribute row.
  const pondRuns =
    thr > 0
      ? runsFromPixels(
          idx.filter((i) => (ev.pondF[i] as number) >= thr),
          w,
          h,
        )
      : fullRuns(w, h); // a zero threshold admits every pixel
  const ponds: PondDetection[] = [];
  for (const c of components(pondRuns, w, h, 1, p.maxPondPixels)) {
    const loc = relabel(pondRuns, c);
    const pond = pondStats(ev, loc, c);
    if (rejectPond(pond)) continue;
    pond.clearing = nearestClearing(clearingAt, c, p.pondClearingGap);
    if (pond.clearing >= 0) clearings[pond.clearing]?.ponds.push(ponds.length);
    ponds.push(pond);
  }
  return { clearings, ponds };
}

function clearingStats(ev: TileEvidence, loc: Local, c: Component): ClearingDetection {
  const a = ev.attrs.fields;
  let nb = 0;
  let na = 0;
  let cb = 0;
  let ca = 0;
  let va = 0;
  let restored = 0;
  let first = 255;
  let changed = 0;
  let seen = 0;
  forEachPixel(loc, c, ev.width, (i) => {
    const r = attrRow(ev.attrs, i);
    if (r < 0) return; // a gap pixel swept in by closing: no evidence of its own
    seen++;
    if ((ev.flags[i] as number) & FLAG_CLEARING) {
      // NDVI of the change itself, not of ponds.
      changed++;
      nb += decodeNdvi(a.ndviBefore[r] as number);
      na += decodeNdvi(a.ndviAfter[r] as number);
    }
    cb += a.clearBefore[r] as number;
    ca += a.clearAfter[r] as number;
    va += a.validAfter[r] as number;
    restored += a.restored[r] as number;
    if ((a.firstClearAfter[r] as number) < first) first = a.firstClearAfter[r] as number;
  });
  return {
    polygons: polygons(loc, c),
    pixels: c.area,
    changedPixels: changed,
    ndviBefore: changed > 0 ? nb / changed : NaN,
    ndviAfter: changed > 0 ? na / changed : NaN,
    clearBefore: seen > 0 ? cb / seen : 0,
    clearAfter: seen > 0 ? ca / seen : 0,
    obscuredFraction: va > 0 ? Math.max(0, 1 - ca / va) : 1,
    restoredObservations: restored,
    firstClearAfter: first,
    ponds: [],
    centroid: [c.sumX / c.area + 0.5, c.sumY / c.area + 0.5],
  };
}

function pondStats(ev: TileEvidence, loc: Local, c: Component): PondDetection {
  const { width: w, height: h } = ev;
  let water = 0;
  let max = 0;
  let peaks = 0;
  const kinds = [0, 0, 0, 0];
  const a = ev.attrs.fields;
  const cells = new Map<number, CellMaterial>();
  const xs: number[] = [];
  const ys: number[] = [];
  let near = 0;
  forEachPixel(loc, c, w, (i, x, y) => {
    xs.push(x);
    ys.push(y);
    const r = attrRow(ev.attrs, i);
    if (r >= 0) {
      // Every pond pixel of a 20 m cell carries the cell's values: pool each cell once.
      const cell = (y >> 1) * w + (x >> 1);
      const share = a.pondShare[r] as number;
      if (share > 0 && !cells.has(cell))
        cells.set(cell, {
          f20: decodeShare(share),
          green: decodeImplied(a.pondGreen[r] as number),
          swir16: decodeImplied(a.pondSwir16[r] as number),
          swir22: decodeImplied(a.pondSwir22[r] as number),
        });
      if ((a.pondContext[r] as number) & POND_NEAR_OLD_WATER) near++;
    }
    const f = ev.pondF[i] as number;
    water += f / 255;
    if (f > max) max = f;
    const k = pondKindOf(ev.flags[i] as number);
    kinds[k] = (kinds[k] as number) + f;
    if (isPeak(ev.pondF, w, h, x, y, loc, c)) peaks++;
  });
  const kind =
    kinds[PondKind.Turquoise]! >= Math.max(kinds[PondKind.Dark]!, kinds[PondKind.Turbid]!)
      ? 'turquoise'
      : kinds[PondKind.Dark]! >= kinds[PondKind.Turbid]!
        ? 'dark'
        : 'turbid';
  const material = poolCells([...cells.values()]);
  return {
    polygons: polygons(loc, c),
    pixels: c.area,
    waterPixels: water,
    maxFraction: max / 255,
    peaks: Math.max(1, peaks),
    kind,
    clearing: -1,
    centroid: [c.sumX / c.area + 0.5, c.sumY / c.area + 0.5],
    material,
    swir: swirVerdict(material),
    shape: blobShape(xs, ys),
    nearOldWater: near / c.area,
  };
}

/**
 * A strict local maximum of the pond fraction within its component (ties broken by raster
 * order): two ponds a few metres apart merge into one component at 10 m but keep two peaks.
 */
function isPeak(
  f: Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  loc: Local,
  c: Component,
): boolean {
  const v = f[y * w + x] as number;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (dx === 0 && dy === 0) continue;
      const xx = x + dx;
      const yy = y + dy;
      if (xx < c.minX || yy < c.minY || xx > c.maxX || yy > c.maxY || xx >= w || yy >= h) continue;
      if (loc.labels[(yy - c.minY) * loc.width + xx - c.minX] !== loc.label) continue;
      const u = f[yy * w + xx] as number;
      if (u > v || (u === v && (dy < 0 || (dy === 0 && dx < 0)))) return false;
    }
  }
  return true;
}

/** The clearing with most pixels within `gap` pixels of the pond's bounding box, or -1. */
function nearestClearing(
  clearingAt: readonly { loc: Local; c: Component; index: number }[],
  c: Component,
  gap: number,
): number {
  let best = -1;
  let bestVotes = 0;
  for (const k of clearingAt) {
    const x0 = Math.max(c.minX - gap, k.c.minX);
    const x1 = Math.min(c.maxX + gap, k.c.maxX);
    const y0 = Math.max(c.minY - gap, k.c.minY);
    const y1 = Math.min(c.maxY + gap, k.c.maxY);
    if (x0 > x1 || y0 > y1) continue;
    let votes = 0;
    for (let y = y0; y <= y1; y++) {
      const row = (y - k.c.minY) * k.loc.width - k.c.minX;
      for (let x = x0; x <= x1; x++) if (k.loc.labels[row + x] === k.loc.label) votes++;
    }
    if (votes > bestVotes) [best, bestVotes] = [k.index, votes];
  }
  return best;
}
