/**
 * Bounds in-flight I/O (range reads, STAC pages) with p-queue and counts what happened.
 *
 * p-queue ≥ 9 rejects a task past its timeout with TimeoutError; before 9 it resolved `undefined`
 * unless throwOnTimeout was set (RELIABILITY.md §0.5, P6), so a read could vanish silently. The
 * version is pinned in package.json; the unit test asserts the rejection. p-queue frees the slot at
 * the deadline but cannot stop the work, so each task gets its own signal, aborted on timeout as
 * well as when the caller's signal aborts: a fetch given that signal really stops.
 */
import PQueue, { TimeoutError } from 'p-queue';
import { AbortFanout } from './abort-fanout.js';

export { TimeoutError };

export interface IoQueueOptions {
  /** Tasks running at once; default 16 (PERFORMANCE.md §3.6: ≥ 16 ranges in flight). */
  concurrency?: number;
  /** Default per-task limit in ms, counted from start, not while waiting. */
  timeoutMs?: number;
}

export interface IoTaskOptions {
  signal?: AbortSignal;
  /** Overrides the queue's timeoutMs for this task. */
  timeoutMs?: number;
}

/** started = began running; done + failed + cancelled = settled. Timeouts count as failures (P6);
 * a task its caller aborted is cancelled, not failed. */
export interface IoQueueCounts {
  started: number;
  done: number;
  failed: number;
  timedOut: number;
  cancelled: number;
}

export type IoTask<T> = (signal: AbortSignal) => Promise<T>;

export class IoQueue {
  private readonly queue: PQueue;
  private readonly aborts = new AbortFanout();
  private readonly tally: IoQueueCounts = { started: 0, done: 0, failed: 0, timedOut: 0, cancelled: 0 };

  constructor(options: IoQueueOptions = {}) {
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency ${concurrency} is not a positive integer`);
    }
    this.queue = new PQueue({
      concurrency,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
  }

  /** Runs task when a slot is free. Rejects with TimeoutError past the limit, with the caller's
   * abort reason if its signal aborts (a queued task never starts), else with the task's error. */
  async add<T>(task: IoTask<T>, options: IoTaskOptions = {}): Promise<T> {
    const own = new AbortController();
    const caller = options.signal;
    const unsubscribe = caller ? this.aborts.add(caller, () => own.abort(caller.reason)) : undefined;
    try {
      const value = await this.queue.add(
        () => {
          this.tally.started++;
          return task(own.signal);
        },
        { signal: own.signal, ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }) },
      );
      this.tally.done++;
      return value;
    } catch (error) {
      if (error instanceof TimeoutError) {
        this.tally.timedOut++;
        this.tally.failed++;
        own.abort(error);
      } else if (caller?.aborted) {
        this.tally.cancelled++;
      } else {
        this.tally.failed++;
      }
      throw error;
    } finally {
      unsubscribe?.();
    }
  }

  get counts(): Readonly<IoQueueCounts> {
    return { ...this.tally };
  }

  /** Tasks waiting for a slot. */
  get size(): number {
    return this.queue.size;
  }

  /** Tasks running now. */
  get pending(): number {
    return this.queue.pending;
  }

  /** Settles when nothing waits and nothing runs. */
  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }
}
