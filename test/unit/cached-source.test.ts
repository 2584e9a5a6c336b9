import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../../src/io/byte-source.js';
import { CachedByteSource } from '../../src/io/cached-source.js';
import { SqliteRangeCache } from '../../src/state/range-cache.js';

/** A source over `bytes` that counts the reads reaching it. */
function counting(bytes: Uint8Array): ByteSource & { reads: number } {
  return {
    id: 'mem',
    reads: 0,
    read(offset: number, length: number) {
      this.reads++;
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
    size: () => Promise.resolve(bytes.length),
    close: () => Promise.resolve(),
  };
}

describe('CachedByteSource over the SQLite range cache', () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

  it('answers a repeated range from the cache, across cache instances (a later run)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mw-cache-'));
    const inner = counting(bytes);
    const first = new SqliteRangeCache(dir);
    const a = new CachedByteSource(inner, first, 'href#v1');
    expect([...(await a.read(10, 20))]).toEqual([...bytes.slice(10, 30)]);
    expect(await a.size()).toBe(1000);
    first.close();
    const second = new SqliteRangeCache(dir);
    const b = new CachedByteSource(inner, second, 'href#v1');
    expect([...(await b.read(10, 20))]).toEqual([...bytes.slice(10, 30)]);
    expect(await b.size()).toBe(1000);
    expect(inner.reads).toBe(1);
    expect([second.hits, second.misses]).toEqual([1, 0]);
    // Another range, or the same range of a reprocessed item (another key), goes to the source.
    await b.read(11, 20);
    await new CachedByteSource(inner, second, 'href#v2').read(10, 20);
    expect(inner.reads).toBe(3);
    second.close();
  });

  it('keeps a short read at the end of the file as it came', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mw-cache-'));
    const cache = new SqliteRangeCache(dir);
    const inner = counting(bytes);
    const s = new CachedByteSource(inner, cache, 'k');
    expect((await s.read(990, 50)).length).toBe(10);
    expect((await s.read(990, 50)).length).toBe(10);
    expect(inner.reads).toBe(1);
    cache.close();
  });
});
