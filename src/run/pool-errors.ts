/**
 * How a WorkerPool task can fail besides succeeding. Each names the task (kind, sequence number and
 * the caller's label) so a skipped block can be reported against its input (RELIABILITY.md P5).
 */
import { EXIT_CODES, MinewatchError } from '../errors.js';
import type { SerializedError } from './worker-protocol.js';

/** Identifies one task in messages: `task "B04 47QKE block 3,4" (scan-block #17)`. */
export interface TaskRef {
  kind: string;
  id: number;
  label?: string | undefined;
}

export function describeTask(task: TaskRef): string {
  return task.label === undefined
    ? `task ${task.kind} #${task.id}`
    : `task "${task.label}" (${task.kind} #${task.id})`;
}

/** The handler threw inside the worker. The message is the worker's own; the original class name
 * and `code` survive as remoteName and code (structured clone would lose them). Callers turn the
 * failures they expect (an item failure, by its code) into their own outcome; one that reaches the
 * CLI is a bug, so it exits 70 with the worker's stack. */
export class TaskFailedError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.internal;
  readonly remoteName: string;
  readonly code: string | undefined;
  constructor(
    readonly task: TaskRef,
    remote: SerializedError,
  ) {
    super(remote.message);
    this.remoteName = remote.name;
    this.code = remote.code;
    if (remote.stack !== undefined)
      this.stack = `${remote.stack}\n    at <${describeTask(task)} in a worker>`;
  }
}

export type CrashReason = 'out-of-memory' | 'uncaught-error' | 'exit' | 'bad-message';

/** The worker running this task died (heap limit, uncaught error, process.exit). Only this task
 * fails; the pool has already started a replacement. */
export class WorkerCrashedError extends MinewatchError {
  constructor(
    readonly task: TaskRef,
    readonly reason: CrashReason,
    readonly workerExitCode: number | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super(`worker crashed running ${describeTask(task)}: ${detail}`, { cause });
  }
}

/** The task ran longer than its limit. A busy worker cannot be interrupted, so it was terminated
 * and replaced; the result, if any, is lost. */
export class TaskTimeoutError extends MinewatchError {
  constructor(
    readonly task: TaskRef,
    readonly timeoutMs: number,
  ) {
    super(`${describeTask(task)} timed out after ${timeoutMs} ms; its worker was terminated`);
  }
}

/** close() was called (or the pool broke) before the task finished. */
export class PoolClosedError extends MinewatchError {}

/** A worker died before it was ready: a broken build or a bad task module, not a bad input.
 * Retrying would loop, so the pool closes and every task rejects with this. */
export class WorkerStartupError extends MinewatchError {}
