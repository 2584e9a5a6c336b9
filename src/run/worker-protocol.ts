/**
 * The messages between WorkerPool (main thread) and worker-entry (each worker). Both sides are
 * ours and built together, so plain types suffice; the guard below only protects against a task
 * module that posts on the port itself.
 */

/** workerData of every pool worker. It must stay an object without a `mod` key: geotiff pulls in
 * the `web-worker` package, which destructures `workerData.mod` in any worker thread and throws if
 * workerData is undefined (RELIABILITY.md §0.4, gotcha 1). */
export interface WorkerBootData {
  /** Extra task modules (file URLs) the worker imports at start; each exports `tasks`. */
  taskModules: string[];
}

export interface RunMessage {
  type: 'run';
  id: number;
  kind: string;
  input: unknown;
}

/** An Error flattened for postMessage: structured clone keeps neither custom classes nor `code`. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, id } = value as { type?: unknown; id?: unknown };
  if (type === 'ready') return true;
  return (type === 'done' || type === 'failed') && typeof id === 'number';
}
