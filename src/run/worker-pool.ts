/**
 * A fixed-size pool of worker threads for CPU work (decode, kernels), one task per worker at a time.
 *
 * Faults stay inside a task (RELIABILITY.md P5): a worker that dies fails only its in-flight task
 * with WorkerCrashedError and is replaced at once, so the pool keeps its size and the main thread
 * lives on. A task past its timeout rejects with TaskTimeoutError and its worker is terminated and
 * replaced, because a busy thread cannot be interrupted. An aborted signal removes a queued task;
 * a running task's worker is terminated and replaced too (the work really stops; the cost is one
 * worker start, ~30 ms). resourceLimits cap each worker's JS heap only: ArrayBuffers and typed
 * arrays are outside it (§0.4 gotcha 2), so callers must still check pixel budgets before decoding.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';
import { AbortFanout } from './abort-fanout.js';
import {
  PoolClosedError,
  TaskFailedError,
  TaskTimeoutError,
  WorkerCrashedError,
  WorkerStartupError,
  describeTask,
  type TaskRef,
} from './pool-errors.js';
import type { TaskInput, TaskKind, TaskOutput } from './task-registry.js';
import {
  isWorkerMessage,
  type RunMessage,
  type WorkerBootData,
  type WorkerMessage,
} from './worker-protocol.js';
import { InternalError } from '../errors.js';

export * from './pool-errors.js';

export interface WorkerPoolOptions {
  /** Number of workers; default one per core (os.availableParallelism()). */
  size?: number;
  /** Merged over { maxOldGenerationSizeMb: 512 }. A backstop only: ArrayBuffers are not counted. */
  resourceLimits?: ResourceLimits;
  /** Default per-task limit in ms, counted from dispatch to a worker (not while queued). */
  taskTimeoutMs?: number;
  /** Extra task modules (paths or file URLs of JS files exporting `tasks`) every worker imports at
   * start, besides the built-in registry: test tasks, plugins. */
  taskModules?: readonly (string | URL)[];
}

export interface RunOptions {
  /** Names the task in errors, e.g. the item and block it works on. */
  label?: string;
  /** Overrides the pool's taskTimeoutMs for this task. */
  timeoutMs?: number;
}

export interface WorkerPoolStats {
  size: number;
  workers: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  crashed: number;
  timedOut: number;
  aborted: number;
  replaced: number;
}

const DEFAULT_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 512 };

interface Task extends TaskRef {
  input: unknown;
  transfer: readonly Transferable[];
  signal: AbortSignal | undefined;
  timeoutMs: number | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
  unsubscribe?: () => void;
  timer?: NodeJS.Timeout;
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Set when we terminate it (timeout, abort, close): its exit is expected, not a crash. */
  retired: boolean;
  /** Settles once the worker said 'ready' or exited: only then may it be terminated (stop()). */
  booted: Promise<void>;
  markBooted: () => void;
  task?: Task;
  error?: Error;
}

/**
 * Terminates a slot's worker, but never while it is still booting: a worker terminated while
 * its ES modules load (async fs reads in flight) can abort the whole process with a V8 FATAL
 * ERROR (SIGABRT; nodejs/node#38418). A SIGTERM'd scan aborts its tasks, the pool starts their
 * replacements, and the run's close() would otherwise terminate them mid-boot.
 */
function stop(slot: Slot): Promise<number> {
  return slot.ready ? slot.worker.terminate() : slot.booted.then(() => slot.worker.terminate());
}

/** Workers need a JS file. From dist/ it sits beside this module; under vitest this module runs
 * from src/*.ts, so point at the built copy and say how to make it if it is missing. */
export function workerEntryUrl(moduleUrl: string = import.meta.url): URL {
  let base = moduleUrl;
  if (moduleUrl.endsWith('.ts')) {
    const at = moduleUrl.lastIndexOf('/src/');
    if (at < 0) throw new InternalError(`cannot locate dist/ for ${moduleUrl}`);
    base = `${moduleUrl.slice(0, at)}/dist/${moduleUrl.slice(at + 5, -3)}.js`;
  }
  const url = new URL('./worker-entry.js', base);
  if (!existsSync(fileURLToPath(url))) {
    throw new InternalError(`worker file ${fileURLToPath(url)} is missing: run \`npm run build\` first`);
  }
  return url;
}

export class WorkerPool {
  readonly size: number;
  private readonly entry: URL;
  private readonly boot: WorkerBootData;
  private readonly limits: ResourceLimits;
  private readonly timeoutMs: number | undefined;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private readonly aborts = new AbortFanout();
  private nextId = 1;
  private closed: Error | undefined;
  private readonly counts = { completed: 0, failed: 0, crashed: 0, timedOut: 0, aborted: 0, replaced: 0 };

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? availableParallelism();
    if (!Number.isInteger(this.size) || this.size < 1)
      throw new RangeError(`pool size ${this.size} is not a positive integer`);
    this.entry = workerEntryUrl();
    this.boot = {
      taskModules: (options.taskModules ?? []).map((m) => (m instanceof URL ? m : pathToFileURL(m)).href),
    };
    this.limits = { ...DEFAULT_LIMITS, ...options.resourceLimits };
    this.timeoutMs = options.taskTimeoutMs;
    for (let i = 0; i < this.size; i++) this.spawn();
  }

  /** Runs `kind` on `input` in a worker. `transfer` moves ArrayBuffers instead of copying them (the
   * caller's views are detached); SharedArrayBuffers are shared without being listed. */
  run<TIn, TOut>(
    kind: string,
    input: TIn,
    transfer: readonly Transferable[] = [],
    signal?: AbortSignal,
    options: RunOptions = {},
  ): Promise<TOut> {
    return new Promise<TOut>((resolve, reject) => {
      const task: Task = {
        kind,
        id: this.nextId++,
        label: options.label,
        input,
        transfer,
        signal,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        resolve,
        reject,
      };
      if (this.closed) return reject(this.closed);
      if (signal?.aborted) {
        this.counts.aborted++;
        return reject(abortReason(signal));
      }
      if (signal) task.unsubscribe = this.aborts.add(signal, () => this.abort(task));
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** run() for a built-in kind, typed from the task registry. */
  runTask<K extends TaskKind>(
    kind: K,
    input: TaskInput<K>,
    transfer?: readonly Transferable[],
    signal?: AbortSignal,
    options?: RunOptions,
  ): Promise<TaskOutput<K>> {
    return this.run<TaskInput<K>, TaskOutput<K>>(kind, input, transfer, signal, options);
  }

  stats(): WorkerPoolStats {
    const live = [...this.slots].filter((s) => !s.retired);
    return {
      size: this.size,
      workers: live.length,
      busy: live.filter((s) => s.task).length,
      queued: this.queue.length,
      ...this.counts,
    };
  }

  /** Terminates every worker; queued and running tasks reject with PoolClosedError. */
  async close(): Promise<void> {
    await this.shutdown(new PoolClosedError('worker pool closed'));
  }

  private async shutdown(reason: Error): Promise<void> {
    this.closed ??= reason;
    for (const task of this.queue.splice(0)) this.settle(task, this.closed);
    const exits = [...this.slots].map((slot) => {
      if (slot.task) this.settle(slot.task, this.closed ?? reason);
      slot.retired = true;
      // An idle worker is unref'd; ref it so the process waits for the exit we are awaiting
      // instead of ending with close() never settled.
      slot.worker.ref();
      return stop(slot);
    });
    await Promise.allSettled(exits);
  }

  private spawn(): void {
    const worker = new Worker(this.entry, {
      workerData: this.boot,
      resourceLimits: this.limits,
      // --max-old-space-size on the parent's command line would override resourceLimits.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith('--max-old-space-size')),
    });
    let markBooted = (): void => undefined;
    const booted = new Promise<void>((resolve) => (markBooted = resolve));
    const slot: Slot = { worker, ready: false, retired: false, booted, markBooted };
    this.slots.add(slot);
    worker.on('message', (message: unknown) => this.onMessage(slot, message));
    worker.on('messageerror', (error) =>
      this.crashed(slot, 'bad-message', undefined, `result could not be deserialised: ${error.message}`),
    );
    worker.on('error', (error) => (slot.error ??= error));
    worker.on('exit', (code) => this.onExit(slot, code));
    this.updateRefs();
  }

  /** Terminates a worker we no longer trust (timed out, aborted) and starts its replacement now. */
  private retire(slot: Slot): void {
    if (slot.retired) return;
    slot.retired = true;
    slot.task = undefined;
    void stop(slot);
    if (!this.closed) {
      this.counts.replaced++;
      this.spawn();
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.retired || slot.task) continue;
      const task = this.queue.shift() as Task;
      const message: RunMessage = { type: 'run', id: task.id, kind: task.kind, input: task.input };
      try {
        slot.worker.postMessage(message, task.transfer);
      } catch (error) {
        // Uncloneable input or a bad transfer list: nothing was sent, the worker stays idle.
        this.fail(
          task,
          new InternalError(`cannot send ${describeTask(task)} to a worker: ${String(error)}`, {
            cause: error,
          }),
        );
        continue;
      }
      slot.task = task;
      task.slot = slot;
      if (task.timeoutMs !== undefined) {
        const ms = task.timeoutMs;
        task.timer = setTimeout(() => {
          this.counts.timedOut++;
          this.fail(task, new TaskTimeoutError(task, ms));
          this.retire(slot);
        }, ms);
      }
    }
    this.updateRefs();
  }

  private onMessage(slot: Slot, raw: unknown): void {
    if (!isWorkerMessage(raw)) return;
    const message: WorkerMessage = raw;
    if (message.type === 'ready') {
      slot.ready = true;
      slot.markBooted();
      if (slot.retired) return;
    } else if (slot.retired) {
      return;
    } else if (slot.task?.id === message.id) {
      const task = slot.task;
      slot.task = undefined;
      if (message.type === 'done') this.settle(task, undefined, message.value);
      else this.fail(task, new TaskFailedError(task, message.error));
    }
    this.dispatch();
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot);
    slot.markBooted();
    if (slot.retired) return this.updateRefs();
    if (!slot.ready) {
      const cause = slot.error?.message ?? `exit code ${code}`;
      void this.shutdown(
        new WorkerStartupError(`a pool worker failed to start: ${cause}`, { cause: slot.error }),
      );
      return;
    }
    const oom = (slot.error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    if (oom) {
      const mb = this.limits.maxOldGenerationSizeMb;
      this.crashed(slot, 'out-of-memory', code, `out of memory (JS heap limit ${mb} MB)`);
    } else if (slot.error) {
      this.crashed(slot, 'uncaught-error', code, `uncaught ${slot.error.name}: ${slot.error.message}`);
    } else {
      this.crashed(slot, 'exit', code, `worker exited with code ${code}`);
    }
  }

  /** A worker died or garbled its answer: fail only its task, replace it, carry on. */
  private crashed(
    slot: Slot,
    reason: WorkerCrashedError['reason'],
    code: number | undefined,
    detail: string,
  ): void {
    const task = slot.task;
    if (task) {
      this.counts.crashed++;
      this.fail(task, new WorkerCrashedError(task, reason, code, detail, slot.error));
    }
    this.retire(slot);
    this.dispatch();
  }

  private abort(task: Task): void {
    this.counts.aborted++;
    const slot = task.slot;
    if (slot) {
      this.settle(task, abortReason(task.signal));
      this.retire(slot);
      this.dispatch();
    } else {
      const at = this.queue.indexOf(task);
      if (at >= 0) this.queue.splice(at, 1);
      this.settle(task, abortReason(task.signal));
    }
  }

  /** A failure of the task itself (not an abort or close): counted in `failed` (P6). */
  private fail(task: Task, error: Error): void {
    this.counts.failed++;
    this.settle(task, error);
  }

  /** Every task ends here exactly once: timer and listener released, promise settled. */
  private settle(task: Task, error: Error | undefined, value?: unknown): void {
    clearTimeout(task.timer);
    task.unsubscribe?.();
    if (task.slot?.task === task) task.slot.task = undefined;
    task.slot = undefined;
    if (error) {
      task.reject(error);
    } else {
      this.counts.completed++;
      task.resolve(value);
    }
    this.updateRefs();
  }

  /** Workers keep the process alive only while there is work, so a forgotten close() never hangs
   * a CLI, yet a queued task is never orphaned by an idle event loop. */
  private updateRefs(): void {
    // While closing, workers still exiting keep the process alive until close() settles.
    const busy = this.closed !== undefined || this.queue.length > 0 || [...this.slots].some((s) => s.task);
    for (const slot of this.slots) {
      if (busy) slot.worker.ref();
      else slot.worker.unref();
    }
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('task aborted', 'AbortError');
}
