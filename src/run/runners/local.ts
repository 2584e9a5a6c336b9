/**
 * The default runner: every tile in this process, blocks on a local pool of worker threads. Tiles
 * overlap by one: the next starts once the previous has handed out its last block, so the workers
 * do not drain between tiles and a tile's detection on the main thread runs beside the next
 * tile's blocks. The drop-a-failing-item-and-redo-the-tile loop lives here because remote
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

const TILES_IN_FLIGHT = 2;

export interface LocalRunnerOptions {
  /** Worker threads for the CPU kernels (default 2). */
  workers?: number;
}

export class LocalTileRunner implements TileRunner {
  readonly name = 'local';
  constructor(private readonly options: LocalRunnerOptions = {}) {}

  async runTiles(tiles: readonly TilePlan[], ctx: TileRunContext): Promise<TileRunResult> {
    const pool = new WorkerPool({ size: this.options.workers ?? 2, taskTimeoutMs: 10 * 60_000 });
    // A tile that fails stops the one beside it, with its own error as the reason.
    const stop = new AbortController();
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
    const runs: Promise<TileOutcome>[] = [];
    try {
      for (const [k, planned] of tiles.entries()) {
        // Two tiles at most: a tile's planes are the largest thing a scan holds.
        if (k >= TILES_IN_FLIGHT) await runs[k - TILES_IN_FLIGHT];
        let handedOut = (): void => undefined;
        const blocksHandedOut = new Promise<void>((resolve) => (handedOut = resolve));
        const run = runTileDroppingFailedItems(
          planned,
          {
            clock: ctx.clock,
            opened: ctx.opened,
            offsets: ctx.offsets,
            io: ctx.io,
            pool,
            params: ctx.params,
            progress: ctx.progress,
            signal,
            evidence: ctx.evidence ?? false,
            onBlocksHandedOut: handedOut,
          },
          ctx.log,
        );
        run.catch((err: unknown) => stop.abort(err));
        runs.push(run);
        await Promise.race([blocksHandedOut, run]);
      }
      // In plan order, whichever finished first.
      const outcomes = await Promise.all(runs);
      return {
        contexts: outcomes.flatMap((o) => (o.context ? [o.context] : [])),
        skipped: outcomes.flatMap((o) => o.skipped),
      };
    } finally {
      await Promise.allSettled(runs);
      await pool.close();
    }
  }

  async close(): Promise<void> {}
}
