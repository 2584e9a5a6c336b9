import { describe, expect, inject, it } from 'vitest';
import { closeAssets, openAssets } from '../../src/run/stages/open-assets.js';
import { planTiles } from '../../src/run/stages/plan.js';
import { startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: plan', () => {
  it('plans blocks of the red COG tile size over the usable items only', async () => {
    const s = await startStages(world);
    const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
    await closeAssets(assets.opened);
    const all = planTiles(s.found, assets.usable, assets.opened, s.opts.aoi.geometry);
    expect(all.tiles.length).toBeGreaterThan(0);
    expect(all.skipped).toEqual([]);
    const red = assets.opened.get(`${s.items[0]!.id}/red`)!.header.images[0]!;
    for (const tp of all.tiles) for (const b of tp.blocks) expect(b.width).toBeLessThanOrEqual(red.tileWidth);
    expect(Math.max(...all.tiles.flatMap((tp) => tp.blocks.map((b) => b.width)))).toBe(
      Math.min(red.tileWidth, red.width),
    );

    const dropped = all.tiles[0]!.after[0]!;
    const usable = new Set([...assets.usable].filter((id) => id !== dropped.id));
    const fewer = planTiles(s.found, usable, assets.opened, s.opts.aoi.geometry);
    expect(fewer.tiles.flatMap((tp) => [...tp.before, ...tp.after]).map((i) => i.id)).not.toContain(
      dropped.id,
    );
  });

  it('plans nothing, naming each item, when one window has no usable item', async () => {
    const s = await startStages(world);
    const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
    await closeAssets(assets.opened);
    const usable = new Set(s.found.before.map((i) => i.id));
    const plan = planTiles(s.found, usable, assets.opened, s.opts.aoi.geometry);
    expect(plan.tiles).toEqual([]);
    expect(plan.blockCount).toBe(0);
    expect(plan.skipped.map((k) => k.item).sort()).toEqual(s.found.before.map((i) => i.id).sort());
    for (const k of plan.skipped) expect(k.reason).toMatch(/has no after-window acquisition/);
  });
});
