/**
 * The catalog side of a scan against the real local STAC API (src/server) serving the small synthetic
 * world, and against the same world's ItemCollection file: paging both ways, filters, de-duplication,
 * the misdeclared-offset item caught from its pixels, and the failure modes a user must see.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bboxPolygon } from '@turf/turf';
import type { Polygon } from 'geojson';
import { fromFile } from 'geotiff';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { decideOffset, OFFSET_START } from '../../src/catalog/offset-decision.js';
import { findItems } from '../../src/catalog/index.js';
import type { S2Item } from '../../src/catalog/item.js';
import { FetchJsonFetcher } from '../../src/catalog/json-fetcher.js';
import { darkDnEvidence } from '../../src/catalog/offset-evidence.js';
import { searchStac, type StacSearchParams } from '../../src/catalog/stac-client.js';
import { StacUnavailableError } from '../../src/errors.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { noFaults, answerStatus, type FaultInjector } from '../../src/server/faults.js';
import { readItems, type StacItemLike } from '../helpers/world.js';

const world = inject('smallWorld');
const itemsFile = path.join(world, 'stac', 'items.json');
const all: StacItemLike[] = readItems(world);

const EVERYTHING = parseDateWindow('2015-01-01', '2030-12-31').span;
const BEFORE = parseDateWindow('2020-12-01', '2021-02-28');
const AFTER = parseDateWindow('2023-12-01', '2024-02-29');

/** A WGS84 polygon around the given items' bboxes, padded. */
function around(items: StacItemLike[], pad = 0.01): Polygon {
  const b = items.map((i) => i.bbox);
  return bboxPolygon([
    Math.min(...b.map((x) => x[0] as number)) - pad,
    Math.min(...b.map((x) => x[1] as number)) - pad,
    Math.max(...b.map((x) => x[2] as number)) + pad,
    Math.max(...b.map((x) => x[3] as number)) + pad,
  ]).geometry;
}

const ids = (items: unknown[]): string[] => items.map((i) => (i as { id: string }).id).sort();
const idsOf = (items: StacItemLike[]): string[] => items.map((i) => i.id).sort();
const dateOf = (i: StacItemLike): string => String(i.properties['datetime']);
const inWindow = (i: StacItemLike, w: { start: string; end: string }): boolean =>
  dateOf(i).slice(0, 10) >= w.start && dateOf(i).slice(0, 10) <= w.end;

let server: CatalogServer;
const fetcher = new FetchJsonFetcher(10_000);

beforeAll(async () => {
  server = await startCatalogServer({ root: world, basePath: '/v1' });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.setFaults(noFaults);
});

function params(over: Partial<StacSearchParams> = {}): StacSearchParams {
  return {
    root: server.url,
    collections: ['sentinel-2-l2a'],
    intersects: around(all),
    datetime: EVERYTHING,
    ...over,
  };
}

describe('searchStac against the local STAC API', () => {
  it('the world is what these tests assume', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.some((i) => i.id.includes('_1_'))).toBe(true);
  });

  it.each(['GET', 'POST'] as const)(
    '%s with limit 2 pages through every item exactly once',
    async (method) => {
      const before = server.stats.searchRequests;
      const r = await searchStac(params({ method, limit: 2 }), fetcher);
      expect(ids(r.items)).toEqual(idsOf(all));
      expect(new Set(ids(r.items)).size).toBe(r.items.length);
      expect(r.pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 2));
      expect(r.requests).toBe(r.pages + 1); // + the landing page
      expect(server.stats.searchRequests - before).toBe(r.pages);
      expect(r.filteredOut).toBe(0);
      expect(r.matched).toBe(all.length);
    },
  );

  it('honours a datetime window', async () => {
    const r = await searchStac(params({ datetime: BEFORE.span, limit: 3 }), fetcher);
    const expected = all.filter((i) => inWindow(i, BEFORE));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(r.items)).toEqual(idsOf(expected));
  });

  it('honours a bbox (one area only)', async () => {
    const pangwa = all.filter((i) => i.id.includes('47RMJ'));
    expect(pangwa.length).toBeGreaterThan(0);
    expect(pangwa.length).toBeLessThan(all.length);
    const bbox = pangwa[0]?.bbox as [number, number, number, number];
    const r = await searchStac(params({ intersects: undefined, bbox, method: 'GET', limit: 2 }), fetcher);
    expect(ids(r.items)).toEqual(idsOf(pangwa));
  });

  it('honours max cloud (sent as the query extension)', async () => {
    const max = 20;
    const r = await searchStac(params({ maxCloud: max, limit: 4 }), fetcher);
    const expected = all.filter((i) => (i.properties['eo:cloud_cover'] as number) <= max);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    expect(ids(r.items)).toEqual(idsOf(expected));
    expect(r.filteredOut).toBe(0); // the server filtered, not us
  });

  it('an HTML page with status 200 is "bad STAC response", not 0 items', async () => {
    const html: FaultInjector = {
      onRequest: (ctx) =>
        ctx.kind === 'search'
          ? answerStatus(ctx, 200, {
              body: '<html><body>Service busy</body></html>',
              contentType: 'text/html',
            })
          : undefined,
    };
    server.setFaults(html);
    const err = await searchStac(params(), fetcher).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StacUnavailableError);
    expect((err as Error).message).toMatch(
      /^bad STAC response from POST http:\/\/127\.0\.0\.1:\d+\/v1\/search: .*not JSON/,
    );
  });

  it('a FeatureCollection without features is "bad STAC response"', async () => {
    server.setFaults({
      onRequest: (ctx) =>
        ctx.kind === 'search'
          ? {
              action: 'pass',
              transformJson: (body) => {
                delete body['features'];
                return body;
              },
            }
          : undefined,
    });
    await expect(searchStac(params(), fetcher)).rejects.toThrow(
      /bad STAC response .*no "features" array \(page 1\)/,
    );
  });

  it('a server whose next token repeats is stopped with "paging loop at page 2"', async () => {
    let firstNext: unknown;
    server.setFaults({
      onRequest: (ctx) =>
        ctx.kind === 'search'
          ? {
              action: 'pass',
              transformJson: (body) => {
                const links = body['links'] as { rel: string; body?: unknown }[];
                const next = links.find((l) => l.rel === 'next');
                if (next) {
                  firstNext ??= next.body;
                  next.body = firstNext; // every page says "next: page 2"
                }
                return body;
              },
            }
          : undefined,
    });
    const before = server.stats.searchRequests;
    await expect(searchStac(params({ limit: 2 }), fetcher)).rejects.toThrow(/^paging loop at page 2: /);
    expect(server.stats.searchRequests - before).toBe(2);
  });

  it('an unreachable API is StacUnavailableError naming the URL', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const root = new URL(`http://127.0.0.1:${port}/v1`);
    const err = await searchStac(params({ root }), fetcher).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StacUnavailableError);
    expect((err as Error).message).toContain(`STAC API unavailable: GET ${root.href}`);
    expect((err as Error).message).toMatch(/ECONNREFUSED|fetch failed/);
  });
});

describe('findItems: API and local ItemCollection', () => {
  const options = (stac: string, method: 'GET' | 'POST' = 'POST') => ({
    stac,
    collection: 'sentinel-2-l2a',
    aoi: around(all),
    before: BEFORE,
    after: AFTER,
    method,
    limit: 3,
  });

  it.each(['GET', 'POST'] as const)(
    'splits the windows and drops the _0_ copy of a reprocessed acquisition (%s)',
    async (method) => {
      const r = await findItems(options(server.url.href, method), fetcher);
      const dup = all.find((i) => i.id.includes('_1_')) as StacItemLike;
      const original = dup.id.replace('_1_', '_0_');
      expect(r.dropped.map(({ id, keptId, window }) => ({ id, keptId, window }))).toEqual([
        { id: original, keptId: dup.id, window: 'after' },
      ]);
      expect(r.dropped[0]?.reason).toContain('sequence 0 superseded by sequence 1');
      expect(r.skipped).toEqual([]);
      expect(r.before.map((i) => i.id).sort()).toEqual(idsOf(all.filter((i) => inWindow(i, BEFORE))));
      expect(r.after.map((i) => i.id).sort()).toEqual(
        idsOf(all.filter((i) => inWindow(i, AFTER) && i.id !== original)),
      );
      // Sorted by acquisition time, hrefs on the asset server.
      const times = r.after.map((i) => i.datetime.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(r.after.every((i) => i.assets.nir.href.href.startsWith(server.assetsUrl.href))).toBe(true);
      expect(r.source).toBe('api');
      expect(r.requests).toBe(r.pages + 1); // one landing page for both windows
    },
  );

  it('the local ItemCollection gives the same ids with file: hrefs to real files', async () => {
    const api = await findItems(options(server.url.href), fetcher);
    const local = await findItems(options(itemsFile), fetcher);
    expect(local.source).toBe('local');
    expect(local.requests).toBe(0);
    for (const w of ['before', 'after'] as const) {
      expect(local[w].map((i) => i.id)).toEqual(api[w].map((i) => i.id));
    }
    expect(local.dropped.map((d) => d.id)).toEqual(api.dropped.map((d) => d.id));
    for (const item of [...local.before, ...local.after]) {
      for (const a of Object.values(item.assets)) {
        expect(a.href.protocol).toBe('file:');
        expect(fileURLToPath(a.href).startsWith(path.join(world, 'assets') + path.sep)).toBe(true);
      }
    }
    const one = local.after[0] as S2Item;
    const tiff = await fromFile(fileURLToPath(one.assets.nir.href));
    await tiff.close();
  });
});

/** NIR 1st percentile over clear pixels (SCL 4, 5, 6), SCL at 20 m indexed onto the 10 m grid. */
async function nirEvidence(item: S2Item): Promise<{ darkDnP01: number; validPixels: number }> {
  const read = async (href: URL): Promise<{ data: ArrayLike<number>; width: number }> => {
    const tiff = await fromFile(fileURLToPath(href));
    try {
      const image = await tiff.getImage();
      const data = (await image.readRasters({
        samples: [0],
        interleave: true,
      })) as unknown as ArrayLike<number>;
      return { data, width: image.getWidth() };
    } finally {
      await tiff.close();
    }
  };
  const nir = await read(item.assets.nir.href);
  const scl = await read(item.assets.scl.href);
  return darkDnEvidence(nir.data, (i) => {
    const x = i % nir.width;
    const y = Math.floor(i / nir.width);
    const c = scl.data[(y >> 1) * scl.width + (x >> 1)];
    return c === 4 || c === 5 || c === 6;
  });
}

describe('harmonisation on the world COGs', () => {
  it('decideOffset gets every item right from its pixels and overrides only the misdeclared one', async () => {
    const found = await findItems(
      { stac: itemsFile, collection: 'sentinel-2-l2a', aoi: around(all), before: BEFORE, after: AFTER },
      fetcher,
    );
    const items = [...found.before, ...found.after];
    expect(items.length).toBeGreaterThan(4);
    const misdeclared = items.filter((i) => i.datetime >= OFFSET_START && i.assets.nir.offset === 0);
    expect(misdeclared).toHaveLength(1);
    const overridden: string[] = [];
    for (const item of items) {
      const d = decideOffset(item, await nirEvidence(item));
      // The generator writes DN = reflectance * 10000 + 1000 from 2022-01-25 on (acquisitions.ts).
      const truth = item.datetime >= OFFSET_START ? -1000 : 0;
      expect(d.offsetDn, `${item.id}: ${d.reason}`).toBe(truth);
      if (!d.agreed) overridden.push(item.id);
    }
    expect(overridden).toEqual(misdeclared.map((i) => i.id));
    const d = decideOffset(misdeclared[0] as S2Item, await nirEvidence(misdeclared[0] as S2Item));
    expect(d).toMatchObject({ offsetDn: -1000, declared: 0, source: 'raster:bands', agreed: false });
    expect(d.reason).toMatch(/^pixels override declared 0 DN/);
  });
});
