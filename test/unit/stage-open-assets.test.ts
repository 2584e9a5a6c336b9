import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { assetKeysOf } from '../../src/catalog/item.js';
import type { ByteSource } from '../../src/io/byte-source.js';
import { closeAssets, openAssets } from '../../src/run/stages/open-assets.js';
import { startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-stage-open-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A real byte source that remembers whether it was closed. */
function closeTracked(source: ByteSource, closed: Set<string>): ByteSource {
  return {
    id: source.id,
    read: (o, l, s) => source.read(o, l, s),
    size: () => source.size(),
    close: async () => {
      closed.add(source.id);
      await source.close();
    },
  };
}

describe('scan stage: open assets', () => {
  it('opens every asset of every item, with its header, and calls every item usable', async () => {
    const s = await startStages(world);
    const { opened, usable, skipped } = await openAssets({
      items: s.items,
      allow: s.clients.allow,
      open: s.open,
      io: s.io,
    });
    try {
      expect(skipped).toEqual([]);
      expect([...usable].sort()).toEqual(s.items.map((i) => i.id).sort());
      const keys = s.items.flatMap((i) => assetKeysOf(i).map((b) => `${i.id}/${b}`));
      expect([...opened.keys()].sort()).toEqual(keys.sort());
      for (const { header } of opened.values()) expect(header.images[0]?.width).toBeGreaterThan(0);
    } finally {
      await closeAssets(opened);
    }
  });

  it('skips an item whose asset the policy refuses, before opening it', async () => {
    const s = await startStages(world);
    const victim = s.items[0]!;
    const refused = new URL(victim.assets.red.href);
    const asked: string[] = [];
    const { opened, usable, skipped } = await openAssets({
      items: s.items,
      allow: (u) => u.href !== refused.href && s.clients.allow(u),
      open: (item, href) => {
        asked.push(href.href);
        return s.open(item, href);
      },
      io: s.io,
    });
    await closeAssets(opened);
    expect(usable.has(victim.id)).toBe(false);
    expect(asked).not.toContain(refused.href);
    expect(skipped).toEqual([
      {
        item: victim.id,
        reason: `cannot read its COGs: asset "red" href ${refused.href} rejected by the asset policy`,
      },
    ]);
  });

  it('skips an item whose header does not parse, and closes that file', async () => {
    const copy = path.join(tmp, 'world');
    cpSync(world, copy, { recursive: true });
    const s = await startStages(copy);
    const victim = s.items[1]!;
    writeFileSync(fileURLToPath(victim.assets.blue.href), 'not a TIFF at all, just text that is long enough');
    const closed = new Set<string>();
    const { opened, usable, skipped } = await openAssets({
      items: s.items,
      allow: s.clients.allow,
      open: (item, href) => closeTracked(s.open(item, href), closed),
      io: s.io,
    });
    expect(usable.has(victim.id)).toBe(false);
    expect(skipped.map((k) => k.item)).toEqual([victim.id]);
    expect(skipped[0]?.reason).toMatch(/^cannot read its COGs: /);
    expect(opened.has(`${victim.id}/blue`)).toBe(false);
    expect(closed.size).toBe(1);
    await closeAssets(opened);
    expect(closed.size).toBe(opened.size + 1);
  });
});
