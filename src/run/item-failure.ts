/**
 * One item's data could not be used (an asset that 404s, a corrupt tile, a Content-Range that
 * lies): the scan drops that item, records why, and redoes the tile without it, so one bad
 * file never sinks a run and never half-contributes to a composite.
 */
import { EXIT_CODES, MinewatchError } from '../errors.js';

export const ITEM_FAILED = 'MINEWATCH_ITEM_FAILED';

/** The scan catches every one of these and drops the item; one that reaches the CLI is a bug (70). */
export class ItemFailedError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.internal;
  readonly code = ITEM_FAILED;
  constructor(
    readonly item: string,
    readonly reason: string,
  ) {
    // The message carries the item id first so it survives the trip out of a worker.
    super(`${item}: ${reason}`);
  }
}

/** The failed item of an error from this thread or a worker, if it is an item failure. */
export function failedItem(err: unknown): { item: string; reason: string } | undefined {
  if (err instanceof ItemFailedError) return { item: err.item, reason: err.reason };
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e && e.code === ITEM_FAILED && typeof e.message === 'string') {
    const at = e.message.indexOf(': ');
    if (at > 0) return { item: e.message.slice(0, at), reason: e.message.slice(at + 2) };
  }
  return undefined;
}
