import { describe, expect, it } from 'vitest';
import { IoQueue, TimeoutError } from '../../src/run/queue.js';

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });

describe('IoQueue', () => {
  it('never runs more than `concurrency` tasks at once and counts them', async () => {
    const queue = new IoQueue({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        queue.add(async () => {
          peak = Math.max(peak, ++running);
          await sleep(5);
          running--;
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(3);
    expect(queue.counts).toEqual({ started: 20, done: 20, failed: 0, timedOut: 0, cancelled: 0 });
  });

  it('defaults to 16 in flight', async () => {
    const queue = new IoQueue();
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const tasks = Array.from({ length: 20 }, () => queue.add(() => gate));
    await sleep(0);
    expect(queue.pending).toBe(16);
    expect(queue.size).toBe(4);
    open();
    await Promise.all(tasks);
  });

  it('rejects a timed-out task with TimeoutError (never resolves undefined), counts it as failed and aborts its signal', async () => {
    const queue = new IoQueue({ timeoutMs: 30 });
    let seen: AbortSignal | undefined;
    const slow = queue.add(async (signal) => {
      seen = signal;
      await new Promise(() => {}); // ignores its signal: p-queue must still give up
    });
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
    await expect(queue.add(() => sleep(100), { timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(queue.add(() => sleep(5).then(() => 'ok'), { timeoutMs: 1000 })).resolves.toBe('ok');
    expect(queue.counts).toEqual({ started: 3, done: 1, failed: 2, timedOut: 2, cancelled: 0 });
  });

  it('counts a task that throws as failed and passes its error on', async () => {
    const queue = new IoQueue();
    await expect(queue.add(() => Promise.reject(new Error('HTTP 404 for B04.tif')))).rejects.toThrow(
      'HTTP 404 for B04.tif',
    );
    expect(queue.counts).toMatchObject({ started: 1, done: 0, failed: 1 });
  });

  it('cancels queued tasks when the caller aborts, without starting them, and aborts running ones', async () => {
    const queue = new IoQueue({ concurrency: 1 });
    const controller = new AbortController();
    const started: number[] = [];
    const tasks = [0, 1, 2].map((i) =>
      queue
        .add(
          (signal) => {
            started.push(i);
            return sleep(1000, signal);
          },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e),
    );
    await sleep(5);
    controller.abort(new Error('stop'));
    const errors = await Promise.all(tasks);
    expect(errors.map((e) => (e as Error).message)).toEqual(['stop', 'stop', 'stop']);
    expect(started).toEqual([0]);
    expect(queue.counts).toEqual({ started: 1, done: 0, failed: 0, timedOut: 0, cancelled: 3 });
    await expect(queue.add(() => Promise.resolve(1), { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('onIdle settles once everything queued has finished', async () => {
    const queue = new IoQueue({ concurrency: 2 });
    const finished: number[] = [];
    for (let i = 0; i < 5; i++) void queue.add(() => sleep(5 * i).then(() => void finished.push(i)));
    await queue.onIdle();
    expect(finished.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(queue.counts.done).toBe(5);
  });

  it('refuses a concurrency below 1', () => {
    expect(() => new IoQueue({ concurrency: 0 })).toThrow(/concurrency 0/);
  });
});
