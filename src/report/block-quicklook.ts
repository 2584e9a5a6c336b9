/**
 * What a block's worker keeps for the evidence outputs, taken from the season composites the
 * detector has just built (no band is read or decoded again for them): each season's NDVI at
 * 20 m (for the NDVI-change raster and the map's NDVI layers), the after season's true colour at
 * the map overlay's step, and, only around new ponds, 32 x 32 pixel cells of NDVI and true colour
 * at 10 m for the candidates' chips. The before season has no green band (the detector never reads
 * it), so the before picture is its NDVI: the measure the detector itself compared. Pure.
 */
import { at, f32At, u8At } from '../types/checked.js';

/** Cells of 10 m pixels kept at full resolution for chips. */
export const CELL = 32;
/** Cells within this many cells of a cell holding a pond pixel are kept (a 96 x 96 px square). */
export const CELL_REACH = 1;
/** At most this share of a block's cells is kept, nearest the ponds first, bounding memory and time. */
export const MAX_CELL_SHARE = 0.1;
/** Reflectance drawn at full brightness in true colour (a sqrt stretch below it). */
export const TRUE_COLOUR_MAX = 0.3;

/** A season composite's planes (reflectance, NaN where the season saw no clear pixel). */
export interface CompositePlanes {
  before: { red: Float32Array; nir: Float32Array };
  after: { blue: Float32Array; green: Float32Array; red: Float32Array; nir: Float32Array };
}

export interface BlockQuicklook {
  width: number;
  height: number;
  /** Each season's NDVI at 20 m (of the mean reflectance of its 10 m pixels), as ndviCode. */
  ndvi20: { width: number; height: number; before: Uint8Array; after: Uint8Array };
  /** After-season true colour, RGBA (alpha 0: no composite), one pixel per `step` x `step`. */
  rgb: { step: number; width: number; height: number; data: Uint8Array };
  /** Kept cells: `index` is row * columns + column of each; 10 m planes per cell, CELL² each. */
  cells: {
    columns: number;
    index: Uint32Array;
    ndviBefore: Uint8Array;
    ndviAfter: Uint8Array;
    /** RGBA, 4 * CELL² bytes per cell. */
    rgba: Uint8Array;
  };
}

/** NDVI -1..1 as a byte 1..255 (0: no value). */
export function ndviCode(v: number): number {
  if (!(v === v)) return 0;
  const c = v < -1 ? -1 : v > 1 ? 1 : v;
  return 1 + Math.round((c + 1) * 127);
}

/** The NDVI a byte of ndviCode stands for; NaN for 0. */
export function ndviOfCode(code: number): number {
  return code === 0 ? NaN : (code - 1) / 127 - 1;
}

const TONE_STEPS = 4096;
/** The sqrt stretch, tabulated: reflectance 0..TRUE_COLOUR_MAX in TONE_STEPS steps to 0..255. */
const TONE = Uint8Array.from({ length: TONE_STEPS + 1 }, (_, i) =>
  Math.round(255 * Math.sqrt(i / TONE_STEPS)),
);

export const tone = (v: number): number =>
  v === v
    ? u8At(TONE, v <= 0 ? 0 : v >= TRUE_COLOUR_MAX ? TONE_STEPS : ((v * TONE_STEPS) / TRUE_COLOUR_MAX) | 0)
    : 0;

/**
 * NDVI of the 2 x 2 mean reflectance of each 20 m cell (pixels without a composite left out). The
 * four pixels are added in a fixed order (top-left, top-right, bottom-left, bottom-right), so the
 * sums, and the bytes, do not depend on how the loop is written.
 */
function ndvi20(nir: Float32Array, red: Float32Array, w: number, h: number): Uint8Array {
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const out = new Uint8Array(w2 * h2);
  for (let y2 = 0; y2 < h2; y2++) {
    const r0 = 2 * y2 * w;
    const r1 = 2 * y2 + 1 < h ? r0 + w : -1;
    const o = y2 * w2;
    for (let x2 = 0; x2 < w2; x2++) {
      const x = 2 * x2;
      const right = x + 1 < w;
      let sn = 0;
      let sr = 0;
      // NaN (no composite) fails `v === v` and is left out.
      let nv = f32At(nir, r0 + x);
      let rv = f32At(red, r0 + x);
      if (nv === nv && rv === rv) {
        sn += nv;
        sr += rv;
      }
      if (right) {
        nv = f32At(nir, r0 + x + 1);
        rv = f32At(red, r0 + x + 1);
        if (nv === nv && rv === rv) {
          sn += nv;
          sr += rv;
        }
      }
      if (r1 >= 0) {
        nv = f32At(nir, r1 + x);
        rv = f32At(red, r1 + x);
        if (nv === nv && rv === rv) {
          sn += nv;
          sr += rv;
        }
        if (right) {
          nv = f32At(nir, r1 + x + 1);
          rv = f32At(red, r1 + x + 1);
          if (nv === nv && rv === rv) {
            sn += nv;
            sr += rv;
          }
        }
      }
      out[o + x2] = sn + sr > 0 ? ndviCode((sn - sr) / (sn + sr)) : 0;
    }
  }
  return out;
}

function rgbAt(a: CompositePlanes['after'], i: number, out: Uint8Array, o: number): void {
  const r = f32At(a.red, i);
  const g = f32At(a.green, i);
  const b = f32At(a.blue, i);
  if (!(r === r && g === g && b === b)) return; // stays transparent
  out[o] = tone(r);
  out[o + 1] = tone(g);
  out[o + 2] = tone(b);
  out[o + 3] = 255;
}

function overview(a: CompositePlanes['after'], w: number, h: number, step: number): BlockQuicklook['rgb'] {
  const ow = Math.ceil(w / step);
  const oh = Math.ceil(h / step);
  const data = new Uint8Array(ow * oh * 4);
  const mid = step >> 1;
  for (let oy = 0; oy < oh; oy++) {
    const y = Math.min(h - 1, oy * step + mid);
    for (let ox = 0; ox < ow; ox++) {
      const x = Math.min(w - 1, ox * step + mid);
      rgbAt(a, y * w + x, data, (oy * ow + ox) * 4);
    }
  }
  return { step, width: ow, height: oh, data };
}

/**
 * Cells to keep: those holding a pond pixel, then rings of neighbours out to CELL_REACH, as long
 * as the share stays within MAX_CELL_SHARE. `pondPixels` are block pixel indices with pond evidence.
 */
export function keptCells(pondPixels: ArrayLike<number>, w: number, h: number): number[] {
  const cols = Math.ceil(w / CELL);
  const rows = Math.ceil(h / CELL);
  const budget = Math.max(1, Math.floor(cols * rows * MAX_CELL_SHARE));
  const ring = new Int8Array(cols * rows).fill(-1);
  const seeds: number[] = [];
  for (let k = 0; k < pondPixels.length; k++) {
    const i = at(pondPixels, k);
    const c = Math.floor((i % w) / CELL) + Math.floor(Math.floor(i / w) / CELL) * cols;
    if (ring[c] !== 0) {
      ring[c] = 0;
      seeds.push(c);
    }
  }
  const kept = seeds.slice(0, budget);
  for (let r = 1; r <= CELL_REACH && kept.length < budget; r++) {
    for (const c of seeds) {
      const cx = c % cols;
      const cy = (c - cx) / cols;
      for (let y = Math.max(0, cy - r); y <= Math.min(rows - 1, cy + r); y++)
        for (let x = Math.max(0, cx - r); x <= Math.min(cols - 1, cx + r); x++) {
          const n = y * cols + x;
          if (ring[n] !== -1) continue;
          ring[n] = r;
          if (kept.length < budget) kept.push(n);
        }
    }
  }
  return kept.sort((a, b) => a - b);
}

/**
 * The quicklook of one block. `pondPixels`: indices of the block's pixels with a pond fraction;
 * `rgbStep`: 10 m pixels per overlay pixel.
 */
export function blockQuicklook(
  planes: CompositePlanes,
  pondPixels: ArrayLike<number>,
  w: number,
  h: number,
  rgbStep: number,
): BlockQuicklook {
  const { before, after } = planes;
  const cells = keptCells(pondPixels, w, h);
  const columns = Math.ceil(w / CELL);
  const area = CELL * CELL;
  const ndviBefore = new Uint8Array(cells.length * area);
  const ndviAfter = new Uint8Array(cells.length * area);
  const rgba = new Uint8Array(cells.length * area * 4);
  cells.forEach((c, k) => {
    const x0 = (c % columns) * CELL;
    const y0 = Math.floor(c / columns) * CELL;
    for (let dy = 0; dy < CELL && y0 + dy < h; dy++) {
      for (let dx = 0; dx < CELL && x0 + dx < w; dx++) {
        const i = (y0 + dy) * w + x0 + dx;
        const o = k * area + dy * CELL + dx;
        ndviBefore[o] = ndviCode(
          (f32At(before.nir, i) - f32At(before.red, i)) / (f32At(before.nir, i) + f32At(before.red, i)),
        );
        ndviAfter[o] = ndviCode(
          (f32At(after.nir, i) - f32At(after.red, i)) / (f32At(after.nir, i) + f32At(after.red, i)),
        );
        rgbAt(after, i, rgba, o * 4);
      }
    }
  });
  return {
    width: w,
    height: h,
    ndvi20: {
      width: (w + 1) >> 1,
      height: (h + 1) >> 1,
      before: ndvi20(before.nir, before.red, w, h),
      after: ndvi20(after.nir, after.red, w, h),
    },
    rgb: overview(after, w, h, rgbStep),
    cells: { columns, index: Uint32Array.from(cells), ndviBefore, ndviAfter, rgba },
  };
}

/** The buffers to move (not copy) to the main thread. */
export function quicklookBuffers(q: BlockQuicklook): ArrayBuffer[] {
  return [
    q.ndvi20.before,
    q.ndvi20.after,
    q.rgb.data,
    q.cells.index,
    q.cells.ndviBefore,
    q.cells.ndviAfter,
    q.cells.rgba,
  ].map((a) => a.buffer as ArrayBuffer);
}
