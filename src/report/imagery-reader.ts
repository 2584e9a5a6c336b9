/**
 * Reads the pixels the evidence outputs need from the COGs a scan already opened: a window in the
 * tile's 10 m pixel grid, at full resolution (chips) or from an overview (tile overlays), every
 * band resampled to one output grid and converted to reflectance. I/O only: which window and which
 * item to read is decided by the caller (evidence-outputs.ts).
 */
import type { ByteSource } from '../io/byte-source.js';
import type { CogHeader, CogImage } from '../io/cog-header.js';
import { fetchTiles, tilesForWindow, type PixelWindow } from '../io/cog-window.js';
import { assembleWindow, decodeTile, decodedTileBytes, type Pixels } from '../io/decode-tile.js';
import { dnToReflectance, L2A_SCALE } from '../raster/dn-to-reflectance.js';

export type ReadableBand = 'blue' | 'green' | 'red' | 'nir' | 'scl';

/** What the scan holds open: `${itemId}/${band}` -> source and parsed header; item -> DN offset. */
export interface ImageryAccess {
  opened: ReadonlyMap<string, { source: ByteSource; header: CogHeader }>;
  offsets: ReadonlyMap<string, { offsetDn: number }>;
  signal?: AbortSignal | undefined;
  /** Decoded tiles shared between reads (chips of neighbouring sites and the overlays share tiles). */
  cache?: TileCache;
}

/**
 * An LRU of decoded tiles, keyed by asset, image and tile, bounded by bytes (a 1024 px uint16 tile
 * is 2 MiB; the default keeps about a hundred of them).
 */
export class TileCache {
  private readonly tiles = new Map<string, { px: Promise<Pixels>; bytes: number }>();
  private bytes = 0;
  constructor(private readonly maxBytes = 192 * 1024 * 1024) {}

  has(key: string): boolean {
    return this.tiles.has(key);
  }

  /** The cached tile, or `load()`'s, remembered as `bytes` big once it succeeds. */
  get(key: string, bytes: number, load: () => Promise<Pixels>): Promise<Pixels> {
    const hit = this.tiles.get(key);
    if (hit) {
      this.tiles.delete(key);
      this.tiles.set(key, hit); // most recently used last
      return hit.px;
    }
    const px = load();
    this.tiles.set(key, { px, bytes });
    this.bytes += bytes;
    px.catch(() => this.drop(key)); // a failed read is not remembered
    for (const k of this.tiles.keys()) {
      if (this.bytes <= this.maxBytes || k === key) break;
      this.drop(k);
    }
    return px;
  }

  private drop(key: string): void {
    const e = this.tiles.get(key);
    if (!e) return;
    this.tiles.delete(key);
    this.bytes -= e.bytes;
  }
}

/** A window read at `step` 10 m pixels per output pixel; reflectance bands, SCL as classes. */
export interface BandWindow {
  width: number;
  height: number;
  reflectance: Partial<Record<Exclude<ReadableBand, 'scl'>, Float32Array>>;
  scl?: Uint8Array;
}

/** The overview of `header` whose pixel is the largest not coarser than `step` 10 m pixels. */
function pickImage(
  header: CogHeader,
  fullWidth10m: number,
  step: number,
): { image: CogImage; scale: number } {
  let best: { image: CogImage; scale: number } | undefined;
  for (const image of header.images) {
    const scale = fullWidth10m / image.width;
    if (scale <= step + 1e-9 && (!best || scale > best.scale)) best = { image, scale };
  }
  // A 20 m band read at step 1 has no image fine enough: its full resolution it is.
  const first = header.images[0];
  if (!first) throw new Error(`${header.sourceId}: no image`);
  return best ?? { image: first, scale: fullWidth10m / first.width };
}

async function readRaw(
  access: ImageryAccess,
  key: string,
  window10m: PixelWindow,
  step: number,
  fullWidth10m: number,
): Promise<{ px: Pixels; nodata: number | undefined; cols: Int32Array; rows: Int32Array; stride: number }> {
  const o = access.opened.get(key);
  if (!o) throw new Error(`${key}: not opened by the scan`);
  const { image, scale } = pickImage(o.header, fullWidth10m, step);
  const x0 = Math.floor(window10m.x / scale);
  const y0 = Math.floor(window10m.y / scale);
  const x1 = Math.min(image.width, Math.ceil((window10m.x + window10m.width) / scale));
  const y1 = Math.min(image.height, Math.ceil((window10m.y + window10m.height) / scale));
  const win: PixelWindow = { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
  const nodata = image.nodata ?? o.header.nodata;
  const wanted = tilesForWindow(image, win);
  const decode = async (indices: number[]): Promise<Map<number, Pixels>> => {
    const raw = await fetchTiles(o.source, image, indices, { signal: access.signal });
    const out = new Map<number, Pixels>();
    for (const [k, v] of raw) out.set(k, decodeTile(v, image, nodata, `${key} tile ${k}`));
    return out;
  };
  let decoded: Map<number, Pixels>;
  const cache = access.cache;
  if (cache) {
    // One fetch for the tiles not cached yet (adjacent ones still merge into one read).
    let batch: Promise<Map<number, Pixels>> | undefined;
    const missing = wanted.filter((t) => !cache.has(`${key}/${image.ifdIndex}/${t}`));
    const pending = wanted.map(async (t) => {
      const px = await cache.get(`${key}/${image.ifdIndex}/${t}`, decodedTileBytes(image), async () => {
        batch ??= decode(missing);
        // A tile evicted since `missing` was listed is fetched alone.
        return (await batch).get(t) ?? ((await decode([t])).get(t) as Pixels);
      });
      return [t, px] as const;
    });
    decoded = new Map(await Promise.all(pending));
  } else decoded = await decode(wanted);
  const px = assembleWindow(decoded, image, win);
  // Output pixel centre (in 10 m pixels) -> column and row of the window read, once per axis.
  const index = (n: number, from: number, origin: number, size: number): Int32Array =>
    Int32Array.from({ length: n }, (_, o) =>
      Math.min(size - 1, Math.max(0, Math.floor((from + (o + 0.5) * step) / scale) - origin)),
    );
  const cols = index(Math.max(1, Math.floor(window10m.width / step)), window10m.x, x0, win.width);
  const rows = index(Math.max(1, Math.floor(window10m.height / step)), window10m.y, y0, win.height);
  return { px, nodata, cols, rows, stride: win.width };
}

/**
 * Reads `bands` of `itemId` over `window10m` (pixels of the item's 10 m grid), `step` 10 m pixels
 * per output pixel (1 = full resolution). Reflectance = (DN + offsetDn) * 1e-4; DN 0 is NaN.
 */
export async function readBandWindow(
  access: ImageryAccess,
  itemId: string,
  bands: readonly ReadableBand[],
  window10m: PixelWindow,
  step = 1,
): Promise<BandWindow> {
  const red = access.opened.get(`${itemId}/red`);
  const fullWidth10m = red?.header.images[0]?.width;
  if (fullWidth10m === undefined) throw new Error(`${itemId}/red: not opened by the scan`);
  const width = Math.max(1, Math.floor(window10m.width / step));
  const height = Math.max(1, Math.floor(window10m.height / step));
  const offsetDn = access.offsets.get(itemId)?.offsetDn ?? 0;
  const out: BandWindow = { width, height, reflectance: {} };
  await Promise.all(
    bands.map(async (band) => {
      const raw = await readRaw(access, `${itemId}/${band}`, window10m, step, fullWidth10m);
      const dn = band === 'scl' ? new Uint8Array(width * height) : new Uint16Array(width * height);
      const { px, cols, rows, stride } = raw;
      for (let oy = 0; oy < height; oy++) {
        const row = rows[oy]! * stride;
        for (let ox = 0; ox < width; ox++) dn[oy * width + ox] = px[row + cols[ox]!]!;
      }
      if (band === 'scl') out.scl = dn as Uint8Array;
      else
        out.reflectance[band] = dnToReflectance(
          dn as Uint16Array,
          L2A_SCALE,
          offsetDn * L2A_SCALE,
          new Float32Array(width * height),
          raw.nodata ?? 0,
        );
    }),
  );
  return out;
}
