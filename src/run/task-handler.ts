/**
 * What a pool task is: a function a worker runs on a structured-cloned input, with a context to
 * transfer buffers back. Its own file so that task modules (run/tasks/) and the registry that
 * lists them (task-registry.ts) both import it without importing each other.
 */
import type { Transferable } from 'node:worker_threads';

/** What a handler gets besides its input. */
export interface TaskContext {
  /** Move these buffers to the main thread with the result instead of copying them (the worker's
   * views of them are detached afterwards). SharedArrayBuffers need no transfer: they are shared. */
  transfer(...items: Transferable[]): void;
}

/** Runs inside a worker. Input and output cross threads by structured clone. */
export type TaskHandler<TIn = never, TOut = unknown> = (
  input: TIn,
  context: TaskContext,
) => TOut | Promise<TOut>;
