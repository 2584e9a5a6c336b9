/**
 * From a tile's per-pixel evidence to discrete detections: clearings (connected forest-to-bare
 * change), ponds (small connected water-fraction blobs, new since before) and the association of
 * ponds with the clearing they sit in. Pure: pixel space in, pixel-space polygons out; labelling a
 * whole tile at once means block seams never split a component.
 */
import { labelComponents, type Component } from '../raster/label.js';
import { close } from '../raster/morphology.js';
import { vectoriseComponent, type PixelPolygon } from '../raster/vectorise.js';
import { PondKind, type BlockEvidence } from './block-evidence.js';
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
}

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

const decodeNdvi = (v: number): number => v / 127.5 - 1;

export function detectTile(ev: BlockEvidence, p: DetectParams): TileDetections {
  const { width: w, height: h } = ev;
  const n = w * h;
  // Ponds are part of the ground that was cleared: join them before labelling, and close
  // one-pixel gaps (a path, a mixed pixel) that would split one clearing in two.
  const cleared = new Uint8Array(n);
  for (let i = 0; i < n; i++) cleared[i] = ev.clearing[i] || ev.pondF[i] ? 1 : 0;
  const closed = close(cleared, w, h, 1);
  const cl = labelComponents(closed, w, h);
  const clearingIndex = new Int32Array(cl.count + 1).fill(-1);
  const clearings: ClearingDetection[] = [];
  for (const c of cl.components) {
    if (c.area < p.minClearingPixels) continue;
    const stats = clearingStats(ev, cl.labels, c);
    // A patch of new water with no cleared forest around it (a moved river bend) is no clearing.
    if (stats.changedPixels < p.minClearingPixels) continue;
    clearingIndex[c.label] = clearings.length;
    clearings.push(stats);
  }

  const thr = Math.round(p.pondFractionMin * 255);
  const pondMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) pondMask[i] = (ev.pondF[i] as number) >= thr ? 1 : 0;
  const pl = labelComponents(pondMask, w, h);
  const ponds: PondDetection[] = [];
  for (const c of pl.components) {
    if (c.area > p.maxPondPixels) continue;
    const pond = pondStats(ev, pl.labels, c);
    pond.clearing = nearestClearing(cl.labels, clearingIndex, w, h, c, p.pondClearingGap);
    if (pond.clearing >= 0) clearings[pond.clearing]?.ponds.push(ponds.length);
    ponds.push(pond);
  }
  return { clearings, ponds };
}

function clearingStats(ev: BlockEvidence, labels: Int32Array, c: Component): ClearingDetection {
  const { width: w } = ev;
  let nb = 0;
  let na = 0;
  let cb = 0;
  let ca = 0;
  let va = 0;
  let restored = 0;
  let first = 255;
  let changed = 0;
  for (let y = c.minY; y <= c.maxY; y++) {
    for (let x = c.minX; x <= c.maxX; x++) {
      const i = y * w + x;
      if (labels[i] !== c.label) continue;
      if (ev.clearing[i]) {
        // NDVI of the change itself, not of ponds or gap pixels swept in by closing.
        changed++;
        nb += decodeNdvi(ev.ndviBefore[i] as number);
        na += decodeNdvi(ev.ndviAfter[i] as number);
      }
      cb += ev.clearBefore[i] as number;
      ca += ev.clearAfter[i] as number;
      va += ev.validAfter[i] as number;
      restored += ev.restored[i] as number;
      if ((ev.firstClearAfter[i] as number) < first) first = ev.firstClearAfter[i] as number;
    }
  }
  return {
    polygons: vectoriseComponent(labels, w, c),
    pixels: c.area,
    changedPixels: changed,
    ndviBefore: changed > 0 ? nb / changed : NaN,
    ndviAfter: changed > 0 ? na / changed : NaN,
    clearBefore: cb / c.area,
    clearAfter: ca / c.area,
    obscuredFraction: va > 0 ? Math.max(0, 1 - ca / va) : 1,
    restoredObservations: restored,
    firstClearAfter: first,
    ponds: [],
    centroid: [c.sumX / c.area + 0.5, c.sumY / c.area + 0.5],
  };
}

function pondStats(ev: BlockEvidence, labels: Int32Array, c: Component): PondDetection {
  const { width: w, height: h } = ev;
  let water = 0;
  let max = 0;
  let peaks = 0;
  const kinds = [0, 0, 0, 0];
  for (let y = c.minY; y <= c.maxY; y++) {
    for (let x = c.minX; x <= c.maxX; x++) {
      const i = y * w + x;
      if (labels[i] !== c.label) continue;
      const f = ev.pondF[i] as number;
      water += f / 255;
      if (f > max) max = f;
      kinds[ev.pondKind[i] as number] = (kinds[ev.pondKind[i] as number] as number) + f;
      if (isPeak(ev.pondF, w, h, x, y, labels, c.label)) peaks++;
    }
  }
  const kind =
    kinds[PondKind.Turquoise]! >= Math.max(kinds[PondKind.Dark]!, kinds[PondKind.Turbid]!)
      ? 'turquoise'
      : kinds[PondKind.Dark]! >= kinds[PondKind.Turbid]!
        ? 'dark'
        : 'turbid';
  return {
    polygons: vectoriseComponent(labels, w, c),
    pixels: c.area,
    waterPixels: water,
    maxFraction: max / 255,
    peaks: Math.max(1, peaks),
    kind,
    clearing: -1,
    centroid: [c.sumX / c.area + 0.5, c.sumY / c.area + 0.5],
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
  labels: Int32Array,
  label: number,
): boolean {
  const v = f[y * w + x] as number;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (dx === 0 && dy === 0) continue;
      const xx = x + dx;
      const yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      const j = yy * w + xx;
      if (labels[j] !== label) continue;
      const u = f[j] as number;
      if (u > v || (u === v && (dy < 0 || (dy === 0 && dx < 0)))) return false;
    }
  }
  return true;
}

function nearestClearing(
  labels: Int32Array,
  clearingIndex: Int32Array,
  w: number,
  h: number,
  c: Component,
  gap: number,
): number {
  const votes = new Map<number, number>();
  for (let y = Math.max(0, c.minY - gap); y <= Math.min(h - 1, c.maxY + gap); y++) {
    for (let x = Math.max(0, c.minX - gap); x <= Math.min(w - 1, c.maxX + gap); x++) {
      const k = clearingIndex[labels[y * w + x] as number] as number;
      if (k >= 0) votes.set(k, (votes.get(k) ?? 0) + 1);
    }
  }
  let best = -1;
  let bestVotes = 0;
  for (const [k, v] of votes) if (v > bestVotes) [best, bestVotes] = [k, v];
  return best;
}
