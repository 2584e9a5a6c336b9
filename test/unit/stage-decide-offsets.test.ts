import { describe, expect, inject, it } from 'vitest';
import { MemoryByteSource } from '../../src/io/byte-source.js';
import { decideOffsets } from '../../src/run/stages/decide-offsets.js';
import { closeAssets, openAssets } from '../../src/run/stages/open-assets.js';
import { startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: decide offsets', () => {
  it('decides one offset per usable item from its red pixels, the ones of baseline 04.00 at -1000', async () => {
    const s = await startStages(world);
    const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
    try {
      const { offsets, usable, skipped } = await decideOffsets(s.items, assets, s.io);
      expect(skipped).toEqual([]);
      expect(usable).toEqual(assets.usable);
      expect([...offsets.keys()].sort()).toEqual(s.items.map((i) => i.id).sort());
      for (const item of s.items) {
        const o = offsets.get(item.id)!;
        expect(o.offsetDn, item.id).toBe(item.datetime >= new Date('2022-01-25') ? -1000 : 0);
      }
    } finally {
      await closeAssets(assets.opened);
    }
  });

  it('drops an item whose red cannot be read, keeps the rest, and leaves its input alone', async () => {
    const s = await startStages(world);
    const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
    const victim = s.items[0]!;
    // The red header as read, but its bytes gone: every read of a tile is out of range.
    const opened = new Map(assets.opened);
    const red = opened.get(`${victim.id}/red`)!;
    opened.set(`${victim.id}/red`, {
      header: red.header,
      source: new MemoryByteSource(new Uint8Array(0), 'gone'),
    });
    try {
      const { offsets, usable, skipped } = await decideOffsets(
        s.items,
        { opened, usable: assets.usable },
        s.io,
      );
      expect(usable.has(victim.id)).toBe(false);
      expect(assets.usable.has(victim.id)).toBe(true);
      expect(offsets.has(victim.id)).toBe(false);
      expect(offsets.size).toBe(s.items.length - 1);
      expect(skipped.map((k) => k.item)).toEqual([victim.id]);
      expect(skipped[0]?.reason).toMatch(/^cannot read its red overview: /);
    } finally {
      await closeAssets(assets.opened);
    }
  });

  it('reads only the items it is told are usable', async () => {
    const s = await startStages(world);
    const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
    try {
      const only = new Set([s.items[0]!.id]);
      const { offsets } = await decideOffsets(s.items, { opened: assets.opened, usable: only }, s.io);
      expect([...offsets.keys()]).toEqual([...only]);
    } finally {
      await closeAssets(assets.opened);
    }
  });
});
