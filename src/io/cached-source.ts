/**
 * A ByteSource that answers repeated reads from a store and sends only the others on. Reads are
 * keyed by exact (offset, length): the scan asks for the same ranges each time it reads the same
 * block, so exact keys hit without any interval bookkeeping.
 */
import type { ByteSource } from './byte-source.js';

export interface RangeStore {
  get(key: string, offset: number, length: number): Uint8Array | undefined;
  put(key: string, offset: number, length: number, bytes: Uint8Array): void;
  size(key: string): number | undefined;
  putSizeOf(key: string, size: number): void;
}

export class CachedByteSource implements ByteSource {
  readonly id: string;

  constructor(
    private readonly inner: ByteSource,
    private readonly store: RangeStore,
    private readonly key: string,
  ) {
    this.id = inner.id;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const hit = this.store.get(this.key, offset, length);
    if (hit) return hit;
    const bytes = await this.inner.read(offset, length, signal);
    this.store.put(this.key, offset, length, bytes);
    return bytes;
  }

  async size(): Promise<number | undefined> {
    const known = this.store.size(this.key);
    if (known !== undefined) return known;
    const size = await this.inner.size();
    if (size !== undefined) this.store.putSizeOf(this.key, size);
    return size;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
