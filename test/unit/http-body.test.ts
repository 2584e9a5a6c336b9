import { describe, expect, it } from 'vitest';
import { ByteBudget, readBody } from '../../src/io/http-body.js';

/** A body of `chunks` chunks of `size` bytes; counts how many were pulled and whether it was cancelled. */
function body(
  chunks: number,
  size: number,
): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (pulled === chunks) return c.close();
        pulled++;
        c.enqueue(new Uint8Array(size));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

const opts = { stallMs: 60_000, onStall: () => undefined, tooLarge: () => new Error('too large') };

describe('readBody limits, checked chunk by chunk', () => {
  it('stops an endless body at maxBytes and cancels it, never reading on', async () => {
    const b = body(1_000_000, 1024);
    await expect(readBody(b.stream, { ...opts, maxBytes: 10 * 1024 })).rejects.toThrow('too large');
    expect(b.pulled()).toBe(11);
    expect(b.cancelled()).toBe(true);
  });

  it('a budget shared by two bodies stops the one that passes it, and keeps what the first took', async () => {
    const budget = new ByteBudget(5000);
    const over = (): Error => new Error('over budget');
    const first = await readBody(body(3, 1000).stream, { ...opts, maxBytes: 1e6, budget, overBudget: over });
    expect(first.length).toBe(3000);
    const b = body(10, 1000);
    await expect(readBody(b.stream, { ...opts, maxBytes: 1e6, budget, overBudget: over })).rejects.toThrow(
      'over budget',
    );
    expect(budget.spent).toBe(5000);
    expect(b.cancelled()).toBe(true);
  });

  it('calls onSlow when fewer than the minimum bytes arrive in a speed window', async () => {
    let slow = 0;
    let push: ((c: Uint8Array) => void) | undefined;
    let end: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        push = (x) => c.enqueue(x);
        end = () => c.close();
      },
    });
    const done = readBody(stream, {
      ...opts,
      maxBytes: 1e6,
      lowSpeed: {
        bytes: 100,
        ms: 20,
        onSlow: () => {
          slow++;
          end?.(); // the transport aborts the request here; closing the body ends the read
        },
      },
    });
    push?.(new Uint8Array(10));
    await done;
    expect(slow).toBe(1);
  });
});
