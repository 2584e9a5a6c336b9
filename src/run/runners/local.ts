/**
 * The default runner: every tile in this process, one after the other, blocks on a local pool of
 * worker threads. The drop-a-failing-item-and-redo-the-tile loop lives here because remote
 * workers run exactly the same loop on their tiles.
 */
import { failedItem } from '../item-failure.js';
import type { TilePlan } from '../planner.js';
import { processTile, type TileDeps } from './tile-executor.js';
import { WorkerPool } from '../worker-pool.js';
import type { ScannedTile, SkippedItem, TileRunContext, TileRunner, TileRunResult } from './types.js';

export interface TileOutcome {
  /** Undefined when the tile was left with no usable before or after item. */
  context: ScannedTile | undefined;
  skipped: SkippedItem[];
}

/**
 * Runs one tile; an item whose data cannot be used is dropped (and recorded) and the tile redone
 * without it, until it runs clean or has no before or after item left. Other errors propagate.
 */
export async function runTileDroppingFailedItems(
  planned: TilePlan,
  deps: TileDeps,
  log: (msg: string) => void,
): Promise<TileOutcome> {
  const skipped: SkippedItem[] = [];
  let tp = planned;
  for (;;) {
    try {
      const context = await processTile(tp, deps);
      for (const item of context.emptyItems ?? [])
        skipped.push({ item, reason: `no data over ${tp.tile}: every pixel is nodata (SCL 0)` });
      return { context, skipped };
    } catch (err) {
      const failed = failedItem(err);
      if (!failed) throw err;
      skipped.push({ item: failed.item, reason: failed.reason });
      log(`scan: skipping ${failed.item}: ${failed.reason}`);
      tp = {
        ...tp,
        before: tp.before.filter((i) => i.id !== failed.item),
        after: tp.after.filter((i) => i.id !== failed.item),
      };
      if (tp.before.length === 0 || tp.after.length === 0) {
        skipped.push({
          item: tp.tile,
          reason: `tile skipped: no usable ${tp.before.length === 0 ? 'before' : 'after'} item left`,
        });
        return { context: undefined, skipped };
      }
    }
  }
}

export interface LocalRunnerOptions {
  /** Worker threads for the CPU kernels (default 2). */
  workers?: number;
}

export class LocalTileRunner implements TileRunner {
  readonly name = 'local';
  constructor(private readonly options: LocalRunnerOptions = {}) {}

  async runTiles(tiles: readonly TilePlan[], ctx: TileRunContext): Promise<TileRunResult> {
    const pool = new WorkerPool({ size: this.options.workers ?? 2, taskTimeoutMs: 10 * 60_000 });
    const contexts: ScannedTile[] = [];
    const skipped: SkippedItem[] = [];
    try {
      for (const planned of tiles) {
        const outcome = await runTileDroppingFailedItems(
          planned,
          {
            clock: ctx.clock,
            opened: ctx.opened,
            offsets: ctx.offsets,
            io: ctx.io,
            pool,
            params: ctx.params,
            progress: ctx.progress,
            signal: ctx.signal,
            evidence: ctx.evidence ?? false,
          },
          ctx.log,
        );
        skipped.push(...outcome.skipped);
        if (outcome.context) contexts.push(outcome.context);
      }
    } finally {
      await pool.close();
    }
    return { contexts, skipped };
  }

  async close(): Promise<void> {}
}
