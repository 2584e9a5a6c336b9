import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dedupeItems } from '../../src/catalog/dedupe.js';
import { S2_ASSET_KEYS, type S2Asset, type S2AssetKey, type S2Item } from '../../src/catalog/item.js';

function item(id: string, datetime: string, over: Partial<S2Item> = {}): S2Item {
  const assets = Object.fromEntries(
    S2_ASSET_KEYS.map((k) => [k, { href: new URL(`https://example.com/${id}/${k}.tif`) }]),
  ) as Record<S2AssetKey, S2Asset>;
  const m = /^S2([AB])_(\w{5})_\d{8}_(\d)_L2A$/.exec(id);
  return {
    id,
    collection: 'sentinel-2-l2a',
    datetime: new Date(datetime),
    bbox: [98, 25, 99, 26],
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [98, 25],
          [99, 25],
          [99, 26],
          [98, 25],
        ],
      ],
    },
    epsg: 32647,
    gridCode: `MGRS-${m?.[2] ?? '47RMJ'}`,
    platform: m?.[1] === 'B' ? 'sentinel-2b' : 'sentinel-2a',
    cloudCover: 5,
    processingBaseline: '05.10',
    sequence: Number(m?.[3] ?? 0),
    assets,
    ...over,
  };
}

const T = '2024-02-02T04:05:30.879Z';

describe('dedupeItems', () => {
  it('drops a repeated id, first wins, and says so', () => {
    const a = item('S2A_47RMJ_20240202_0_L2A', T);
    const again = item('S2A_47RMJ_20240202_0_L2A', T, { cloudCover: 99 });
    const { kept, dropped } = dedupeItems([a, again]);
    expect(kept).toEqual([a]);
    expect(kept[0]?.cloudCover).toBe(5);
    expect(dropped).toEqual([
      { id: a.id, reason: 'duplicate id: the same item was returned twice', keptId: a.id },
    ]);
  });

  it('keeps the highest sequence of one acquisition whichever comes first', () => {
    const s0 = item('S2A_47RMJ_20240202_0_L2A', T);
    const s1 = item('S2A_47RMJ_20240202_1_L2A', T);
    for (const order of [
      [s0, s1],
      [s1, s0],
    ]) {
      const { kept, dropped } = dedupeItems(order);
      expect(kept.map((i) => i.id)).toEqual([s1.id]);
      expect(dropped).toHaveLength(1);
      expect(dropped[0]).toMatchObject({ id: s0.id, keptId: s1.id });
      expect(dropped[0]?.reason).toMatch(
        /same acquisition as S2A_47RMJ_20240202_1_L2A .*sequence 0 superseded by sequence 1/,
      );
    }
  });

  it('does not merge other platforms, other tiles, other days, or another pass on the same day', () => {
    const base = item('S2A_47RMJ_20240202_0_L2A', T);
    const otherPlatform = item('S2B_47RMJ_20240202_1_L2A', T);
    const otherTile = item('S2A_47RLJ_20240202_1_L2A', T); // overlapping tile: same ground, own grid
    const otherDay = item('S2A_47RMJ_20240207_1_L2A', '2024-02-07T04:05:30.879Z');
    // High-latitude overlap: the same satellite over the same tile twice in a day, ~100 min apart.
    const laterPass = item('S2A_47RMJ_20240202_1_L2A', '2024-02-02T05:45:10.000Z');
    const all = [base, otherPlatform, otherTile, otherDay, laterPass];
    const { kept, dropped } = dedupeItems(all);
    expect(kept).toEqual(all);
    expect(dropped).toEqual([]);
  });

  it('handles three copies and a repeated id together, keeping input order of survivors', () => {
    const x = item('S2B_47RKJ_20240130_0_L2A', '2024-01-30T04:05:18.948Z');
    const s0 = item('S2A_47RMJ_20240202_0_L2A', T);
    const s2 = item('S2A_47RMJ_20240202_2_L2A', T);
    const s1 = item('S2A_47RMJ_20240202_1_L2A', T);
    const { kept, dropped } = dedupeItems([s0, x, s2, s1, x]);
    expect(kept.map((i) => i.id)).toEqual([x.id, s2.id]);
    expect(dropped.map((d) => [d.id, d.keptId])).toEqual([
      [x.id, x.id],
      [s1.id, s2.id],
      [s0.id, s2.id],
    ]);
  });

  it('property: every input id is kept or dropped with a kept id, and kept ids are unique', () => {
    const arb = fc.array(
      fc.record({
        plat: fc.constantFrom('A', 'B'),
        tile: fc.constantFrom('47RMJ', '47RLJ'),
        day: fc.integer({ min: 1, max: 3 }),
        seq: fc.integer({ min: 0, max: 2 }),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const items = specs.map((s) =>
          item(`S2${s.plat}_${s.tile}_2024020${s.day}_${s.seq}_L2A`, `2024-02-0${s.day}T04:00:00Z`),
        );
        const { kept, dropped } = dedupeItems(items);
        const keptIds = kept.map((i) => i.id);
        expect(new Set(keptIds).size).toBe(keptIds.length);
        expect(kept.length + dropped.length).toBe(items.length);
        for (const d of dropped) expect(keptIds).toContain(d.keptId);
        // One survivor per (platform, tile, day), and it has the highest sequence seen.
        const best = new Map<string, number>();
        for (const s of specs) {
          const k = `${s.plat}${s.tile}${s.day}`;
          best.set(k, Math.max(best.get(k) ?? -1, s.seq));
        }
        expect(kept).toHaveLength(best.size);
        for (const i of kept) {
          expect(i.sequence).toBe(best.get(`${i.id[2]}${i.gridCode.slice(5)}${i.id.slice(17, 18)}`));
        }
      }),
    );
  });
});
