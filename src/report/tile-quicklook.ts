/**
 * A tile's evidence pixels, assembled on the main thread from its blocks' quicklooks
 * (block-quicklook.ts) while the tile is scanned, and reduced to what the outputs need before the
 * next tile starts: the NDVI-change (20 m) and pond-fraction (10 m) rasters as COG bytes, the map
 * overlays (after true colour, NDVI of each season) at the overlay step, and the 10 m cells that
 * lie under a chip of a clearing holding ponds. Nothing here reads imagery or encodes: pure
 * compute; the caller has the COGs written (on the worker pool) from `cogRequests`.
 */
import type { TileDetections } from '../detect/tile-detect.js';
import type { PixelGrid } from '../geo/pixel-geometry.js';
import type { CogMetadata, SparseCogOptions, WriteCogOptions } from '../io/tiff/cog-writer.js';
import { CELL, ndviCode, ndviOfCode, type BlockQuicklook } from './block-quicklook.js';
import { chipSquare, overlayStep } from './evidence-plan.js';
import { at, u8At } from '../types/checked.js';

/** The 10 m planes of one kept cell (CELL² values each; rgba 4 bytes a pixel). */
export interface CellPixels {
  ndviBefore: Uint8Array;
  ndviAfter: Uint8Array;
  rgba: Uint8Array;
}

export interface TileQuicklook {
  tile: string;
  /** The scanned window's 10 m grid (pixel (0, 0) is the window's top-left). */
  grid: PixelGrid;
  width: number;
  height: number;
  /** After true colour, RGBA, one pixel per `step`² 10 m pixels. */
  rgb: { step: number; width: number; height: number; data: Uint8Array };
  /** Each season's NDVI (ndviCode), one pixel per `step`² 10 m pixels (step >= 2). */
  ndvi: { step: number; width: number; height: number; before: Uint8Array; after: Uint8Array };
  /** Kept 10 m cells: `index` holds row * columns + column in the window; planes CELL² per cell. */
  cells: {
    columns: number;
    index: Uint32Array;
    ndviBefore: Uint8Array;
    ndviAfter: Uint8Array;
    rgba: Uint8Array;
  };
  /** Cloud-Optimized GeoTIFFs of the window, ready to write. */
  cogs: { ndviChange: Uint8Array; pondFraction: Uint8Array };
}

/** The two COGs of a tile's quicklook, as the writer takes them (cog-writer.ts). */
export interface QuicklookCogRequests {
  ndviChange: WriteCogOptions;
  pondFraction: SparseCogOptions;
}

/** Stored NDVI-change byte c means (c - 1) / 127 - 1; 0 is no data. */
export const NDVI_CHANGE_SCALE = 1 / 127;
export const NDVI_CHANGE_OFFSET = -128 / 127;
/** Stored pond-fraction byte v means v / 255 of the pixel is open water. */
export const POND_FRACTION_SCALE = 1 / 255;

let CHANGE_CODES: Uint8Array | undefined;

/**
 * The NDVI-change byte of every (after, before) pair of NDVI bytes, `(a << 8) | b`: 0 when either
 * has no value. A table rather than the arithmetic per pixel (a 20 m plane of a whole Sentinel-2
 * tile is 30 M pixels); the same function of the two bytes, so the same bytes.
 */
function changeCodes(): Uint8Array {
  if (CHANGE_CODES) return CHANGE_CODES;
  const t = new Uint8Array(256 * 256);
  for (let a = 1; a < 256; a++)
    for (let b = 1; b < 256; b++) t[(a << 8) | b] = ndviCode(ndviOfCode(a) - ndviOfCode(b));
  CHANGE_CODES = t;
  return t;
}

/** The true-colour overlay step for a tile window: powers of two keeping it within OVERLAY_MAX_PX. */
export function rgbStepFor(width: number, height: number): number {
  return overlayStep({ x: 0, y: 0, width, height });
}

/** Assembles a tile's block quicklooks as the blocks arrive (in any order). */
export class TileQuicklookBuilder {
  private readonly step: number;
  private readonly rgb: Uint8Array;
  private readonly rgbW: number;
  private readonly w20: number;
  private readonly ndviB: Uint8Array;
  private readonly ndviA: Uint8Array;
  private readonly columns: number;
  private readonly cells = new Map<number, CellPixels>();

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.step = rgbStepFor(width, height);
    this.rgbW = Math.ceil(width / this.step);
    this.rgb = new Uint8Array(this.rgbW * Math.ceil(height / this.step) * 4);
    this.w20 = (width + 1) >> 1;
    this.ndviB = new Uint8Array(this.w20 * ((height + 1) >> 1));
    this.ndviA = new Uint8Array(this.ndviB.length);
    this.columns = Math.ceil(width / CELL);
  }

  get rgbStep(): number {
    return this.step;
  }

  /** Pastes the quicklook of the block whose top-left pixel is (dx, dy) of the window. */
  add(q: BlockQuicklook, dx: number, dy: number): void {
    // Blocks follow the COG tiles (multiples of 256 px), so every grid below lines up with them.
    if (dx % CELL !== 0 || dy % CELL !== 0 || dx % this.step !== 0 || dy % this.step !== 0)
      throw new RangeError(`quicklook of block at ${dx},${dy} does not line up with the tile's grids`);
    const { rgb, ndvi20, cells } = q;
    for (let y = 0; y < rgb.height; y++) {
      const at = ((dy / this.step + y) * this.rgbW + dx / this.step) * 4;
      this.rgb.set(rgb.data.subarray(y * rgb.width * 4, (y + 1) * rgb.width * 4), at);
    }
    for (let y = 0; y < ndvi20.height; y++) {
      const at = (dy / 2 + y) * this.w20 + dx / 2;
      this.ndviB.set(ndvi20.before.subarray(y * ndvi20.width, (y + 1) * ndvi20.width), at);
      this.ndviA.set(ndvi20.after.subarray(y * ndvi20.width, (y + 1) * ndvi20.width), at);
    }
    const area = CELL * CELL;
    cells.index.forEach((c, k) => {
      const cx = (c % cells.columns) + dx / CELL;
      const cy = Math.floor(c / cells.columns) + dy / CELL;
      this.cells.set(cy * this.columns + cx, {
        ndviBefore: cells.ndviBefore.subarray(k * area, (k + 1) * area),
        ndviAfter: cells.ndviAfter.subarray(k * area, (k + 1) * area),
        rgba: cells.rgba.subarray(k * area * 4, (k + 1) * area * 4),
      });
    });
  }

  /**
   * What the tile's two COGs hold, ready for the writer: the NDVI change and the pond fraction.
   * Neither depends on the detections, so the caller can have them encoded while it detects the
   * tile. Their pixels are fresh copies the caller may move to another thread. `pondF` is the
   * tile's dense pond-fraction plane and `pondPixels` the indices where it may be non-zero (the
   * evidence rows).
   */
  cogRequests(x: {
    grid: PixelGrid;
    pondF: Uint8Array;
    pondPixels: ArrayLike<number>;
    metadata: Record<string, string>;
  }): QuicklookCogRequests {
    const h20 = (this.height + 1) >> 1;
    const change = new Uint8Array(this.ndviB.length);
    const lut = changeCodes();
    for (let i = 0; i < change.length; i++)
      change[i] = u8At(lut, (u8At(this.ndviA, i) << 8) | u8At(this.ndviB, i));
    const grid20: PixelGrid = { ...x.grid, pixelSize: x.grid.pixelSize * 2 };
    const meta = (band: CogMetadata['band']): CogMetadata => ({ items: x.metadata, band });
    const ndviChange: WriteCogOptions = {
      width: this.w20,
      height: h20,
      dataType: 'uint8',
      data: change,
      georef: grid20,
      nodata: 0,
      tileSize: 512,
      compressionLevel: 1,
      metadata: meta({
        description: 'NDVI after minus NDVI before (clear-sky median composites, 20 m mean)',
        scale: NDVI_CHANGE_SCALE,
        offset: NDVI_CHANGE_OFFSET,
      }),
    };
    return { ndviChange, pondFraction: pondFractionCog(x, this.width, this.height, meta) };
  }

  /**
   * The tile's quicklook: overlays sampled, and only the cells under the chip of a clearing with
   * at least `minPonds` pond peaks kept; `cogs` written from cogRequests.
   */
  build(x: {
    tile: string;
    grid: PixelGrid;
    detections: TileDetections;
    minPonds: number;
    cogs: TileQuicklook['cogs'];
  }): TileQuicklook {
    const { width, height } = this;
    const h20 = (height + 1) >> 1;
    const ndviStep = Math.max(2, this.step);
    const k = ndviStep / 2;
    const nw = Math.ceil(width / ndviStep);
    const nh = Math.ceil(height / ndviStep);
    const sample = (plane: Uint8Array): Uint8Array => {
      if (k === 1) return plane;
      const out = new Uint8Array(nw * nh);
      for (let y = 0; y < nh; y++) {
        const sy = Math.min(h20 - 1, y * k + (k >> 1));
        for (let xx = 0; xx < nw; xx++)
          out[y * nw + xx] = u8At(plane, sy * this.w20 + Math.min(this.w20 - 1, xx * k + (k >> 1)));
      }
      return out;
    };
    return {
      tile: x.tile,
      grid: x.grid,
      width,
      height,
      rgb: {
        step: this.step,
        width: this.rgbW,
        height: Math.ceil(height / this.step),
        data: this.rgb,
      },
      ndvi: { step: ndviStep, width: nw, height: nh, before: sample(this.ndviB), after: sample(this.ndviA) },
      cells: this.chipCells(x.detections, x.minPonds),
      cogs: x.cogs,
    };
  }

  /** The kept cells that lie under the chip square of a clearing with enough pond peaks. */
  private chipCells(d: TileDetections, minPonds: number): TileQuicklook['cells'] {
    const wanted = new Set<number>();
    for (const c of d.clearings) {
      const peaks = c.ponds.reduce((s, k) => s + (d.ponds[k]?.peaks ?? 0), 0);
      if (peaks < minPonds) continue;
      const pts = c.polygons.flat(2);
      if (pts.length === 0) continue;
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      const sq = chipSquare(
        Math.min(...xs),
        Math.min(...ys),
        Math.max(...xs),
        Math.max(...ys),
        this.width,
        this.height,
      );
      for (let cy = Math.floor(sq.y / CELL); cy * CELL < sq.y + sq.height; cy++)
        for (let cx = Math.floor(sq.x / CELL); cx * CELL < sq.x + sq.width; cx++)
          if (this.cells.has(cy * this.columns + cx)) wanted.add(cy * this.columns + cx);
    }
    // Copies, so the blocks' buffers (most of their cells not kept) can be freed.
    const index = Uint32Array.from([...wanted].sort((a, b) => a - b));
    const area = CELL * CELL;
    const out = {
      columns: this.columns,
      index,
      ndviBefore: new Uint8Array(index.length * area),
      ndviAfter: new Uint8Array(index.length * area),
      rgba: new Uint8Array(index.length * area * 4),
    };
    index.forEach((c, k) => {
      const cell = this.cells.get(c) as CellPixels;
      out.ndviBefore.set(cell.ndviBefore, k * area);
      out.ndviAfter.set(cell.ndviAfter, k * area);
      out.rgba.set(cell.rgba, k * area * 4);
    });
    return out;
  }
}

/** The pond-fraction plane as a sparse COG: only its non-zero pixels, so only 512² tiles holding one are stored. */
function pondFractionCog(
  x: { grid: PixelGrid; pondF: Uint8Array; pondPixels: ArrayLike<number> },
  width: number,
  height: number,
  meta: (band: CogMetadata['band']) => CogMetadata,
): SparseCogOptions {
  let n = 0;
  for (let k = 0; k < x.pondPixels.length; k++) if (u8At(x.pondF, at(x.pondPixels, k)) !== 0) n++;
  const pixels = new Uint32Array(n);
  const values = new Uint8Array(n);
  for (let k = 0, j = 0; k < x.pondPixels.length; k++) {
    const i = at(x.pondPixels, k);
    const v = u8At(x.pondF, i);
    if (v === 0) continue;
    pixels[j] = i;
    values[j++] = v;
  }
  return {
    width,
    height,
    georef: x.grid,
    tileSize: 512,
    compressionLevel: 6,
    metadata: meta({
      description: 'Open-water fraction of new ponds (sub-pixel unmixing)',
      scale: POND_FRACTION_SCALE,
    }),
    pixels,
    values,
  };
}
