/**
 * Windows of the generated world's COGs read over HTTP from the local catalogue server, through our
 * header parser, merged tile reads and decoder, compared pixel for pixel with geotiff.js reading the
 * same file from disk; and the requests that took, counted on the server.
 */
import { fromFile } from 'geotiff';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { FileByteSource, HttpByteSource, type ByteSource } from '../../src/io/byte-source.js';
import { CogFormatError, readCogHeader, type CogImage } from '../../src/io/cog-header.js';
import { fetchTiles, tilesForWindow, type PixelWindow } from '../../src/io/cog-window.js';
import { assembleWindow, decodeTile, type Pixels } from '../../src/io/decode-tile.js';
import { HttpClient, HttpError } from '../../src/io/http.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { assetPath, readItems } from '../helpers/world.js';

const world = inject('smallWorld');
let server: CatalogServer;

beforeAll(async () => {
  server = await startCatalogServer({ root: world });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setFaults({ onRequest: () => undefined });
  server.stats.reset();
});

function assetUrl(file: string): URL {
  const rel = path
    .relative(path.join(world, 'assets'), file)
    .split(path.sep)
    .map(encodeURIComponent)
    .join('/');
  return new URL(rel, server.assetsUrl);
}

/** Records every read that passes through, so a test can say which bytes were asked for. */
class Recording implements ByteSource {
  readonly reads: [number, number][] = [];
  constructor(private readonly inner: ByteSource) {}
  get id(): string {
    return this.inner.id;
  }
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    this.reads.push([offset, length]);
    return this.inner.read(offset, length, signal);
  }
  size(): Promise<number | undefined> {
    return this.inner.size();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function readWindow(source: ByteSource, image: CogImage, window: PixelWindow): Promise<Pixels> {
  const raw = await fetchTiles(source, image, tilesForWindow(image, window), { concurrency: 4 });
  const tiles = new Map(
    [...raw].map(([i, b]) => [i, decodeTile(b, image, image.nodata, `${source.id} tile ${i}`)]),
  );
  return assembleWindow(tiles, image, window);
}

async function geotiffWindow(file: string, w: PixelWindow): Promise<number[]> {
  const tiff = await fromFile(file);
  try {
    const image = await tiff.getImage();
    const [band] = (await image.readRasters({
      window: [w.x, w.y, w.x + w.width, w.y + w.height],
      samples: [0],
      interleave: false,
    })) as unknown as [ArrayLike<number>];
    return Array.from(band);
  } finally {
    await tiff.close();
  }
}

/** Windows that cross tile seams, hug the right and bottom edges, or are one pixel. */
function windowsFor(image: CogImage): PixelWindow[] {
  const { width: W, height: H, tileWidth: tw, tileHeight: th } = image;
  const list: PixelWindow[] = [
    { x: 0, y: 0, width: W, height: H },
    { x: W - 17, y: H - 9, width: 17, height: 9 },
    { x: W - 1, y: H - 1, width: 1, height: 1 },
    { x: 3, y: 0, width: 5, height: H },
    { x: 0, y: 7, width: W, height: 3 },
  ];
  if (W > tw && H > th) {
    list.push({ x: tw - 12, y: th - 20, width: 30, height: 41 }, { x: tw - 1, y: 0, width: 2, height: H });
  }
  return list;
}

const items = readItems(world).slice(0, 2);
const cases = items.flatMap((item) => ['red', 'scl', 'swir16'].map((key) => ({ item, key })));

describe('COG windows over HTTP', () => {
  for (const { item, key } of cases) {
    it(`${item.id} ${key}: every window equals geotiff.js on the same file`, async () => {
      const file = assetPath(world, item, key);
      const client = new HttpClient();
      const source = new HttpByteSource(assetUrl(file), client);
      const header = await readCogHeader(source);
      const image = header.images[0]!;
      const tiff = await fromFile(file);
      const ref = await tiff.getImage();
      expect([image.width, image.height]).toEqual([ref.getWidth(), ref.getHeight()]);
      expect(header.origin).toEqual(ref.getOrigin().slice(0, 2));
      expect(header.pixelSize).toEqual([ref.getResolution()[0], -ref.getResolution()[1]!]);
      expect(header.epsg).toBe(ref.getGeoKeys()?.ProjectedCSTypeGeoKey);
      expect(header.nodata).toBe(ref.getGDALNoData() ?? undefined);
      await tiff.close();
      for (const w of windowsFor(image)) {
        const mine = await readWindow(source, image, w);
        expect(mine.length, JSON.stringify(w)).toBe(w.width * w.height);
        expect(Array.from(mine), JSON.stringify(w)).toEqual(await geotiffWindow(file, w));
      }
      expect(client.stats.retries).toBe(0);
    });
  }

  it('reads the header from the file and over HTTP alike', async () => {
    const file = assetPath(world, items[0]!, 'red');
    const viaHttp = await readCogHeader(new HttpByteSource(assetUrl(file), new HttpClient()));
    const local = new FileByteSource(file);
    const viaFile = await readCogHeader(local);
    await local.close();
    expect({ ...viaHttp, sourceId: '' }).toEqual({ ...viaFile, sourceId: '' });
  });
});

describe('COG window reads cost few requests', () => {
  const file = (): string => assetPath(world, items[0]!, 'red');

  it('one request for the header, one for a block of adjacent tiles, never the whole file', async () => {
    const client = new HttpClient();
    const source = new Recording(new HttpByteSource(assetUrl(file()), client));
    const header = await readCogHeader(source);
    const image = header.images[0]!;
    expect(image.tileOffsets.length).toBe(4); // 536 px in 512 px tiles: 2 x 2
    // The writer stores a level's tiles row-major, 8 bytes (trailer + leader) apart: adjacent.
    for (let t = 1; t < 4; t++) {
      expect(image.tileOffsets[t]! - (image.tileOffsets[t - 1]! + image.tileByteCounts[t - 1]!)).toBe(8);
    }
    expect(server.stats.assetRequests).toBe(1);

    await readWindow(source, image, { x: 500, y: 500, width: 30, height: 30 }); // all four tiles
    const start = image.tileOffsets[0]!;
    const end = image.tileOffsets[3]! + image.tileByteCounts[3]!;
    expect(source.reads).toEqual([
      [0, 65536],
      [start, end - start],
    ]);
    expect(server.stats.assetRequests).toBe(2);
    expect(server.stats.rangeRequests).toBe(2);
    expect(server.stats.bytesServed).toBe(65536 + end - start);
    expect(server.stats.bytesServed).toBeLessThan(statSync(file()).size);
    expect(client.stats).toMatchObject({ requests: 2, retries: 0, byStatus: { 206: 2 } });
  });

  it('tiles apart in the file are separate reads; one tile is one exact read', async () => {
    const source = new Recording(new HttpByteSource(assetUrl(file()), new HttpClient()));
    const image = (await readCogHeader(source)).images[0]!;
    source.reads.length = 0;
    server.stats.reset();
    await readWindow(source, image, { x: 10, y: 400, width: 4, height: 136 }); // tiles 0 and 2
    const range = (t: number): [number, number] => [image.tileOffsets[t]!, image.tileByteCounts[t]!];
    expect(source.reads).toEqual([range(0), range(2)]);
    expect(server.stats.rangeRequests).toBe(2);
    source.reads.length = 0;
    await readWindow(source, image, { x: 530, y: 530, width: 6, height: 6 }); // tile 3
    expect(source.reads).toEqual([range(3)]);
  });
});

describe('COG reads under faults', () => {
  const file = (): string => assetPath(world, items[1]!, 'red');

  it('a missing asset is a 404 HttpError, asked once', async () => {
    const source = new HttpByteSource(
      new URL('sentinel-s2-l2a-cogs/none/B04.tif', server.assetsUrl),
      new HttpClient(),
    );
    const err: unknown = await readCogHeader(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 404, retryable: false });
    expect(server.stats.assetRequests).toBe(1);
  });

  it('tile bytes shifted under a correct Content-Range fail to decode: an error, never wrong pixels', async () => {
    const source = new HttpByteSource(assetUrl(file()), new HttpClient());
    const image = (await readCogHeader(source)).images[0]!;
    server.setFaults({
      onRequest: (ctx) =>
        ctx.kind === 'asset' ? { action: 'pass', assetTweaks: { shiftBytes: 2 } } : undefined,
    });
    const err: unknown = await readWindow(source, image, { x: 0, y: 0, width: 536, height: 536 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CogFormatError);
    expect((err as CogFormatError).message).toMatch(/tile \d: corrupt deflate stream/);
  });

  it('a 503 on a tile read is retried and the window is still exact', async () => {
    const client = new HttpClient({ sleep: () => Promise.resolve() });
    const source = new HttpByteSource(assetUrl(file()), client);
    const image = (await readCogHeader(source)).images[0]!;
    server.setFaults({
      onRequest: (ctx) =>
        ctx.kind === 'asset' && ctx.nth === 2
          ? (ctx.res.writeHead(503, { 'Retry-After': '1', 'Content-Length': '0' }),
            ctx.res.end(),
            { action: 'handled' })
          : undefined,
    });
    const w = { x: 100, y: 480, width: 300, height: 50 };
    expect(Array.from(await readWindow(source, image, w))).toEqual(await geotiffWindow(file(), w));
    // header, then tiles 0 and 2 (apart in the file), one of them answered 503 first
    expect(client.stats).toMatchObject({ requests: 4, retries: 1, byStatus: { 206: 3, 503: 1 } });
  });
});
