/**
 * Plan, then execute: items, AOI and the two windows become a plain list of jobs, one per
 * (tile, block), each block aligned with the COGs' internal tiles; only blocks that touch the
 * AOI are planned. Pure: no I/O; tested with no network.
 */
import * as turf from '../geo/turf.js';
import type { MultiPolygon, Polygon, Position } from 'geojson';
import type { S2Item } from '../catalog/item.js';
import { transformPoint } from '../geo/utm.js';
import { at } from '../types/checked.js';

export interface TileGrid {
  epsg: number;
  /** Top-left of the 10 m grid and its size in pixels. */
  originX: number;
  originY: number;
  width: number;
  height: number;
}

export interface BlockJob {
  tile: string;
  /** 10 m pixel window of the block within the tile grid. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TilePlan {
  tile: string;
  grid: TileGrid;
  before: S2Item[];
  after: S2Item[];
  blocks: BlockJob[];
}

export interface PlanSkip {
  item: string;
  reason: string;
}

export interface ScanPlan {
  tiles: TilePlan[];
  skipped: PlanSkip[];
  blockCount: number;
}

/** The 10 m grid an item declares for its red band (proj:transform, proj:shape). */
export function itemGrid(item: S2Item): TileGrid | undefined {
  const red = item.assets.red;
  const t = red.transform;
  const s = red.shape;
  if (!t || !s || t[0] !== 10 || t[4] !== -10 || t[1] !== 0 || t[3] !== 0) return undefined;
  return { epsg: item.epsg, originX: at(t, 2), originY: at(t, 5), width: s[1], height: s[0] };
}

/**
 * The key items are grouped under: one MGRS tile seen through one grid. Items with equal keys are
 * compared with each other; re-scans use it to find the tiles a new acquisition touches.
 */
export function tileKey(item: S2Item): string {
  const grid = itemGrid(item);
  if (!grid) return item.gridCode;
  return `${item.gridCode}@${grid.epsg}:${grid.originX},${grid.originY},${grid.width}x${grid.height}`;
}

/** AOI (WGS84) in a tile's CRS, densified so long edges stay true after projection. */
function aoiInCrs(aoi: Polygon | MultiPolygon, epsg: number): Polygon | MultiPolygon {
  const densify = (ring: Position[]): Position[] => {
    const out: Position[] = [];
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = at(ring, i);
      const b = at(ring, i + 1);
      const ax = at(a, 0);
      const ay = at(a, 1);
      const bx = at(b, 0);
      const by = at(b, 1);
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 0.05));
      for (let k = 0; k < steps; k++) {
        const t = k / steps;
        out.push([ax + t * (bx - ax), ay + t * (by - ay)]);
      }
    }
    out.push(at(ring, ring.length - 1));
    return out.map((p) => transformPoint(4326, epsg, [at(p, 0), at(p, 1)]));
  };
  if (aoi.type === 'Polygon') return { type: 'Polygon', coordinates: aoi.coordinates.map(densify) };
  return { type: 'MultiPolygon', coordinates: aoi.coordinates.map((p) => p.map(densify)) };
}

/**
 * Groups items by MGRS tile and grid. Earth Search items of one tile share one 10980-pixel grid;
 * clipped or locally made catalogues may hold several windows of one tile, and each window is
 * compared only with items of the same window. Blocks are `blockSize` pixels (the COGs' internal
 * tile size) and kept when they touch the AOI.
 */
export function planScan(
  items: { before: readonly S2Item[]; after: readonly S2Item[] },
  aoi: Polygon | MultiPolygon,
  blockSize: (tile: string) => number,
): ScanPlan {
  const skipped: PlanSkip[] = [];
  const byTile = new Map<string, { gridCode: string; grid: TileGrid; before: S2Item[]; after: S2Item[] }>();
  for (const [window, list] of [
    ['before', items.before],
    ['after', items.after],
  ] as const) {
    for (const item of list) {
      const grid = itemGrid(item);
      if (!grid) {
        skipped.push({
          item: item.id,
          reason: 'red asset has no 10 m north-up proj:transform and proj:shape',
        });
        continue;
      }
      const key = tileKey(item);
      const entry = byTile.get(key) ?? { gridCode: item.gridCode, grid, before: [], after: [] };
      entry[window].push(item);
      byTile.set(key, entry);
    }
  }
  // Name each group by its tile; a tile seen through several windows gets the window's origin too.
  const perCode = new Map<string, number>();
  for (const e of byTile.values()) perCode.set(e.gridCode, (perCode.get(e.gridCode) ?? 0) + 1);
  const named = [...byTile.values()].map((e) => ({
    ...e,
    name:
      (perCode.get(e.gridCode) ?? 0) > 1 ? `${e.gridCode}:${e.grid.originX},${e.grid.originY}` : e.gridCode,
  }));
  const tiles: TilePlan[] = [];
  for (const entry of named.sort((a, b) => a.name.localeCompare(b.name))) {
    const tile = entry.name;
    if (entry.before.length === 0 || entry.after.length === 0) {
      for (const it of [...entry.before, ...entry.after]) {
        skipped.push({
          item: it.id,
          reason: `${tile} has no ${entry.before.length === 0 ? 'before' : 'after'}-window acquisition on the same grid to compare with`,
        });
      }
      continue;
    }
    const byTime = (a: S2Item, b: S2Item): number =>
      a.datetime.getTime() - b.datetime.getTime() || a.id.localeCompare(b.id);
    const g = entry.grid;
    const local = aoiInCrs(aoi, g.epsg);
    const size = blockSize(tile);
    const blocks: BlockJob[] = [];
    for (let y = 0; y < g.height; y += size) {
      for (let x = 0; x < g.width; x += size) {
        const w = Math.min(size, g.width - x);
        const h = Math.min(size, g.height - y);
        const x0 = g.originX + x * 10;
        const y0 = g.originY - y * 10;
        const box = turf.bboxPolygon([x0, y0 - h * 10, x0 + w * 10, y0]);
        if (turf.booleanIntersects(box, local)) blocks.push({ tile, x, y, width: w, height: h });
      }
    }
    if (blocks.length > 0)
      tiles.push({
        tile,
        grid: g,
        before: entry.before.sort(byTime),
        after: entry.after.sort(byTime),
        blocks,
      });
  }
  return { tiles, skipped, blockCount: tiles.reduce((s, t) => s + t.blocks.length, 0) };
}
