/**
 * B12 (`swir22`) is optional on an item: read where present, absent is no error, malformed is;
 * the ledger codec keeps it; run.json says which after-season items had none.
 */
import { describe, expect, it } from 'vitest';
import { assetKeysOf, parseS2Item, S2_ASSET_KEYS, StacItemError } from '../../src/catalog/item.js';
import { decodeItem, encodeItem } from '../../src/state/item-codec.js';
import { swirProvenance } from '../../src/run/stages/provenance.js';
import { lookBands } from '../../src/run/tasks/scan-block.js';

const BASE = new URL('file:///data/world/stac/items.json');

function item(id: string, withB12: boolean | 'broken'): unknown {
  const asset = (file: string): Record<string, unknown> => ({ href: `../assets/${id}/${file}` });
  const assets: Record<string, unknown> = Object.fromEntries(
    S2_ASSET_KEYS.map((k) => [k, asset(`${k}.tif`)]),
  );
  if (withB12 === true) assets['swir22'] = asset('B12.tif');
  if (withB12 === 'broken') assets['swir22'] = { type: 'image/tiff' };
  return {
    type: 'Feature',
    id,
    collection: 'sentinel-2-l2a',
    bbox: [97.98, 25.29, 99.09, 26.3],
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [97.98, 26.3],
          [97.99, 25.29],
          [99.09, 25.3],
          [97.98, 26.3],
        ],
      ],
    },
    properties: {
      datetime: '2024-01-05T04:07:27Z',
      platform: 'sentinel-2a',
      'proj:epsg': 32647,
      'grid:code': 'MGRS-47RMJ',
    },
    assets,
  };
}

describe('the optional B12 asset', () => {
  it('is read where the item has it, and only after-season looks fetch it', () => {
    const a = parseS2Item(item('S2A_47RMJ_20240105_0_L2A', true), BASE);
    expect(a.assets.swir22?.href.href).toBe('file:///data/world/assets/S2A_47RMJ_20240105_0_L2A/B12.tif');
    expect(assetKeysOf(a)).toEqual([...S2_ASSET_KEYS, 'swir22']);
    expect(lookBands(a, 'after')).toContain('swir22');
    expect(lookBands(a, 'before')).not.toContain('swir22');
  });

  it('absent is no error; present without an href is, naming the asset', () => {
    const b = parseS2Item(item('S2A_47RMJ_20240110_0_L2A', false), BASE);
    expect(b.assets.swir22).toBeUndefined();
    expect(assetKeysOf(b)).toEqual([...S2_ASSET_KEYS]);
    expect(lookBands(b, 'after')).not.toContain('swir22');
    expect(() => parseS2Item(item('S2A_47RMJ_20240115_0_L2A', 'broken'), BASE)).toThrow(StacItemError);
    expect(() => parseS2Item(item('S2A_47RMJ_20240115_0_L2A', 'broken'), BASE)).toThrow(/swir22/);
  });

  it('survives the ledger codec, with and without', () => {
    for (const withB12 of [true, false]) {
      const a = parseS2Item(item('S2A_47RMJ_20240105_0_L2A', withB12), BASE);
      const back = decodeItem(encodeItem(a));
      expect(back.assets.swir22?.href.href).toBe(a.assets.swir22?.href.href);
      expect(assetKeysOf(back)).toEqual(assetKeysOf(a));
    }
  });

  it('run.json names the items judged on B11 alone', () => {
    const a = parseS2Item(item('S2A_47RMJ_20240105_0_L2A', true), BASE);
    const b = parseS2Item(item('S2A_47RMJ_20240110_0_L2A', false), BASE);
    expect(swirProvenance([a, b])).toEqual({
      b12_items: 1,
      b11_only_items: ['S2A_47RMJ_20240110_0_L2A'],
      used: 'B11 and B12 where the item has B12; B11 alone elsewhere',
    });
    expect(swirProvenance([a]).used).toBe('B11 and B12');
    expect(swirProvenance([b]).used).toMatch(/^B11 only/);
  });
});
