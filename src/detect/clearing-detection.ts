/** A clearing found in a tile's evidence, and the statistics of its pixels. */
import type { Component } from '../raster/label.js';
import type { PixelPolygon } from '../raster/vectorise.js';
import { u8At } from '../types/checked.js';
import { FLAG_CLEARING } from './compact-block.js';
import { attrRow, type TileEvidence } from './evidence-plane.js';
import { forEachPixel, polygons, type Local } from './tile-components.js';

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

const decodeNdvi = (v: number): number => v / 127.5 - 1;

/** What a clearing component's evidence says: its NDVI change, looks and polygons. */
export function clearingStats(ev: TileEvidence, loc: Local, c: Component): ClearingDetection {
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
    if (u8At(ev.flags, i) & FLAG_CLEARING) {
      // NDVI of the change itself, not of ponds.
      changed++;
      nb += decodeNdvi(u8At(a.ndviBefore, r));
      na += decodeNdvi(u8At(a.ndviAfter, r));
    }
    cb += u8At(a.clearBefore, r);
    ca += u8At(a.clearAfter, r);
    va += u8At(a.validAfter, r);
    restored += u8At(a.restored, r);
    const fc = u8At(a.firstClearAfter, r);
    if (fc < first) first = fc;
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
