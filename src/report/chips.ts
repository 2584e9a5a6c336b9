/**
 * Chip pixels from a tile's quicklook (tile-quicklook.ts): a window of the tile's 10 m grid as
 * before NDVI, after true colour or NDVI change, at 10 m where the scan kept the cell, else from
 * the overlay (coarser, never empty). Colour ramps for NDVI and NDVI change. Pure.
 */
import type { PixelWindow } from '../io/cog-window.js';
import { CELL, ndviOfCode } from './block-quicklook.js';
import type { Rgba } from './quicklooks.js';
import type { TileQuicklook } from './tile-quicklook.js';

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
  const first = NDVI_STOPS[0]!;
  if (v <= first[0]) return first[1];
  for (let i = 1; i < NDVI_STOPS.length; i++) {
    const [x1, c1] = NDVI_STOPS[i]!;
    const [x0, c0] = NDVI_STOPS[i - 1]!;
    if (v <= x1) {
      const t = (v - x0) / (x1 - x0);
      return [0, 1, 2].map((k) => Math.round(c0[k]! + (c1[k]! - c0[k]!) * t)) as [number, number, number];
    }
  }
  return NDVI_STOPS[NDVI_STOPS.length - 1]![1];
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

/** Colours of every NDVI byte (ndviCode), and of every NDVI-change byte difference, computed once. */
const NDVI_LUT: readonly (readonly [number, number, number])[] = Array.from({ length: 256 }, (_, c) =>
  ndviColour(ndviOfCode(c)),
);
const CHANGE_LUT: readonly (readonly [number, number, number])[] = Array.from({ length: 509 }, (_, k) =>
  ndviChangeColour((k - 254) / 127),
);

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
    for (let k = 0; k < q.cells.index.length; k++) m.set(q.cells.index[k] as number, k);
    cellRows.set(q, m);
  }
  return m;
}

/** The chip of `layer` over `win` (pixels of the quicklook's window), one pixel per 10 m. */
export function chipPixels(q: TileQuicklook, win: PixelWindow, layer: ChipLayer): Rgba & ChipSource {
  const cells = cellsOf(q);
  const area = CELL * CELL;
  const data = new Uint8ClampedArray(win.width * win.height * 4);
  let fine = 0;
  let coarse = 0;
  const put = (o: number, rgb: readonly number[]): void => {
    data[o] = rgb[0]!;
    data[o + 1] = rgb[1]!;
    data[o + 2] = rgb[2]!;
    data[o + 3] = 255;
  };
  for (let y = 0; y < win.height; y++) {
    const ty = win.y + y;
    for (let x = 0; x < win.width; x++) {
      const tx = win.x + x;
      const o = (y * win.width + x) * 4;
      if (tx < 0 || ty < 0 || tx >= q.width || ty >= q.height) continue;
      const k = cells.get(Math.floor(ty / CELL) * q.cells.columns + Math.floor(tx / CELL));
      const inCell = (ty % CELL) * CELL + (tx % CELL);
      let nb: number;
      let na: number;
      let rgba: ArrayLike<number>;
      let ro: number;
      if (k !== undefined) {
        fine++;
        nb = q.cells.ndviBefore[k * area + inCell] as number;
        na = q.cells.ndviAfter[k * area + inCell] as number;
        rgba = q.cells.rgba;
        ro = (k * area + inCell) * 4;
      } else {
        coarse++;
        const n = q.ndvi;
        const ni =
          Math.min(n.height - 1, Math.floor(ty / n.step)) * n.width +
          Math.min(n.width - 1, Math.floor(tx / n.step));
        nb = n.before[ni] as number;
        na = n.after[ni] as number;
        const r = q.rgb;
        rgba = r.data;
        ro =
          (Math.min(r.height - 1, Math.floor(ty / r.step)) * r.width +
            Math.min(r.width - 1, Math.floor(tx / r.step))) *
          4;
      }
      if (layer === 'before_ndvi') {
        if (nb !== 0) put(o, NDVI_LUT[nb]!);
      } else if (layer === 'ndvi_change') {
        if (nb !== 0 && na !== 0) put(o, CHANGE_LUT[na - nb + 254]!);
      } else if ((rgba[ro + 3] as number) !== 0) {
        put(o, [rgba[ro] as number, rgba[ro + 1] as number, rgba[ro + 2] as number]);
      }
    }
  }
  return { width: win.width, height: win.height, data, fine, coarse };
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
    const c = plane[i] as number;
    if (c === 0) continue;
    const [r, g, b] = NDVI_LUT[c]!;
    data[i * 4] = r;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = b;
    data[i * 4 + 3] = 255;
  }
  return { width: n.width, height: n.height, step: n.step, data };
}
