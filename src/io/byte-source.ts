/**
 * The narrow seam every byte of a COG comes through (STYLE.md habit 4): the header parser and the
 * window reader see only `ByteSource`, so they run the same over HTTP, on local files and on bytes in
 * memory in tests.
 *
 * Contract of `read(offset, length)`: exactly `length` bytes, or fewer only when the source ends
 * before `offset + length` (none when `offset` is at or past the end). Callers treat a short read as
 * a truncated file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MinewatchError } from '../errors.js';
import type { HttpClient } from './http.js';

export interface ByteSource {
  /** Names the source in errors and logs: a URL or a path. */
  readonly id: string;
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Total size in bytes, when it can be known. */
  size(): Promise<number | undefined>;
  close(): Promise<void>;
}

function checkRange(id: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`${id}: invalid read of ${length} bytes at ${offset}`);
  }
}

/** A URL read with range requests through our validating client. */
export class HttpByteSource implements ByteSource {
  readonly id: string;
  private total: number | undefined;

  constructor(
    readonly url: URL,
    private readonly client: HttpClient,
  ) {
    this.id = url.href;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this.id, offset, length);
    // Clamp to the size a Content-Range already told us (RELIABILITY.md H10): a read past the end is
    // answered here, with no request that could only come back 416.
    const known = this.total;
    if (known !== undefined) length = Math.max(0, Math.min(length, known - offset));
    if (length === 0) return new Uint8Array(0);
    const { bytes, total } = await this.client.fetchRange(this.url, offset, offset + length - 1, signal);
    if (total !== undefined) this.total = total;
    return bytes;
  }

  /** Learnt for free from the first read's Content-Range; otherwise costs a one-byte request. */
  async size(): Promise<number | undefined> {
    if (this.total === undefined) await this.read(0, 1);
    return this.total;
  }

  close(): Promise<void> {
    return Promise.resolve(); // connections belong to the shared undici agent
  }
}

/**
 * A buffer for a read that will overwrite all of it: not zero-filled first (a scan reads ~1 GB of
 * tiles; zeroing it cost the main thread ~0.1 s). Small sizes come from a plain allocation:
 * Buffer.allocUnsafe would slice them from a shared pool, and read buffers are moved to workers.
 */
function uninitialised(length: number): Uint8Array {
  if (length < Buffer.poolSize) return new Uint8Array(length);
  const b = Buffer.allocUnsafe(length);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A local file read with positional reads on one lazily opened handle. */
export class FileByteSource implements ByteSource {
  readonly id: string;
  private handle: Promise<FileHandle> | undefined;

  constructor(readonly path: string) {
    this.id = path;
  }

  private fd(): Promise<FileHandle> {
    this.handle ??= open(this.path, 'r');
    return this.handle;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this.id, offset, length);
    signal?.throwIfAborted();
    const fh = await this.fd();
    const out = uninitialised(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(out, got, length - got, offset + got);
      if (bytesRead === 0) break; // end of file
      got += bytesRead;
    }
    return got === length ? out : out.slice(0, got);
  }

  async size(): Promise<number> {
    return (await (await this.fd()).stat()).size;
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h.catch(() => undefined))?.close();
  }
}

/** Bytes already in memory (tests, fixtures). Reads are views: callers must not write to them. */
export class MemoryByteSource implements ByteSource {
  constructor(
    private readonly bytes: Uint8Array,
    readonly id = 'memory',
  ) {}

  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this.id, offset, length);
    signal?.throwIfAborted();
    const start = Math.min(offset, this.bytes.length);
    return Promise.resolve(this.bytes.subarray(start, Math.min(offset + length, this.bytes.length)));
  }

  size(): Promise<number> {
    return Promise.resolve(this.bytes.length);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Picks the source for an asset href by scheme. This applies no host policy: the caller decides
 * beforehand whether an href (a `file:` one especially) may be opened at all.
 */
export function openSource(href: URL, client: HttpClient): ByteSource {
  switch (href.protocol) {
    case 'http:':
    case 'https:':
      return new HttpByteSource(href, client);
    case 'file:':
      return new FileByteSource(fileURLToPath(href));
    default:
      throw new MinewatchError(`unsupported URL scheme ${href.protocol} in ${href.href}`);
  }
}
