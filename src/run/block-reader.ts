/**
 * Reading a tile's blocks for the scan: which internal COG tiles each block needs, fetching them
 * (every band of every item of a block at once), and reading ahead of the workers so that
 * request latency overlaps compute instead of adding to it (PERFORMANCE.md §3.6). Moves bytes
 * only; what the bytes mean is the worker's business.
 */
import type { OffsetDecision } from '../catalog/offset-decision.js';
import type { S2Item } from '../catalog/index.js';
import type { DetectParams } from '../detect/params.js';
import type { ByteSource } from '../io/byte-source.js';
import type { CogHeader } from '../io/cog-header.js';
import type { CogImage } from '../io/cog-image.js';
import { fetchTiles, tilesForWindow, type PixelWindow } from '../io/cog-window.js';
import type { TileBytes } from '../io/window-reader.js';
import { ItemFailedError } from './item-failure.js';
import type { BlockJob, TilePlan } from './planner.js';
import type { IoQueue } from './queue.js';
import { lookBands, type BandKey, type ObservationPayload, type ScanBlockInput } from './tasks/scan-block.js';
import { InternalError } from '../errors.js';

/** An asset opened for the whole scan: its byte source and parsed header. */
export interface OpenedAsset {
  source: ByteSource;
  header: CogHeader;
}

export interface BlockReadDeps {
  /** By `${item.id}/${band}`. */
  opened: ReadonlyMap<string, OpenedAsset>;
  offsets: ReadonlyMap<string, OffsetDecision>;
  io: IoQueue;
  params: DetectParams;
  signal: AbortSignal | undefined;
}

/** The bounding window of a tile's blocks, in 10 m pixels of the tile grid. */
export function tileWindow(tp: TilePlan): PixelWindow {
  const x0 = Math.min(...tp.blocks.map((b) => b.x));
  const y0 = Math.min(...tp.blocks.map((b) => b.y));
  const x1 = Math.max(...tp.blocks.map((b) => b.x + b.width));
  const y1 = Math.max(...tp.blocks.map((b) => b.y + b.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The order to process a tile's blocks in: by 2 x 2 groups of blocks, row-major, then row-major
 * inside a group. Blocks follow the 10 m COG tiles, and a 20 m COG tile with the same tile size
 * covers exactly such a group, so the blocks sharing a 20 m tile follow each other: its bytes
 * are held briefly (SharedReads) and a worker that gets two of them decodes it once.
 * Pasting and detection do not depend on the order.
 */
export function blockOrder(tp: TilePlan): number[] {
  const size = Math.max(1, ...tp.blocks.map((b) => Math.max(b.width, b.height)));
  const group = (b: BlockJob): [number, number] => [
    Math.floor(b.y / (2 * size)),
    Math.floor(b.x / (2 * size)),
  ];
  const keyed = tp.blocks.map((b, k) => ({ k, g: group(b), b }));
  keyed.sort((p, q) => p.g[0] - q.g[0] || p.g[1] - q.g[1] || p.b.y - q.b.y || p.b.x - q.b.x);
  return keyed.map((e) => e.k);
}

interface BandRead {
  image: CogImage;
  window: PixelWindow;
  tiles: number[];
}

/** The full-resolution image of an asset and the window and tiles a block needs from it. */
function bandRead(
  tp: TilePlan,
  block: BlockJob,
  deps: BlockReadDeps,
  item: S2Item,
  b: BandKey,
): BandRead | undefined {
  const { header } = deps.opened.get(`${item.id}/${b}`) as OpenedAsset;
  const image = header.images[0];
  if (!image) return undefined;
  // 20 m bands (SWIR, SCL) cover the block at half the size.
  const f = image.width === tp.grid.width ? 1 : 2;
  const window: PixelWindow = {
    x: Math.floor(block.x / f),
    y: Math.floor(block.y / f),
    width: Math.ceil(block.width / f),
    height: Math.ceil(block.height / f),
  };
  return { image, window, tiles: tilesForWindow(image, window) };
}

/** Compressed bytes a block's read will hold: known from the headers before any is fetched. */
export function blockBytes(tp: TilePlan, block: BlockJob, deps: BlockReadDeps): number {
  let bytes = 0;
  for (const [item, b] of itemBands(tp)) {
    const r = bandRead(tp, block, deps, item, b);
    if (r) for (const t of r.tiles) bytes += r.image.tileByteCounts[t] ?? 0;
  }
  return bytes;
}

/** Every (item, band) a block of the tile reads: lookBands of each season's items. */
function itemBands(tp: TilePlan): [S2Item, BandKey][] {
  return [
    ...tp.before.flatMap((item) => lookBands(item, 'before').map((b): [S2Item, BandKey] => [item, b])),
    ...tp.after.flatMap((item) => lookBands(item, 'after').map((b): [S2Item, BandKey] => [item, b])),
  ];
}

export type { TileBytes };

/**
 * Band reads that several blocks of a tile need: a 20 m tile (SWIR, SCL) covers 2 x 2 blocks of
 * 10 m, and was fetched once per block, four times in all. The first block to
 * ask fetches; the others get the same bytes; the entry is dropped when its last block has
 * asked, so it lives about one row of blocks. Keyed by asset and tile list.
 */
export class SharedReads {
  private readonly users = new Map<string, number>();
  private readonly planned = new Map<string, number>();
  private readonly pending = new Map<string, Promise<TileBytes>>();

  /** Counts, from the plan, how many blocks will ask for each band read. */
  constructor(tp: TilePlan, deps: BlockReadDeps) {
    const reads = itemBands(tp);
    for (const block of tp.blocks) {
      for (const [item, b] of reads) {
        const r = bandRead(tp, block, deps, item, b);
        if (!r) continue;
        const key = SharedReads.key(item, b, r.tiles);
        this.users.set(key, (this.users.get(key) ?? 0) + 1);
      }
    }
    for (const [key, n] of this.users) this.planned.set(key, n);
  }

  /** Whether more than one block reads these bytes (so none of them may give the bytes away). */
  isShared(key: string): boolean {
    return (this.planned.get(key) ?? 1) > 1;
  }

  static key(item: S2Item, b: BandKey, tiles: readonly number[]): string {
    return `${item.id}/${b}:${tiles.join(',')}`;
  }

  get(key: string, fetch: () => Promise<TileBytes>): Promise<TileBytes> {
    const left = (this.users.get(key) ?? 1) - 1;
    if (left <= 0) this.users.delete(key);
    else this.users.set(key, left);
    let p = this.pending.get(key);
    if (!p) {
      p = fetch();
      if (left > 0) this.pending.set(key, p);
    } else if (left <= 0) this.pending.delete(key);
    return p;
  }
}

/**
 * The buffer behind a band read's tiles when it holds exactly them: the buffer a file or HTTP
 * source allocates for one read. Not a view into something larger (a file held in memory, Node's
 * pool of small Buffers), which must never be moved to another thread.
 */
export function ownBuffer(tiles: TileBytes): ArrayBuffer | undefined {
  let buffer: ArrayBufferLike | undefined;
  let lo = Infinity;
  let hi = 0;
  for (const v of tiles.values()) {
    if (v === null) continue;
    if (buffer !== undefined && v.buffer !== buffer) return undefined;
    buffer = v.buffer;
    lo = Math.min(lo, v.byteOffset);
    hi = Math.max(hi, v.byteOffset + v.byteLength);
  }
  if (!(buffer instanceof ArrayBuffer)) return undefined;
  return lo === 0 && buffer.byteLength === hi ? buffer : undefined;
}

/** A block's input, and the read buffers only it uses: moved to the worker rather than copied. */
export interface BlockRead {
  input: ScanBlockInput;
  transfer: ArrayBuffer[];
}

/** Every band of every item of one block, all requested at once (the I/O queue bounds them). */
export async function readBlock(
  tp: TilePlan,
  block: BlockJob,
  deps: BlockReadDeps,
  shared?: SharedReads,
): Promise<BlockRead> {
  const { signal } = deps;
  const transfer: ArrayBuffer[] = [];
  const obs = async (item: S2Item, bands: readonly BandKey[]): Promise<ObservationPayload> => {
    const entries = await Promise.all(
      bands.map(async (b) => {
        const { source } = deps.opened.get(`${item.id}/${b}`) as OpenedAsset;
        const r = bandRead(tp, block, deps, item, b);
        if (!r) throw new InternalError(`${item.id} ${b}: no image`);
        const { image, window, tiles: indices } = r;
        const fetch = (): Promise<TileBytes> =>
          deps.io.add((s) => fetchTiles(source, image, indices, { signal: s }), { signal });
        const key = SharedReads.key(item, b, indices);
        let tiles: TileBytes;
        try {
          tiles = await (shared ? shared.get(key, fetch) : fetch());
        } catch (err) {
          if (signal?.aborted) throw err;
          throw new ItemFailedError(item.id, `asset "${b}": ${(err as Error).message}`);
        }
        const own = shared?.isShared(key) ? undefined : ownBuffer(tiles);
        if (own) transfer.push(own);
        return [b, { image, window, tiles: [...tiles.entries()], source: `${item.id}/${b}` }] as const;
      }),
    );
    return {
      item: item.id,
      offsetDn: deps.offsets.get(item.id)?.offsetDn ?? 0,
      bands: Object.fromEntries(entries) as ObservationPayload['bands'],
    };
  };
  const [before, after] = await Promise.all([
    Promise.all(tp.before.map((item) => obs(item, lookBands(item, 'before')))),
    Promise.all(tp.after.map((item) => obs(item, lookBands(item, 'after')))),
  ]);
  return {
    input: { width: block.width, height: block.height, before, after, params: deps.params },
    transfer,
  };
}

export interface ReadAheadOptions {
  /** Compressed bytes that reads started but not yet released may hold. At least one block is
   * always read, however large. */
  maxBytes: number;
  /** Blocks read (or being read) but not yet released. */
  maxBlocks: number;
}

/**
 * Reads items 0..n-1 in order, ahead of their consumer, within a budget of bytes and items held.
 * `take(k)` waits for item k's read (items must be taken in order); `release(k)` returns its
 * budget once the consumer is done with the bytes, which lets the next reads start.
 *
 * Why: a block read that starts only when a worker frees up puts one request latency per block
 * on the critical path; reading ahead overlaps it with the compute of earlier blocks.
 */
export class ReadAhead<T> {
  private readonly reads = new Map<number, Promise<T>>();
  private readonly held = new Map<number, number>();
  private nextToStart = 0;
  private bytesHeld = 0;
  private stopped = false;

  constructor(
    private readonly n: number,
    private readonly sizeOf: (k: number) => number,
    private readonly read: (k: number) => Promise<T>,
    private readonly opts: ReadAheadOptions,
  ) {
    this.fill();
  }

  /** Bytes held by started, unreleased reads (for tests and progress). */
  get bytes(): number {
    return this.bytesHeld;
  }

  take(k: number): Promise<T> {
    if (k >= this.nextToStart) {
      // Only when the consumer outruns the budget (it took more than it released): start it now.
      while (this.nextToStart <= k) this.start();
    }
    const p = this.reads.get(k);
    if (!p) throw new RangeError(`read ${k} was already taken`);
    this.reads.delete(k);
    return p;
  }

  release(k: number): void {
    const bytes = this.held.get(k);
    if (bytes === undefined) return;
    this.held.delete(k);
    this.bytesHeld -= bytes;
    this.fill();
  }

  /** No new reads (after a failure); reads already started still settle. */
  stop(): void {
    this.stopped = true;
  }

  private fill(): void {
    while (!this.stopped && this.nextToStart < this.n) {
      const size = this.sizeOf(this.nextToStart);
      const fits = this.held.size === 0 || this.bytesHeld + size <= this.opts.maxBytes;
      if (!fits || this.held.size >= this.opts.maxBlocks) return;
      this.start();
    }
  }

  private start(): void {
    const k = this.nextToStart++;
    const size = this.sizeOf(k);
    this.held.set(k, size);
    this.bytesHeld += size;
    const p = this.read(k);
    p.catch(() => undefined); // observed by take(); a read never taken must not be unhandled
    this.reads.set(k, p);
  }
}
