/**
 * Bootstrap of every WorkerPool thread: loads the extra task modules it was given, says `ready`,
 * then runs one task per `run` message and answers `done` or `failed`. A handler that throws
 * becomes a `failed` answer; only faults outside a handler's promise (an uncaught throw from a
 * timer, process.exit, running out of heap) end the thread, and the pool replaces it.
 */
import { parentPort, workerData, type Transferable } from 'node:worker_threads';
import type { TaskHandler } from './task-handler.js';
import { builtinTasks, isBuiltinTask, loadBuiltinTask } from './task-registry.js';
import {
  serializeError,
  type RunMessage,
  type WorkerBootData,
  type WorkerMessage,
} from './worker-protocol.js';
import { InternalError } from '../errors.js';

if (parentPort === null) {
  throw new InternalError('worker-entry.js runs only as a WorkerPool thread, not as a script');
}
const port = parentPort;
const post = (message: WorkerMessage, transfer: readonly Transferable[] = []): void =>
  port.postMessage(message, transfer);

function bootData(data: unknown): WorkerBootData {
  const modules = (data as Partial<WorkerBootData> | null)?.taskModules;
  if (!Array.isArray(modules) || !modules.every((m) => typeof m === 'string')) {
    throw new InternalError('WorkerPool worker started without workerData.taskModules');
  }
  return { taskModules: modules };
}

/** Extra kinds, e.g. test tasks: each module exports `tasks: Record<kind, handler>`. */
async function loadExtraTasks(urls: string[]): Promise<Map<string, TaskHandler<unknown>>> {
  const extra = new Map<string, TaskHandler<unknown>>();
  for (const url of urls) {
    const mod = (await import(url)) as { tasks?: unknown };
    if (typeof mod.tasks !== 'object' || mod.tasks === null) {
      throw new InternalError(`task module ${url} has no \`tasks\` export`);
    }
    for (const [kind, handler] of Object.entries(mod.tasks)) {
      if (typeof handler !== 'function')
        throw new InternalError(`task "${kind}" in ${url} is not a function`);
      extra.set(kind, handler as TaskHandler<unknown>);
    }
  }
  return extra;
}

const extraTasks = await loadExtraTasks(bootData(workerData).taskModules);

function handlerFor(kind: string): TaskHandler<unknown> | Promise<TaskHandler<unknown>> {
  const extra = extraTasks.get(kind);
  if (extra) return extra;
  if (isBuiltinTask(kind)) return loadBuiltinTask(kind);
  const known = [...Object.keys(builtinTasks), ...extraTasks.keys()];
  throw new InternalError(`unknown task kind "${kind}" (known: ${known.join(', ')})`);
}

async function run(message: RunMessage): Promise<void> {
  const transfer: Transferable[] = [];
  try {
    const handler = await handlerFor(message.kind);
    const value = await handler(message.input, { transfer: (...items) => void transfer.push(...items) });
    // Throws (DataCloneError) if the result cannot be cloned; reported as this task's failure.
    post({ type: 'done', id: message.id, value }, transfer);
  } catch (error) {
    post({ type: 'failed', id: message.id, error: serializeError(error) });
  }
}

port.on('message', (message: RunMessage) => void run(message));
post({ type: 'ready' });
