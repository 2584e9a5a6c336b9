/**
 * From a tile's evidence to discrete detections: clearings (connected forest-to-bare change),
 * ponds (small connected water-fraction blobs, new since before) and the association of ponds
 * with the clearing they sit in. Pure: pixel space in, pixel-space polygons out. Labelling a
 * whole tile at once means block seams never split a component; no tile-sized label plane is
 * kept (482 MB at 10980²): components are sized from their runs, then each kept one is
 * relabelled inside its own bounding box to trace it.
 */
import Flatbush from 'flatbush';
import type { Component } from '../raster/label.js';
import { closeRuns3, fullRuns, runsFromPixels } from '../raster/run-morphology.js';
import { clearingStats, type ClearingDetection } from './clearing-detection.js';
import { FLAG_CLEARING } from './compact-block.js';
import type { TileEvidence } from './evidence-plane.js';
import type { DetectParams } from './params.js';
import { u8At } from '../types/checked.js';
import { pondStats, rejectPond, type PondDetection } from './pond-detection.js';
import { components, relabel, type Local } from './tile-components.js';

export interface TileDetections {
  clearings: ClearingDetection[];
  ponds: PondDetection[];
}

export function detectTile(ev: TileEvidence, p: DetectParams): TileDetections {
  const { width: w, height: h } = ev;
  // Ponds are part of the ground that was cleared: join them before labelling, and close
  // one-pixel gaps (a path, a mixed pixel) that would split one clearing in two.
  // Only pixels with attributes can be set: the evidence keeps a row for every pixel whose flags
  // or pond fraction are nonzero, so the mask's runs come from that sorted list (a few per cent
  // of the tile), are closed and labelled as runs; only each kept component's box is ever a plane.
  const idx = ev.attrs.idx;
  const isCleared = (i: number): boolean => (u8At(ev.flags, i) & FLAG_CLEARING) !== 0 || ev.pondF[i] !== 0;
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

  const near = clearingBoxes(clearingAt);

  const thr = Math.round(p.pondFractionMin * 255);
  // As above: a pond pixel has a nonzero fraction, hence an attribute row.
  const pondRuns =
    thr > 0
      ? runsFromPixels(
          idx.filter((i) => u8At(ev.pondF, i) >= thr),
          w,
          h,
        )
      : fullRuns(w, h); // a zero threshold admits every pixel
  const ponds: PondDetection[] = [];
  for (const c of components(pondRuns, w, h, 1, p.maxPondPixels)) {
    const loc = relabel(pondRuns, c);
    const pond = pondStats(ev, loc, c);
    if (rejectPond(pond)) continue;
    pond.clearing = nearestClearing(clearingAt, near, c, p.pondClearingGap);
    if (pond.clearing >= 0) clearings[pond.clearing]?.ponds.push(ponds.length);
    ponds.push(pond);
  }
  return { clearings, ponds };
}

type KeptClearing = { loc: Local; c: Component; index: number };

/**
 * An R-tree of the kept clearings' boxes, so each pond looks only at the clearings near it: a
 * scene with much change has tens of thousands of ponds and hundreds of clearings.
 */
function clearingBoxes(clearingAt: readonly KeptClearing[]): Flatbush | undefined {
  if (clearingAt.length === 0) return undefined;
  const index = new Flatbush(clearingAt.length);
  for (const k of clearingAt) index.add(k.c.minX, k.c.minY, k.c.maxX, k.c.maxY);
  index.finish();
  return index;
}

/** The clearing with most pixels within `gap` pixels of the pond's bounding box, or -1. */
function nearestClearing(
  clearingAt: readonly KeptClearing[],
  near: Flatbush | undefined,
  c: Component,
  gap: number,
): number {
  if (!near) return -1;
  let best = -1;
  let bestVotes = 0;
  // In clearing order, as a scan of all of them would meet them: ties go to the first.
  const hits = near.search(c.minX - gap, c.minY - gap, c.maxX + gap, c.maxY + gap).sort((a, b) => a - b);
  for (const h of hits) {
    const k = clearingAt[h];
    if (k === undefined) continue;
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
