import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import { ProgressReporter, type ProgressSink } from '../../src/run/progress.js';
import { LocalTileRunner } from '../../src/run/runners/local.js';
import type { TileRunner } from '../../src/run/runners/types.js';
import { executeTiles } from '../../src/run/stages/execute.js';
import { stacUrl } from '../../src/run/stages/clients.js';
import { decideOffsets } from '../../src/run/stages/decide-offsets.js';
import { closeAssets, openAssets } from '../../src/run/stages/open-assets.js';
import { planTiles } from '../../src/run/stages/plan.js';
import { runToExecuted, startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: execute', () => {
  it('runs the planned tile on the pool and hands back its context, with the items that fed it', async () => {
    const r = await runToExecuted(world);
    const tp = r.plan.tiles[0]!;
    expect(r.ran.contexts.map((c) => c.tile)).toEqual([tp.tile]);
    const ctx = r.ran.contexts[0]!;
    expect(ctx.beforeItems.length).toBeGreaterThan(0);
    for (const id of ctx.beforeItems) expect(tp.before.map((i) => i.id)).toContain(id);
    for (const a of ctx.afterItems) expect(tp.after.map((i) => i.id)).toContain(a.id);
  });

  it('on failure closes the sources and finishes the progress line; closes the runner only if it owns it', async () => {
    const s = await startStages(world);
    const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
    const decided = await decideOffsets(s.items, assets, s.io);
    const plan = planTiles(s.found, decided.usable, assets.opened, s.opts.aoi.geometry);
    const stop = new AbortController();
    stop.abort(new Error('stopped by the test'));
    const attempt = async (
      closeRunner: boolean,
    ): Promise<{ err: unknown; lines: string; closed: number[] }> => {
      const lines: string[] = [];
      const sink: ProgressSink = { write: (t: string) => lines.push(t), isTTY: false };
      const progress = new ProgressReporter({ total: plan.blockCount, label: 'blocks', stderr: sink });
      const closed = [0, 0];
      const local = new LocalTileRunner({ workers: 1 });
      const runner: TileRunner = {
        name: 'counted',
        runTiles: (tiles, ctx) => local.runTiles(tiles, ctx),
        close: async () => {
          closed[1]!++;
          await local.close();
        },
      };
      const err = await executeTiles({
        tiles: plan.tiles,
        runner,
        closeRunner,
        closeSources: async () => {
          closed[0]!++;
          await closeAssets(assets.opened);
        },
        context: {
          stac: stacUrl(s.opts.stac),
          opened: assets.opened,
          offsets: decided.offsets,
          io: s.io,
          concurrency: 2,
          params: DEFAULT_PARAMS,
          progress,
          clock: { read: 0, compute: 0, assemble: 0, detect: 0 },
          log: () => undefined,
          signal: stop.signal,
          evidence: false,
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { err, lines: lines.join(''), closed };
    };
    const owned = await attempt(true);
    expect(owned.err).toBeInstanceOf(Error);
    expect(owned.closed).toEqual([1, 1]);
    expect(owned.lines).toMatch(new RegExp(`^blocks 0/${plan.blockCount} \\(0%\\) · took `));
    const handed = await attempt(false);
    expect(handed.err).toBeInstanceOf(Error);
    expect(handed.closed).toEqual([1, 0]);
  });
});
