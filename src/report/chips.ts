/**
 * Chip pixels from a tile's quicklook (tile-quicklook.ts): a window of the tile's 10 m grid as
 * before NDVI, after true colour or NDVI change, at 10 m where the scan kept the cell, else from
 * the overlay (coarser, never empty). Colour ramps for NDVI and NDVI change. Pure.
 */
import type { PixelWindow } from '../io/cog-window.js';
import { CELL, ndviOfCode } from './block-quicklook.js';
import type { Rgba } from './quicklooks.js';
import type { TileQuicklook } from './tile-quicklook.js';
import { InternalError } from '../errors.js';
import { at, u8At, u32At } from '../types/checked.js';

export type ChipLayer = 'before_ndvi' | 'after_true_colour' | 'ndvi_change';

/** NDVI ramp stops: bare soil brown, sparse vegetation yellow, forest dark green. */
const NDVI_STOPS: readonly [number, [number, number, number]][] = [
  [-0.2, [40, 70, 160]],
  [0.1, [140, 100, 60]],
  [0.35, [215, 190, 110]],
  [0.6, [120, 170, 70]],
  [0.85, [20, 100, 40]],
];

export function ndviColour(v: number): [number, number, number] {
  const first = at(NDVI_STOPS, 0);
  if (v <= first[0]) return first[1];
  for (let i = 1; i < NDVI_STOPS.length; i++) {
    const [x1, c1] = at(NDVI_STOPS, i);
    const [x0, c0] = at(NDVI_STOPS, i - 1);
    if (v <= x1) {
      const t = (v - x0) / (x1 - x0);
      const mix = (k: 0 | 1 | 2): number => Math.round(c0[k] + (c1[k] - c0[k]) * t);
      return [mix(0), mix(1), mix(2)];
    }
  }
  return at(NDVI_STOPS, NDVI_STOPS.length - 1)[1];
}

/** NDVI change at which the diverging ramp saturates (loss red-brown, gain green, none grey). */
export const NDVI_CHANGE_MAX = 0.6;

export function ndviChangeColour(d: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, d / NDVI_CHANGE_MAX));
  const [r, g, b] = t < 0 ? [200, 40, 20] : [30, 170, 60];
  const a = Math.abs(t);
  return [128 + (r - 128) * a, 128 + (g - 128) * a, 128 + (b - 128) * a].map(Math.round) as [
    number,
    number,
    number,
  ];
}

/**
 * Colours of every NDVI byte (ndviCode) and of every NDVI-change byte difference, computed once,
 * flat as r, g, b: a chip reads three bytes per pixel per layer from them.
 */
const flatLut = (colours: readonly (readonly [number, number, number])[]): Uint8Array =>
  Uint8Array.from(colours.flat());
const NDVI_LUT = flatLut(Array.from({ length: 256 }, (_, c) => ndviColour(ndviOfCode(c))));
const CHANGE_LUT = flatLut(Array.from({ length: 509 }, (_, k) => ndviChangeColour((k - 254) / 127)));

/** Where each pixel of a chip came from: counts of 10 m and of coarser (overlay) pixels. */
export interface ChipSource {
  fine: number;
  coarse: number;
}

/** Cell number -> its row in the quicklook's planes, built once per quicklook. */
const cellRows = new WeakMap<TileQuicklook, Map<number, number>>();

function cellsOf(q: TileQuicklook): Map<number, number> {
  let m = cellRows.get(q);
  if (!m) {
    m = new Map();
    for (let k = 0; k < q.cells.index.length; k++) m.set(u32At(q.cells.index, k), k);
    cellRows.set(q, m);
  }
  return m;
}

/** A candidate's three chips over one window, and where their pixels came from. */
export type ChipImages = Record<ChipLayer, Rgba> & ChipSource;

/**
 * The chips of every layer over `win` (pixels of the quicklook's window), one pixel per 10 m, in
 * one walk of the window: row by row and, within a row, run by run of one cell, so the cell lookup
 * happens once per CELL pixels (chips of large sites span hundreds of thousands of pixels).
 * Pixels without a value stay transparent.
 */
export function chipImages(q: TileQuicklook, win: PixelWindow): ChipImages {
  const cells = cellsOf(q);
  const area = CELL * CELL;
  const size = win.width * win.height * 4;
  const before = new Uint8ClampedArray(size);
  const change = new Uint8ClampedArray(size);
  const colour = new Uint8ClampedArray(size);
  const { ndviBefore: cb, ndviAfter: ca, rgba: crgba } = q.cells;
  const n = q.ndvi;
  const r = q.rgb;
  // Every index below stays inside these planes when they are as long as the quicklook says (cell
  // rows < cells, overlay rows and columns clamped), so that is checked once here and the per-pixel
  // reads need no check of their own (through the checked accessors the chips took 28 % longer).
  const cellPixels = q.cells.index.length * area;
  if (cb.length < cellPixels || ca.length < cellPixels || crgba.length < cellPixels * 4)
    throw new InternalError(
      `quicklook of ${q.tile}: cell planes shorter than its ${q.cells.index.length} cells`,
    );
  if (
    n.before.length < n.width * n.height ||
    n.after.length < n.width * n.height ||
    r.data.length < r.width * r.height * 4
  )
    throw new InternalError(`quicklook of ${q.tile}: overlay planes shorter than their size`);
  let fine = 0;
  let coarse = 0;
  const x0 = Math.max(0, win.x);
  const x1 = Math.min(q.width, win.x + win.width);
  for (let y = 0; y < win.height; y++) {
    const ty = win.y + y;
    if (ty < 0 || ty >= q.height || x1 <= x0) continue;
    const cellRow = Math.floor(ty / CELL) * q.cells.columns;
    const rowInCell = (ty % CELL) * CELL;
    const nRow = Math.min(n.height - 1, Math.floor(ty / n.step)) * n.width;
    const rRow = Math.min(r.height - 1, Math.floor(ty / r.step)) * r.width;
    for (let runStart = x0; runStart < x1;) {
      const runEnd = Math.min(x1, (Math.floor(runStart / CELL) + 1) * CELL);
      const k = cells.get(cellRow + Math.floor(runStart / CELL));
      if (k !== undefined) fine += runEnd - runStart;
      else coarse += runEnd - runStart;
      for (let tx = runStart; tx < runEnd; tx++) {
        const o = (y * win.width + (tx - win.x)) * 4;
        let nb: number;
        let na: number;
        let rgba: Uint8Array;
        let ro: number;
        if (k !== undefined) {
          const ci = k * area + rowInCell + (tx % CELL);
          nb = cb[ci] ?? 0;
          na = ca[ci] ?? 0;
          rgba = crgba;
          ro = ci * 4;
        } else {
          const ni = nRow + Math.min(n.width - 1, Math.floor(tx / n.step));
          nb = n.before[ni] ?? 0;
          na = n.after[ni] ?? 0;
          rgba = r.data;
          ro = (rRow + Math.min(r.width - 1, Math.floor(tx / r.step))) * 4;
        }
        // nb and na are bytes (0-255), so both LUT offsets are in range by construction.
        if (nb !== 0) {
          const c = nb * 3;
          before[o] = NDVI_LUT[c] ?? 0;
          before[o + 1] = NDVI_LUT[c + 1] ?? 0;
          before[o + 2] = NDVI_LUT[c + 2] ?? 0;
          before[o + 3] = 255;
          if (na !== 0) {
            const d = (na - nb + 254) * 3;
            change[o] = CHANGE_LUT[d] ?? 0;
            change[o + 1] = CHANGE_LUT[d + 1] ?? 0;
            change[o + 2] = CHANGE_LUT[d + 2] ?? 0;
            change[o + 3] = 255;
          }
        }
        if ((rgba[ro + 3] ?? 0) !== 0) {
          colour[o] = rgba[ro] ?? 0;
          colour[o + 1] = rgba[ro + 1] ?? 0;
          colour[o + 2] = rgba[ro + 2] ?? 0;
          colour[o + 3] = 255;
        }
      }
      runStart = runEnd;
    }
  }
  const img = (data: Uint8ClampedArray): Rgba => ({ width: win.width, height: win.height, data });
  return {
    before_ndvi: img(before),
    ndvi_change: img(change),
    after_true_colour: img(colour),
    fine,
    coarse,
  };
}

/** A whole-tile overlay of `layer` at the quicklook's overlay resolution (RGBA). */
export function overlayPixels(
  q: TileQuicklook,
  layer: 'before_ndvi' | 'after_ndvi' | 'after_true_colour',
): Rgba & { step: number } {
  if (layer === 'after_true_colour') {
    const r = q.rgb;
    return {
      width: r.width,
      height: r.height,
      step: r.step,
      data: new Uint8ClampedArray(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    };
  }
  const n = q.ndvi;
  const plane = layer === 'before_ndvi' ? n.before : n.after;
  const data = new Uint8ClampedArray(n.width * n.height * 4);
  for (let i = 0; i < plane.length; i++) {
    const c = u8At(plane, i) * 3;
    if (c === 0) continue;
    data[i * 4] = u8At(NDVI_LUT, c);
    data[i * 4 + 1] = u8At(NDVI_LUT, c + 1);
    data[i * 4 + 2] = u8At(NDVI_LUT, c + 2);
    data[i * 4 + 3] = 255;
  }
  return { width: n.width, height: n.height, step: n.step, data };
}
