/**
 * Stage 5 of a scan: the planned tiles handed to the runner (in this process or on BullMQ
 * workers), which reads each block's tiles (bounded I/O), processes them on the pool (bounded
 * CPU) and detects per tile. Contexts and skips come back in plan order, whichever runner (and
 * worker) did the work.
 */
import type { TilePlan } from '../planner.js';
import type { ProgressReporter } from '../progress.js';
import type { TileRunContext, TileRunner, TileRunResult } from '../runners/types.js';

export interface ExecuteInput {
  tiles: readonly TilePlan[];
  runner: TileRunner;
  /** Close the runner when done: the scan made it (a runner handed to the scan is the caller's). */
  closeRunner: boolean;
  context: TileRunContext & { progress: ProgressReporter };
  /** Closes the opened assets: here on failure, else by the scan once the tiles are done. */
  closeSources: () => Promise<void>;
}

export async function executeTiles(input: ExecuteInput): Promise<TileRunResult> {
  const { runner, context } = input;
  try {
    return await runner.runTiles(input.tiles, context);
  } catch (err) {
    await input.closeSources();
    throw err;
  } finally {
    context.progress.finish();
    if (input.closeRunner) await runner.close();
  }
}
