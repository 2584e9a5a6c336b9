/**
 * WorkerPool on real threads. Needs the build (dist/run/worker-entry.js): `make test` does it, or
 * `npx tsc -p tsconfig.json`. Test task kinds live in test/fixtures-tasks/ (echo-task.js, hostile-tasks.js).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  PoolClosedError,
  TaskFailedError,
  TaskTimeoutError,
  WorkerCrashedError,
  WorkerPool,
  WorkerStartupError,
  workerEntryUrl,
  type WorkerPoolOptions,
} from '../../src/run/worker-pool.js';

const hostile = new URL('../fixtures-tasks/hostile-tasks.js', import.meta.url);
const echo = new URL('../fixtures-tasks/echo-task.js', import.meta.url);
const pools: WorkerPool[] = [];
function pool(options: WorkerPoolOptions = {}): WorkerPool {
  const p = new WorkerPool({ size: 2, taskModules: [echo, hostile], ...options });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

interface Who {
  threadId: number;
  value: unknown;
}
/** Polls pool state until it holds; the test's own timeout bounds the wait. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}
const whoami = (p: WorkerPool, value: unknown, waitMs = 0, signal?: AbortSignal): Promise<Who> =>
  p.run<unknown, Who>('whoami', { value, waitMs }, [], signal);
/** Tasks that return only once all of them run at once: on as many workers as there are values. */
const meet = (p: WorkerPool, values: unknown[]): Promise<Who>[] => {
  const shared = new SharedArrayBuffer(4);
  return values.map((value) => p.run<unknown, Who>('meet', { shared, parties: values.length, value }));
};
/** A task that keeps its worker busy until release() is called. */
function hold(
  p: WorkerPool,
  value: unknown,
  signal?: AbortSignal,
): { done: Promise<Who>; release: () => void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const done = p.run<unknown, Who>('hold', { shared: flag.buffer, value }, [], signal);
  const release = (): void => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  return { done, release };
}

describe('WorkerPool', () => {
  it('returns every result of many tasks, spread over both workers', async () => {
    const p = pool();
    const inputs = Array.from({ length: 200 }, (_, i) => ({ i, text: `n${i}` }));
    const outputs = await Promise.all(inputs.map((input) => p.run('echo', input)));
    expect(outputs).toEqual(inputs);
    // Each pair only returns when both run at once, so each pair spans both workers.
    const who = await Promise.all([...meet(p, [0, 1]), ...meet(p, [2, 3])]);
    expect(who.map((w) => w.value)).toEqual([0, 1, 2, 3]);
    expect(new Set(who.map((w) => w.threadId)).size).toBe(2);
    expect(p.stats()).toMatchObject({ size: 2, workers: 2, busy: 0, queued: 0, completed: 204, failed: 0 });
  });

  it('moves a large ArrayBuffer by transfer both ways (the source is detached)', async () => {
    const p = pool();
    const bytes = new Uint8Array(64 * 1024 * 1024).fill(3);
    const out = await p.run<ArrayBuffer, { sum: number; reply: Uint8Array }>('sumBytes', bytes.buffer, [
      bytes.buffer,
    ]);
    expect(bytes.buffer.byteLength).toBe(0);
    expect(out.sum).toBe(3 * 64 * 1024 * 1024);
    expect(out.reply).toBeInstanceOf(Uint8Array);
    expect(out.reply.length).toBe(64 * 1024 * 1024);
    expect(out.reply[12345]).toBe(7);
  });

  it('shares a SharedArrayBuffer: what a worker writes, the main thread sees', async () => {
    const p = pool();
    const shared = new SharedArrayBuffer(4 * 1000);
    await p.run('fillShared', { shared, value: 42 });
    const view = new Int32Array(shared);
    expect(view[0]).toBe(42);
    expect(view[999]).toBe(42);
  });

  it('rejects a task that throws with the worker message and keeps working', async () => {
    const p = pool();
    const error: unknown = await p
      .run('throws', { message: 'tile 3 is corrupt' }, [], undefined, { label: 'B04 block 1,2' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).message).toBe('tile 3 is corrupt');
    expect((error as TaskFailedError).remoteName).toBe('RangeError');
    expect((error as TaskFailedError).task.label).toBe('B04 block 1,2');
    await expect(p.run('echo', 'still here')).resolves.toBe('still here');
    expect(p.stats()).toMatchObject({ workers: 2, failed: 1, crashed: 0, replaced: 0 });
  });

  it('lets a task import geotiff (its web-worker dependency needs workerData)', async () => {
    const p = pool();
    await expect(p.run('importGeotiff', null)).resolves.toBe('function');
  });

  it('aborts many queued tasks sharing one signal, with one listener on it', async () => {
    const p = pool({ size: 1 });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    const controller = new AbortController();
    // Held tasks never finish by themselves: every one must end by the abort, running or queued.
    const tasks = Array.from({ length: 50 }, (_, i) =>
      hold(p, i, controller.signal).done.catch((e: unknown) => e),
    );
    await until(() => p.stats().busy === 1);
    controller.abort();
    const results = await Promise.all(tasks);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    process.off('warning', onWarning);
    expect(results.filter((r) => r instanceof Error && r.name === 'AbortError')).toHaveLength(50);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    expect(p.stats()).toMatchObject({ aborted: 50, queued: 0, busy: 0 });
  });

  it('names the known kinds when asked for an unknown one', async () => {
    const p = pool();
    const error: unknown = await p.run('nope', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as Error).message).toMatch(
      /^unknown task kind "nope" \(known: scan-block, encode-cog, echo, .*whoami, .*spin\)$/,
    );
  });

  it('fails only the task whose worker calls process.exit, and restores the pool', async () => {
    const p = pool();
    const before = await Promise.all(meet(p, ['a', 'b']));
    const sibling = hold(p, 'sibling'); // keeps one worker busy, so the exit runs on the other
    await until(() => p.stats().busy === 1);
    const error: unknown = await p
      .run('exit', { code: 7 }, [], undefined, { label: 'item X' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    const crash = error as WorkerCrashedError;
    expect(crash.reason).toBe('exit');
    expect(crash.workerExitCode).toBe(7);
    expect(crash.message).toMatch(
      /worker crashed running task "item X" \(exit #\d+\): worker exited with code 7/,
    );
    sibling.release();
    await expect(sibling.done).resolves.toMatchObject({ value: 'sibling' });
    expect(p.stats()).toMatchObject({ workers: 2, crashed: 1, failed: 1, replaced: 1 });
    // c and d only return once both run at once: the replacement worker is up and takes one.
    const after = await Promise.all(meet(p, ['c', 'd']));
    expect(new Set(after.map((w) => w.threadId)).size).toBe(2);
    const fresh = after.filter((w) => !before.some((b) => b.threadId === w.threadId));
    expect(fresh).toHaveLength(1);
  });

  it('survives an uncaught error thrown outside the handler', async () => {
    const p = pool();
    const error: unknown = await p.run('uncaught', { message: 'timer blew up' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as WorkerCrashedError).reason).toBe('uncaught-error');
    expect((error as Error).message).toMatch(/uncaught Error: timer blew up/);
    await expect(p.run('echo', 1)).resolves.toBe(1);
    expect(p.stats().workers).toBe(2);
  });

  it('contains a worker that runs out of heap (resourceLimits) to its task', async () => {
    const p = pool({ resourceLimits: { maxOldGenerationSizeMb: 16 } });
    const error: unknown = await p.run('oom', null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as WorkerCrashedError).reason).toBe('out-of-memory');
    expect((error as Error).message).toMatch(/out of memory \(JS heap limit 16 MB\)/);
    await expect(Promise.all([p.run('echo', 1), p.run('echo', 2)])).resolves.toEqual([1, 2]);
    expect(p.stats()).toMatchObject({ workers: 2, crashed: 1, replaced: 1 });
  });

  it('rejects a task past its timeout with TaskTimeoutError and replaces the busy worker', async () => {
    const p = pool({ taskTimeoutMs: 200 });
    const error: unknown = await p.run('spin', null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect((error as Error).message).toMatch(/task spin #\d+ timed out after 200 ms/);
    await expect(p.run('whoami', { value: 'ok' }, [], undefined, { timeoutMs: 5000 })).resolves.toMatchObject(
      {
        value: 'ok',
      },
    );
    expect(p.stats()).toMatchObject({ workers: 2, timedOut: 1, failed: 1, replaced: 1 });
  });

  it('removes an aborted queued task without running it', async () => {
    const p = pool({ size: 1 });
    const controller = new AbortController();
    const first = hold(p, 'first'); // the only worker stays busy, so second and third stay queued
    const second = whoami(p, 'second', 0, controller.signal);
    const third = whoami(p, 'third');
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    first.release();
    await expect(first.done).resolves.toMatchObject({ value: 'first' });
    await expect(third).resolves.toMatchObject({ value: 'third' });
    expect(p.stats()).toMatchObject({ completed: 2, aborted: 1, failed: 0, replaced: 0 });
  });

  it('terminates and replaces the worker of an aborted running task', async () => {
    const p = pool({ size: 1 });
    const controller = new AbortController();
    const spinning = p.run('spin', null, [], controller.signal);
    await until(() => p.stats().busy === 1); // running, not still queued behind a starting worker
    controller.abort(new Error('user pressed Ctrl-C'));
    await expect(spinning).rejects.toThrow('user pressed Ctrl-C');
    await expect(p.run('echo', 'after')).resolves.toBe('after');
    expect(p.stats()).toMatchObject({ workers: 1, aborted: 1, replaced: 1 });
  });

  it('close() terminates the workers and rejects running and queued tasks', async () => {
    const p = pool({ size: 1 });
    const running = p.run('spin', null).catch((e: unknown) => e);
    const queued = p.run('echo', 1).catch((e: unknown) => e);
    await until(() => p.stats().busy === 1);
    await p.close();
    expect(await running).toBeInstanceOf(PoolClosedError);
    expect(await queued).toBeInstanceOf(PoolClosedError);
    await expect(p.run('echo', 2)).rejects.toBeInstanceOf(PoolClosedError);
    expect(p.stats().workers).toBe(0);
  });

  it('close() right after an abort waits for the replacements to boot, then ends every worker', async () => {
    // What a SIGTERM'd scan does: abort the running tasks (their replacements start booting) and
    // close the pool at once. A worker is never terminated mid-boot, and close() still settles.
    const p = pool({ size: 2 });
    const controller = new AbortController();
    const spinning = [0, 1].map(() => p.run('spin', null, [], controller.signal).catch((e: unknown) => e));
    await until(() => p.stats().busy === 2);
    controller.abort(new Error('SIGTERM'));
    await p.close();
    for (const r of await Promise.all(spinning)) expect(String(r)).toContain('SIGTERM');
    expect(p.stats()).toMatchObject({ workers: 0, replaced: 2 });
  });

  it('closes with WorkerStartupError instead of looping when workers cannot start', async () => {
    const p = pool({ taskModules: [new URL('../fixtures-tasks/missing.js', import.meta.url)] });
    await expect(p.run('echo', 1)).rejects.toBeInstanceOf(WorkerStartupError);
    await expect(p.run('echo', 1)).rejects.toThrow(/failed to start: .*missing\.js/);
  });

  it('points at the built worker and says to build when it is missing', () => {
    expect(workerEntryUrl().pathname).toMatch(/\/dist\/run\/worker-entry\.js$/);
    expect(() => workerEntryUrl('file:///nowhere/src/run/worker-pool.ts')).toThrow(
      /\/nowhere\/dist\/run\/worker-entry\.js is missing: run `npm run build` first/,
    );
  });
});
