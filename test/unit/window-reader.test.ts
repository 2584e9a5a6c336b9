import { describe, expect, it } from 'vitest';
import { MemoryByteSource } from '../../src/io/byte-source.js';
import { readCogHeader } from '../../src/io/cog-header.js';
import type { CogImage } from '../../src/io/cog-image.js';
import { fetchTiles, tilesForWindow, type PixelWindow } from '../../src/io/cog-window.js';
import { encodeCog } from '../../src/io/tiff/cog-writer.js';
import { DecodedTileCache, decodeWindow, readWindow } from '../../src/io/window-reader.js';
import { IoQueue } from '../../src/run/queue.js';

const WIDTH = 700;
const HEIGHT = 530;
const data = new Uint16Array(WIDTH * HEIGHT).map((_, i) => (i * 7919) % 3001);

async function cog(): Promise<{ source: MemoryByteSource; image: CogImage }> {
  const bytes = encodeCog({
    width: WIDTH,
    height: HEIGHT,
    dataType: 'uint16',
    data,
    tileSize: 256,
    georef: { epsg: 32647, originX: 399960, originY: 2800020, pixelSize: 10 },
  });
  const source = new MemoryByteSource(new Uint8Array(bytes), 'test.tif');
  const header = await readCogHeader(source);
  return { source, image: header.images[0]! };
}

/** The window cut out of the pixels the COG was written from. */
function expected(w: PixelWindow): Uint16Array {
  const out = new Uint16Array(w.width * w.height);
  for (let y = 0; y < w.height; y++)
    out.set(data.subarray((w.y + y) * WIDTH + w.x, (w.y + y) * WIDTH + w.x + w.width), y * w.width);
  return out;
}

describe('window reader', () => {
  it('reads a window across tile edges as the pixels written, with or without a queue', async () => {
    const { source, image } = await cog();
    const w = { x: 200, y: 250, width: 300, height: 200 };
    expect(await readWindow(source, image, w, { name: 'test.tif' })).toEqual(expected(w));
    const io = new IoQueue({ concurrency: 2 });
    expect(await readWindow(source, image, w, { name: 'test.tif', queue: io })).toEqual(expected(w));
  });

  it('decodes fetched bytes to the same pixels, and keeps only tiles the window covers in part', async () => {
    const { source, image } = await cog();
    const cache = new DecodedTileCache(8);
    const whole = { x: 256, y: 0, width: 256, height: 256 };
    const bytes = await fetchTiles(source, image, tilesForWindow(image, whole));
    expect(decodeWindow(bytes, image, whole, { name: 'test.tif', cache })).toEqual(expected(whole));
    expect(cache.size).toBe(0);
    const part = { x: 0, y: 0, width: 128, height: 128 };
    const partBytes = await fetchTiles(source, image, tilesForWindow(image, part));
    expect(decodeWindow(partBytes, image, part, { name: 'test.tif', cache })).toEqual(expected(part));
    expect(cache.size).toBe(1);
    // The next window of the same tile decodes nothing: these bytes would not decode if it tried.
    const next = { x: 128, y: 0, width: 128, height: 128 };
    expect(decodeWindow([[0, new Uint8Array(3)]], image, next, { name: 'test.tif', cache })).toEqual(
      expected(next),
    );
  });

  it('names the asset and the tile when a tile does not decode', async () => {
    const { image } = await cog();
    expect(() =>
      decodeWindow(
        [[1, new Uint8Array([1, 2, 3])]],
        image,
        { x: 256, y: 0, width: 10, height: 10 },
        { name: 'S2X/red' },
      ),
    ).toThrow(/S2X\/red tile 1/);
  });

  it('drops the least recently used tile when full', () => {
    const cache = new DecodedTileCache(2);
    const tile = (v: number) => (): Uint8Array => new Uint8Array([v]);
    cache.get('a', tile(1));
    cache.get('b', tile(2));
    cache.get('a', tile(9)); // a is now the most recent
    cache.get('c', tile(3)); // b goes
    expect(cache.get('a', tile(8))).toEqual(new Uint8Array([1]));
    expect(cache.get('b', tile(7))).toEqual(new Uint8Array([7]));
    expect(cache.size).toBe(2);
  });
});
