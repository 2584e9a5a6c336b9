import { describe, expect, it } from 'vitest';
import { blockOrder, ownBuffer, ReadAhead } from '../../src/run/block-reader.js';
import type { BlockJob, TilePlan } from '../../src/run/planner.js';

/** A read that settles when the test says so, recording when it started. */
function harness(): {
  started: number[];
  settle: (k: number) => void;
  read: (k: number) => Promise<number>;
} {
  const started: number[] = [];
  const resolvers = new Map<number, (v: number) => void>();
  return {
    started,
    settle: (k) => resolvers.get(k)?.(k * 10),
    read: (k) => {
      started.push(k);
      return new Promise<number>((resolve) => resolvers.set(k, resolve));
    },
  };
}

describe('ReadAhead', () => {
  it('starts reads ahead of the consumer up to the byte budget, and more as bytes are released', async () => {
    const sizes = [40, 40, 40, 40, 40];
    const h = harness();
    const ra = new ReadAhead(sizes.length, (k) => sizes[k]!, h.read, { maxBytes: 100, maxBlocks: 10 });
    expect(h.started).toEqual([0, 1]); // a third would hold 120 > 100 bytes
    expect(ra.bytes).toBe(80);
    const first = ra.take(0);
    h.settle(0);
    expect(await first).toBe(0);
    expect(h.started).toEqual([0, 1]); // taken but not released: still held
    ra.release(0);
    expect(h.started).toEqual([0, 1, 2]);
    ra.release(1);
    expect(h.started).toEqual([0, 1, 2, 3]);
  });

  it('honours the block limit, and always reads one block even over the byte budget', () => {
    const h = harness();
    new ReadAhead(3, () => 500, h.read, { maxBytes: 100, maxBlocks: 2 });
    expect(h.started).toEqual([0]);
    const h2 = harness();
    new ReadAhead(4, () => 1, h2.read, { maxBytes: 100, maxBlocks: 2 });
    expect(h2.started).toEqual([0, 1]);
  });

  it('starts a read the consumer asks for even when the budget is spent, so it never deadlocks', async () => {
    const h = harness();
    const ra = new ReadAhead(3, () => 50, h.read, { maxBytes: 60, maxBlocks: 1 });
    const a = ra.take(0);
    const b = ra.take(1); // 0 not released yet
    expect(h.started).toEqual([0, 1]);
    h.settle(0);
    h.settle(1);
    expect([await a, await b]).toEqual([0, 10]);
    expect(() => ra.take(1)).toThrow(RangeError);
  });

  it('starts nothing new after stop, and a failed read that is never taken is not unhandled', async () => {
    const started: number[] = [];
    const ra = new ReadAhead(
      4,
      () => 10,
      (k) => {
        started.push(k);
        return Promise.reject(new Error(`read ${k} failed`));
      },
      { maxBytes: 20, maxBlocks: 4 },
    );
    await expect(ra.take(0)).rejects.toThrow('read 0 failed');
    ra.stop();
    ra.release(0);
    ra.release(1);
    expect(started).toEqual([0, 1]);
    await new Promise((r) => setTimeout(r, 10));
  });
});

describe('blockOrder', () => {
  it('visits blocks in 2 x 2 groups (one 20 m tile each), row-major, and each block once', () => {
    const blocks: BlockJob[] = [];
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++) blocks.push({ tile: 't', x: x * 4, y: y * 4, width: 4, height: 4 });
    const order = blockOrder({ blocks } as unknown as TilePlan);
    const at = order.map((k) => `${blocks[k]!.x / 4},${blocks[k]!.y / 4}`);
    expect(at).toEqual(['0,0', '1,0', '0,1', '1,1', '2,0', '2,1', '0,2', '1,2', '2,2']);
  });
});

describe('ownBuffer', () => {
  it("gives a read's own buffer, and never a view into a larger one (which must not be moved)", () => {
    const read = new Uint8Array(300);
    const tiles = new Map([
      [0, read.subarray(0, 100)],
      [1, read.subarray(108, 300)],
      [2, null],
    ]);
    expect(ownBuffer(tiles)).toBe(read.buffer);
    // A file held in memory: the tiles are views into the whole file.
    const file = new Uint8Array(1000);
    expect(ownBuffer(new Map([[0, file.subarray(400, 600)]]))).toBeUndefined();
    expect(ownBuffer(new Map([[0, file.subarray(0, 600)]]))).toBeUndefined();
    // Node's pool of small Buffers.
    expect(ownBuffer(new Map([[0, Buffer.from('small tile')]]))).toBeUndefined();
    // Tiles from two reads.
    expect(
      ownBuffer(
        new Map([
          [0, new Uint8Array(10)],
          [1, new Uint8Array(10)],
        ]),
      ),
    ).toBeUndefined();
    expect(ownBuffer(new Map([[0, null]]))).toBeUndefined();
  });
});
