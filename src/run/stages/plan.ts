/**
 * Stage 4 of a scan: the usable items grouped into tiles and the blocks of each tile that touch
 * the AOI (planner.ts). Blocks follow the red COG's internal tile size, read from the headers
 * already opened. Pure.
 */
import type { Polygon, MultiPolygon } from 'geojson';
import type { FoundItems, S2Item } from '../../catalog/index.js';
import type { OpenedAsset } from '../block-reader.js';
import { planScan, type ScanPlan } from '../planner.js';

/** The block size when no usable item of the tile has a red header to read it from. */
const DEFAULT_BLOCK = 1024;

export function planTiles(
  found: Pick<FoundItems, 'before' | 'after'>,
  usable: ReadonlySet<string>,
  opened: ReadonlyMap<string, OpenedAsset>,
  aoi: Polygon | MultiPolygon,
): ScanPlan {
  const keep = (list: readonly S2Item[]): S2Item[] => list.filter((i) => usable.has(i.id));
  const items = [...found.before, ...found.after];
  return planScan({ before: keep(found.before), after: keep(found.after) }, aoi, (tile) => {
    const any = items.find((i) => tile.startsWith(i.gridCode) && usable.has(i.id));
    return any
      ? ((opened.get(`${any.id}/red`) as OpenedAsset).header.images[0]?.tileWidth ?? DEFAULT_BLOCK)
      : DEFAULT_BLOCK;
  });
}
