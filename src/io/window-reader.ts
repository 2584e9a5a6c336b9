/**
 * One window of one COG image as pixels: the internal tiles it needs fetched (cog-window.ts),
 * decoded (decode-tile.ts) and pasted into the window. The scan reads windows in two places:
 * the offset check reads a small window whole on the main thread (readWindow); a block's windows
 * are fetched on the main thread and decoded on a worker, because the bytes move between threads
 * (decodeWindow there). Both decode here, and share decoded tiles through one cache type.
 */
import type { ByteSource } from './byte-source.js';
import type { CogImage } from './cog-image.js';
import { fetchTiles, tilesForWindow, type PixelWindow } from './cog-window.js';
import { assembleWindow, decodeTile, type Pixels } from './decode-tile.js';

/** Compressed bytes by tile index; null for a sparse tile (nodata). */
export type TileBytes = Map<number, Uint8Array | null>;

/**
 * Decoded tiles that cover more than one window (a 20 m tile covers 2 x 2 blocks of 10 m), kept
 * for the next windows that need them, least recently used dropped first. Readers only read
 * the pixels, so sharing a tile is safe.
 */
export class DecodedTileCache {
  private readonly tiles = new Map<string, Pixels>();

  constructor(private readonly capacity: number) {}

  get(key: string, decode: () => Pixels): Pixels {
    let tile = this.tiles.get(key);
    if (tile) {
      this.tiles.delete(key); // re-insert: Map order is the recency order
    } else {
      tile = decode();
      if (this.tiles.size >= this.capacity) this.tiles.delete(this.tiles.keys().next().value as string);
    }
    this.tiles.set(key, tile);
    return tile;
  }

  get size(): number {
    return this.tiles.size;
  }
}

export interface DecodeWindowOptions {
  /** Names the asset in errors ("<name> tile 3") and in the cache's keys. */
  name: string;
  /** Where tiles the window covers only in part are kept for the windows that want the rest. */
  cache?: DecodedTileCache;
}

/** The window covers only part of its tiles: other windows will want the rest. */
function partOfTiles(image: CogImage, w: PixelWindow): boolean {
  const { tileWidth: tw, tileHeight: th } = image;
  return w.width < tw || w.height < th || w.x % tw !== 0 || w.y % th !== 0;
}

/** The window's pixels from its tiles' compressed bytes (as fetchTiles gives them). */
export function decodeWindow(
  tiles: Iterable<readonly [number, Uint8Array | null]>,
  image: CogImage,
  window: PixelWindow,
  opts: DecodeWindowOptions,
): Pixels {
  const decoded = new Map<number, Pixels>();
  const cache = opts.cache && partOfTiles(image, window) ? opts.cache : undefined;
  for (const [index, bytes] of tiles) {
    const decode = (): Pixels => decodeTile(bytes, image, 0, `${opts.name} tile ${index}`);
    // Keyed by the tile's place in the file too: a source name alone could be reused.
    const at = `${image.tileOffsets[index]}+${image.tileByteCounts[index]}`;
    decoded.set(index, cache ? cache.get(`${opts.name}#${image.ifdIndex}/${index}@${at}`, decode) : decode());
  }
  return assembleWindow(decoded, image, window);
}

/** Where a read waits for a place (the scan's bounded I/O queue); the signal is the task's. */
export interface ReadQueue {
  add<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface ReadWindowOptions extends DecodeWindowOptions {
  /** Fetch through this queue; without one, fetch at once with `signal`. */
  queue?: ReadQueue;
  signal?: AbortSignal;
}

/** Fetches the window's tiles from `source` and decodes them; decoding holds no place in the queue. */
export async function readWindow(
  source: ByteSource,
  image: CogImage,
  window: PixelWindow,
  opts: ReadWindowOptions,
): Promise<Pixels> {
  const indices = tilesForWindow(image, window);
  const fetch = (signal: AbortSignal | undefined): Promise<TileBytes> =>
    fetchTiles(source, image, indices, { signal });
  const bytes = await (opts.queue ? opts.queue.add(fetch) : fetch(opts.signal));
  return decodeWindow(bytes, image, window, opts);
}
