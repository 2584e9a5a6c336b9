// Test-only task kinds for WorkerPool, loaded through its `taskModules` option. Plain JS so the
// worker can import it without a build; each misbehaves in one way the pool must survive.
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { threadId } from 'node:worker_threads';

export const tasks = {
  /** Which worker ran this, after an optional wait: spreads tasks over threads in tests. */
  whoami: async ({ waitMs = 0, value } = {}) => {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return { threadId, value };
  },
  /**
   * Waits until `parties` tasks have called it with the same SharedArrayBuffer, then says which
   * worker ran it. Tasks that meet must run at the same time, so on different workers: this
   * spreads tasks over threads by an event, not by a guess at how long a worker takes to start.
   */
  meet: ({ shared, parties, value }) => {
    const count = new Int32Array(shared);
    Atomics.add(count, 0, 1);
    Atomics.notify(count, 0);
    for (let seen = Atomics.load(count, 0); seen < parties; seen = Atomics.load(count, 0)) {
      Atomics.wait(count, 0, seen);
    }
    return { threadId, value };
  },
  /** Blocks its worker until the main thread stores a non-zero value in the shared cell. */
  hold: ({ shared, value }) => {
    const flag = new Int32Array(shared);
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0);
    return { threadId, value };
  },
  /** Sums the bytes of a transferred ArrayBuffer and sends a new one back by transfer. */
  sumBytes: (buffer, context) => {
    const bytes = new Uint8Array(buffer);
    let sum = 0;
    for (const b of bytes) sum += b;
    const reply = new Uint8Array(bytes.length).fill(7);
    context.transfer(reply.buffer);
    return { sum, reply };
  },
  /** Writes value into every cell of a shared Int32Array in place; returns nothing useful. */
  fillShared: ({ shared, value }) => {
    new Int32Array(shared).fill(value);
    return null;
  },
  /** geotiff's web-worker dependency reads workerData.mod in any thread (RELIABILITY.md §0.4). */
  importGeotiff: async () => typeof (await import('geotiff')).fromArrayBuffer,
  throws: ({ message }) => {
    throw new RangeError(message);
  },
  /** Throws outside the handler's promise: an uncaught error that ends the thread. */
  uncaught: ({ message }) => {
    setTimeout(() => {
      throw new Error(message);
    }, 0);
    return new Promise(() => {});
  },
  exit: ({ code }) => process.exit(code),
  /** Keeps JS objects alive until the heap limit kills the worker. */
  oom: () => {
    const hoard = [];
    for (;;) hoard.push(Array.from({ length: 10_000 }, (_, i) => ({ i })));
  },
  /** A busy loop: cannot be interrupted, only terminated. */
  spin: () => {
    for (;;);
  },
};
