/**
 * The task kinds a pool worker can run. Adding a kind is one line in `builtinTasks`: a lazy import
 * of a module whose default export is a TaskHandler. Lazy, so the main thread never loads kernel
 * code and a worker only loads the kinds it is actually sent. Test kinds are not here: tests hand
 * their own modules to the pool (WorkerPoolOptions.taskModules, test/fixtures-tasks/).
 */
import type { TaskHandler } from './task-handler.js';

type TaskModule = { default: TaskHandler };

export const builtinTasks = {
  'scan-block': () => import('./tasks/scan-block.js'),
  'encode-cog': () => import('./tasks/encode-cog.js'),
} satisfies Record<string, () => Promise<TaskModule>>;

export type TaskKind = keyof typeof builtinTasks;
type HandlerOf<K extends TaskKind> = Awaited<ReturnType<(typeof builtinTasks)[K]>>['default'];
export type TaskInput<K extends TaskKind> = Parameters<HandlerOf<K>>[0];
export type TaskOutput<K extends TaskKind> = Awaited<ReturnType<HandlerOf<K>>>;

export function isBuiltinTask(kind: string): kind is TaskKind {
  return Object.hasOwn(builtinTasks, kind);
}

/** Imports the handler of a built-in kind (worker side). */
export async function loadBuiltinTask(kind: TaskKind): Promise<TaskHandler<unknown>> {
  const mod: TaskModule = await builtinTasks[kind]();
  // Handlers check their own input shape; the pool's callers are typed through TaskInput<K>.
  return mod.default as TaskHandler<unknown>;
}
