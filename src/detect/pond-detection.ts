/** A pond found in a tile's evidence: the statistics of its pixels and whether it is a leach pond. */
import type { Component } from '../raster/label.js';
import type { PixelPolygon } from '../raster/vectorise.js';
import { at, u8At } from '../types/checked.js';
import { POND_NEAR_OLD_WATER, pondKindOf } from './compact-block.js';
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
import { PondKind } from './pond-unmixing.js';
import { forEachPixel, polygons, type Local } from './tile-components.js';

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

/** What a pond component's evidence says: water area, kind, SWIR material and shape. */
export function pondStats(ev: TileEvidence, loc: Local, c: Component): PondDetection {
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
      const share = u8At(a.pondShare, r);
      if (share > 0 && !cells.has(cell))
        cells.set(cell, {
          f20: decodeShare(share),
          green: decodeImplied(u8At(a.pondGreen, r)),
          swir16: decodeImplied(u8At(a.pondSwir16, r)),
          swir22: decodeImplied(u8At(a.pondSwir22, r)),
        });
      if (u8At(a.pondContext, r) & POND_NEAR_OLD_WATER) near++;
    }
    const f = u8At(ev.pondF, i);
    water += f / 255;
    if (f > max) max = f;
    const k = pondKindOf(u8At(ev.flags, i));
    kinds[k] = at(kinds, k) + f;
    if (isPeak(ev.pondF, w, h, x, y, loc, c)) peaks++;
  });
  const weight = (k: number): number => kinds[k] ?? 0;
  const turquoise = weight(PondKind.Turquoise);
  const dark = weight(PondKind.Dark);
  const turbid = weight(PondKind.Turbid);
  const kind = turquoise >= Math.max(dark, turbid) ? 'turquoise' : dark >= turbid ? 'dark' : 'turbid';
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
  const v = u8At(f, y * w + x);
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (dx === 0 && dy === 0) continue;
      const xx = x + dx;
      const yy = y + dy;
      if (xx < c.minX || yy < c.minY || xx > c.maxX || yy > c.maxY || xx >= w || yy >= h) continue;
      if (loc.labels[(yy - c.minY) * loc.width + xx - c.minX] !== loc.label) continue;
      const u = u8At(f, yy * w + xx);
      if (u > v || (u === v && (dy < 0 || (dy === 0 && dx < 0)))) return false;
    }
  }
  return true;
}
