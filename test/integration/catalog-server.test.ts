import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerServeCatalog } from '../../src/cli/commands/serve-catalog.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { answerStatus, type FaultInjector } from '../../src/server/faults.js';
import { sharedData, warnSkipped } from '../helpers/shared-data.js';

// The recorded Earth Search responses shape the served collection and are compared with what we
// serve; without them (a user's clone) those comparisons skip and a minimal collection is served.
const RECORDED_DATA = sharedData('stac-earth-search-responses');
const RECORDED = RECORDED_DATA.path;
const HAVE_RECORDED = RECORDED_DATA.available;
warnSkipped('the comparisons with recorded Earth Search responses', RECORDED_DATA);

interface Json {
  [key: string]: unknown;
}
interface Link {
  rel: string;
  href: string;
  method?: string;
  merge?: boolean;
  body?: Json;
  type?: string;
  title?: string;
}
interface Item {
  id: string;
  collection: string;
  properties: Json;
  assets: Record<string, { href: string }>;
  links: Link[];
}
interface Page {
  type: string;
  numberMatched: number;
  numberReturned: number;
  context: { limit: number; matched: number; returned: number };
  features: Item[];
  links: Link[];
}

/** Deterministic pseudo-random bytes, so a range can be compared with the file. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

const COLLECTION = 'sentinel-2-l2a';
const TILES: { tile: string; box: [number, number, number, number] }[] = [
  { tile: '47RPN', box: [96.9, 24.3, 98.0, 25.3] },
  { tile: '47RQN', box: [97.9, 24.3, 99.0, 25.3] },
  { tile: '46RGU', box: [95.9, 24.3, 97.0, 25.3] },
];

function itemDir(id: string, tile: string, date: Date): string {
  const zone = tile.slice(0, 2);
  const band = tile.slice(2, 3);
  const square = tile.slice(3);
  return `sentinel-s2-l2a-cogs/${zone}/${band}/${square}/${date.getUTCFullYear()}/${date.getUTCMonth() + 1}/${id}`;
}

/** An Earth Search-like item; `n` spreads dates over two seasons, two tiles sharing each pass time. */
function makeItem(n: number): Json {
  const { tile, box } = TILES[n % TILES.length] as (typeof TILES)[number];
  const season = n % 2 === 0 ? Date.UTC(2020, 11, 1) : Date.UTC(2023, 11, 1);
  const date = new Date(season + Math.floor(n / 2) * 5 * 86_400_000 + 4 * 3_600_000 + 8 * 60_000);
  const ymd = date.toISOString().slice(0, 10).replaceAll('-', '');
  const id = `S2${n % 4 < 2 ? 'A' : 'B'}_${tile}_${ymd}_0_L2A`;
  const dir = itemDir(id, tile, date);
  const [w, s, e, nn] = box;
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: ['https://stac-extensions.github.io/eo/v1.1.0/schema.json'],
    id,
    collection: COLLECTION,
    bbox: box,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [w, s],
          [e, s],
          [e, nn],
          [w, nn],
          [w, s],
        ],
      ],
    },
    properties: {
      datetime: date.toISOString(),
      platform: n % 4 < 2 ? 'sentinel-2a' : 'sentinel-2b',
      'eo:cloud_cover': (n * 37) % 101,
      'mgrs:utm_zone': Number(tile.slice(0, 2)),
      's2:processing_baseline': date.getUTCFullYear() >= 2022 ? '05.09' : '02.14',
    },
    links: [
      { rel: 'self', href: './wrong.json' },
      { rel: 'license', href: 'https://sentinel.esa.int/documents/247904/690755/Sentinel_Data_Legal_Notice' },
    ],
    assets: {
      red: {
        href: `../assets/${dir}/B04.tif`,
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
      },
      scl: {
        href: `../assets/${dir}/SCL.tif`,
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
      },
      thumbnail: { href: `https://sentinel-cogs.s3.us-west-2.amazonaws.com/${dir}/thumbnail.jpg` },
    },
  };
}

async function writeWorld(root: string, count: number): Promise<void> {
  const features = Array.from({ length: count }, (_, n) => makeItem(n));
  await writeFile(
    path.join(root, 'stac', 'items.json'),
    JSON.stringify({ type: 'FeatureCollection', features }),
  );
}

let root: string;
let server: CatalogServer;
let redFile: string;
let redBytes: Buffer;
let redUrl: string;
const ITEM_COUNT = 23;

async function recordedCollection(): Promise<Json | undefined> {
  const recorded = JSON.parse(await readFile(path.join(RECORDED, 'v1_collections.json'), 'utf8')) as {
    collections: Json[];
  };
  return recorded.collections.find((c) => c['id'] === COLLECTION);
}

/** The members a STAC Collection must have, for a clone without the recorded responses. */
function minimalCollection(): Json {
  return {
    type: 'Collection',
    stac_version: '1.0.0',
    id: COLLECTION,
    description: 'Sentinel-2 L2A (test world)',
    license: 'proprietary',
    extent: {
      spatial: { bbox: [[-180, -90, 180, 90]] },
      temporal: { interval: [['2015-06-27T10:25:31.456000Z', null]] },
    },
    links: [],
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'minewatch-world-'));
  await mkdir(path.join(root, 'stac'), { recursive: true });
  const s2 = HAVE_RECORDED ? await recordedCollection() : minimalCollection();
  await writeFile(path.join(root, 'stac', 'collection.json'), JSON.stringify(s2));
  await writeWorld(root, ITEM_COUNT);
  const first = makeItem(0) as { assets: { red: { href: string } } };
  redFile = path.resolve(root, 'stac', first.assets.red.href);
  redBytes = bytes(300_000, 42);
  await mkdir(path.dirname(redFile), { recursive: true });
  await writeFile(redFile, redBytes);
  await writeFile(path.join(path.dirname(redFile), 'SCL.tif'), bytes(5_000, 7));
  await writeFile(path.join(root, 'assets', '.secret'), 'dotfile');
  await writeFile(path.join(root, 'outside-secret.txt'), 'TOP SECRET');
  await symlink(path.join(root, 'outside-secret.txt'), path.join(root, 'assets', 'link.tif'));
  server = await startCatalogServer({ root, basePath: '/v1' });
  const page = (await (
    await fetch(`${server.url.href}/collections/${COLLECTION}/items/${String(makeItem(0)['id'])}`)
  ).json()) as Item;
  redUrl = page.assets['red']?.href ?? '';
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  server.setFaults({ onRequest: () => undefined });
});

async function getJson<T = Json>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

function postSearch(body: unknown): Promise<{ status: number; body: Page; headers: Headers }> {
  return getJson<Page>(`${server.url.href}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A request with the path sent exactly as written (fetch would normalise `..` and `%2e%2e`). */
function rawGet(rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(server.url.port), path: rawPath, method: 'GET' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Follows `next` links the way pystac-client does (POST body with merge:false, or GET href). */
async function followAll(first: Page): Promise<Page[]> {
  const pages = [first];
  let page = first;
  for (;;) {
    const next = page.links.find((l) => l.rel === 'next');
    if (!next) return pages;
    const res =
      next.method === 'POST'
        ? await fetch(next.href, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(next.body),
          })
        : await fetch(next.href);
    expect(res.status).toBe(200);
    page = (await res.json()) as Page;
    pages.push(page);
    if (pages.length > 100) throw new Error('paging loop');
  }
}

describe('STAC API shapes', () => {
  it('serves a landing page like Earth Search v1', async () => {
    const { status, body, headers } = await getJson<{
      type: string;
      links: Link[];
      conformsTo: string[];
      stac_version: string;
    }>(server.url.href);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(server.url.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(body.type).toBe('Catalog');
    expect(body.stac_version).toBe('1.0.0');
    const rels = body.links.map((l) => `${l.rel}${l.method ? `:${l.method}` : ''}`);
    expect(rels).toEqual(
      expect.arrayContaining(['self', 'root', 'conformance', 'data', 'search:GET', 'search:POST', 'child']),
    );
    const self = body.links.find((l) => l.rel === 'self');
    expect(self?.href).toBe(server.url.href);
    expect(body.links.find((l) => l.rel === 'data')?.href).toBe(`${server.url.href}/collections`);
    for (const c of [
      'https://api.stacspec.org/v1.0.0/core',
      'https://api.stacspec.org/v1.0.0/item-search',
      'https://api.stacspec.org/v1.0.0/ogcapi-features',
      'https://api.stacspec.org/v1.0.0/item-search#query',
      'https://api.stacspec.org/v1.0.0/item-search#filter',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
    ]) {
      expect(body.conformsTo).toContain(c);
    }
    // the landing page also answers with a trailing slash
    expect((await fetch(`${server.url.href}/`)).status).toBe(200);
  });

  it.skipIf(!HAVE_RECORDED)(
    'claims only conformance classes Earth Search uses, or standard filter classes',
    async () => {
      const { body } = await getJson<{ conformsTo: string[] }>(server.url.href);
      const recorded = JSON.parse(await readFile(path.join(RECORDED, 'v1_landing.json'), 'utf8')) as {
        conformsTo: string[];
      };
      const extra = body.conformsTo.filter((c) => !recorded.conformsTo.includes(c));
      expect(extra.every((c) => /#filter$|ogcapi-features-3|cql2/.test(c))).toBe(true);
    },
  );

  it('serves /conformance with the landing page classes', async () => {
    const landing = await getJson<{ conformsTo: string[] }>(server.url.href);
    const { status, body } = await getJson<{ conformsTo: string[] }>(`${server.url.href}/conformance`);
    expect(status).toBe(200);
    expect(body.conformsTo).toEqual(landing.body.conformsTo);
  });

  it.skipIf(!HAVE_RECORDED)(
    'serves /collections and /collections/{id} with links on this server',
    async () => {
      const { body } = await getJson<{
        collections: { id: string; links: Link[]; extent: unknown }[];
        links: Link[];
        context: Json;
      }>(`${server.url.href}/collections`);
      expect(body.collections.map((c) => c.id)).toEqual([COLLECTION]);
      expect(body.links.map((l) => l.rel)).toEqual(['self', 'root']);
      expect(body.context).toEqual({ page: 1, limit: 100, matched: 1, returned: 1 });
      const { status, body: one } = await getJson<{ id: string; links: Link[]; extent: unknown }>(
        `${server.url.href}/collections/${COLLECTION}`,
      );
      expect(status).toBe(200);
      expect(one.extent).toBeDefined();
      const byRel = Object.fromEntries(one.links.map((l) => [l.rel, l.href]));
      expect(byRel['self']).toBe(`${server.url.href}/collections/${COLLECTION}`);
      expect(byRel['items']).toBe(`${server.url.href}/collections/${COLLECTION}/items`);
      expect(byRel['root']).toBe(server.url.href);
      expect(byRel['license']).toMatch(/^https:\/\/sentinel\.esa\.int/); // kept from the recorded collection
      // the recorded collection's links to Earth Search endpoints (queryables, aggregate) are not kept
      expect(one.links.map((l) => l.rel)).toEqual(['self', 'cite-as', 'license', 'parent', 'root', 'items']);
      expect(one.links.filter((l) => l.href.includes('earth-search.aws'))).toEqual([]);
    },
  );

  it.skipIf(!HAVE_RECORDED)(
    'answers an unknown collection with the exact Earth Search 404 body',
    async () => {
      const recorded = JSON.parse(
        await readFile(path.join(RECORDED, 'v1_collection_404.json'), 'utf8'),
      ) as Json;
      for (const url of [
        `${server.url.href}/collections/foo`,
        `${server.url.href}/collections/foo/items`,
        `${server.url.href}/collections/${COLLECTION}/items/nope`,
        `${server.url.href}/nothing-here`,
      ]) {
        const { status, body, headers } = await getJson(url);
        expect(status, url).toBe(404);
        expect(body).toEqual(recorded);
        expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
      }
    },
  );

  it.skipIf(!HAVE_RECORDED)('answers the same top-level shape as a recorded Earth Search page', async () => {
    const recorded = JSON.parse(
      await readFile(path.join(RECORDED, 'v1_search_cql2_cloudcover_page1.json'), 'utf8'),
    ) as Page;
    const { body, headers } = await postSearch({ collections: [COLLECTION] });
    expect(headers.get('content-type')).toBe('application/geo+json; charset=utf-8');
    expect(Object.keys(body)).toEqual(Object.keys(recorded));
    expect(Object.keys(body.context)).toEqual(expect.arrayContaining(Object.keys(recorded.context)));
    const next = body.links.find((l) => l.rel === 'next') as Link;
    const recordedNext = recorded.links.find((l) => l.rel === 'next') as Link;
    expect(Object.keys(next).sort()).toEqual(Object.keys(recordedNext).sort());
    expect(next).toMatchObject({
      method: 'POST',
      merge: false,
      title: 'Next page of Items',
      href: `${server.url.href}/search`,
    });
    expect(Object.keys(next.body ?? {})).toEqual(['next']);
    expect(body.links.map((l) => l.rel)).toEqual(recorded.links.map((l) => l.rel));
    expect(body.numberReturned).toBe(10);
    expect(body.context).toEqual({ limit: 10, matched: ITEM_COUNT, returned: 10 });
  });
});

describe('item search', () => {
  it('pages a POST search through next links until exhausted, every item once', async () => {
    const first = await postSearch({ collections: [COLLECTION], limit: 4 });
    expect(first.status).toBe(200);
    const pages = await followAll(first.body);
    const ids = pages.flatMap((p) => p.features.map((f) => f.id));
    expect(new Set(ids).size).toBe(ITEM_COUNT);
    expect(ids).toHaveLength(ITEM_COUNT);
    expect(pages.map((p) => p.numberReturned)).toEqual([4, 4, 4, 4, 4, 3, 0]); // Earth Search's trailing empty page
    expect(pages.every((p) => p.numberMatched === ITEM_COUNT)).toBe(true);
    const times = pages.flatMap((p) => p.features.map((f) => String(f.properties['datetime'])));
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('pages a GET search through next links with the token as a query parameter', async () => {
    const first = await getJson<Page>(`${server.url.href}/search?collections=${COLLECTION}&limit=5`);
    const next = first.body.links.find((l) => l.rel === 'next') as Link;
    expect(next.method).toBe('GET');
    expect(new URL(next.href).pathname).toBe('/v1/search');
    expect(new URL(next.href).searchParams.get('next')).toBeTruthy();
    const pages = await followAll(first.body);
    const ids = pages.flatMap((p) => p.features.map((f) => f.id));
    expect(new Set(ids).size).toBe(ITEM_COUNT);
    expect(ids).toHaveLength(ITEM_COUNT);
  });

  it('pages /collections/{id}/items the same way', async () => {
    const first = await getJson<Page>(`${server.url.href}/collections/${COLLECTION}/items?limit=7`);
    expect(first.body.links.map((l) => l.rel)).toEqual(['next', 'root', 'self', 'collection']);
    const pages = await followAll(first.body);
    expect(new Set(pages.flatMap((p) => p.features.map((f) => f.id))).size).toBe(ITEM_COUNT);
  });

  it('filters by bbox, datetime and eo:cloud_cover (GET and POST agree)', async () => {
    const all = (await postSearch({ limit: 1000 })).body.features;
    const expected = all
      .filter((f) => f.id.includes('47RQN'))
      .filter((f) => String(f.properties['datetime']) < '2021-06-01')
      .filter((f) => (f.properties['eo:cloud_cover'] as number) < 60)
      .map((f) => f.id);
    expect(expected.length).toBeGreaterThan(0);
    const query = { 'eo:cloud_cover': { lt: 60 } };
    const post = await postSearch({
      bbox: [98.5, 24.5, 98.9, 24.9],
      datetime: '../2021-06-01T00:00:00Z',
      query,
      limit: 100,
    });
    expect(post.body.features.map((f) => f.id)).toEqual(expected);
    const qs = new URLSearchParams({
      bbox: '98.5,24.5,98.9,24.9',
      datetime: '../2021-06-01T00:00:00Z',
      query: JSON.stringify(query),
      limit: '100',
    });
    const get = await getJson<Page>(`${server.url.href}/search?${qs.toString()}`);
    expect(get.body.features.map((f) => f.id)).toEqual(expected);
  });

  it('filters by intersects (POST object, GET JSON string) and by ids', async () => {
    const point = { type: 'Point', coordinates: [96.2, 24.8] }; // only 46RGU
    const post = await postSearch({ intersects: point, limit: 100 });
    expect(post.body.features.length).toBeGreaterThan(0);
    expect(post.body.features.every((f) => f.id.includes('46RGU'))).toBe(true);
    const get = await getJson<Page>(
      `${server.url.href}/search?limit=100&intersects=${encodeURIComponent(JSON.stringify(point))}`,
    );
    expect(get.body.features.map((f) => f.id)).toEqual(post.body.features.map((f) => f.id));
    const ids = post.body.features.slice(0, 2).map((f) => f.id);
    const byIds = await getJson<Page>(`${server.url.href}/search?ids=${ids.join(',')}`);
    expect(byIds.body.features.map((f) => f.id)).toEqual(ids);
  });

  it('rewrites asset hrefs and links to this server, absolute hrefs untouched', async () => {
    const { body } = await postSearch({ ids: [String(makeItem(0)['id'])] });
    const item = body.features[0] as Item;
    expect(item.assets['red']?.href).toBe(
      `${server.assetsUrl.href}${itemDir(item.id, '47RPN', new Date(String(item.properties['datetime'])))}/B04.tif`,
    );
    expect(item.assets['thumbnail']?.href).toMatch(/^https:\/\/sentinel-cogs\.s3/);
    const byRel = Object.fromEntries(item.links.map((l) => [l.rel, l.href]));
    expect(byRel['self']).toBe(`${server.url.href}/collections/${COLLECTION}/items/${item.id}`);
    expect(byRel['parent']).toBe(`${server.url.href}/collections/${COLLECTION}`);
    expect(byRel['collection']).toBe(`${server.url.href}/collections/${COLLECTION}`);
    expect(byRel['root']).toBe(server.url.href);
    expect(byRel['license']).toMatch(/^https:/);
    expect(item.links.map((l) => l.rel)).toEqual(['self', 'license', 'parent', 'collection', 'root']);
    const self = await getJson<Item>(byRel['self'] as string);
    expect(self.status).toBe(200);
    expect(self.headers.get('content-type')).toBe('application/geo+json; charset=utf-8');
    expect(self.body).toEqual(item);
  });

  it('answers bad parameters with 400 {code, description}', async () => {
    const cases: [string, RegExp][] = [
      ['bbox=1,2,3', /bbox/],
      ['bbox=1,30,2,20', /SW latitude/],
      ['datetime=2021-01-01', /RFC3339/],
      ['datetime=2021-02-01T00:00:00Z/2021-01-01T00:00:00Z', /before end/],
      ['datetime=../..', /closed/],
      ['limit=0', /limit/],
      ['limit=-3', /limit/],
      ['limit=ten', /limit/],
      ['intersects=%7Bnope', /intersects/],
      ['next=garbage!', /next token/],
      ['query=%7B%22eo%3Acloud_cover%22%3A%7B%22below%22%3A1%7D%7D', /operator/],
    ];
    for (const [qs, message] of cases) {
      const { status, body } = await getJson<{ code: string; description: string }>(
        `${server.url.href}/search?${qs}`,
      );
      expect(status, qs).toBe(400);
      expect(body.code).toBe('BadRequest');
      expect(body.description, qs).toMatch(message);
    }
    const badJson = await fetch(`${server.url.href}/search`, { method: 'POST', body: '{"limit":' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { description: string }).description).toBe('Invalid JSON body');
    const notObject = await fetch(`${server.url.href}/search`, { method: 'POST', body: '[1]' });
    expect(notObject.status).toBe(400);
    const post = await postSearch({ bbox: [0, 0, 1], limit: 5 });
    expect(post.status).toBe(400);
  });

  it('refuses other methods with 405', async () => {
    const res = await fetch(`${server.url.href}/collections`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(((await res.json()) as { code: string }).code).toBe('MethodNotAllowed');
    const put = await fetch(`${server.url.href}/search`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    const unknown = await fetch(`${server.url.href}/nope`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
  });
});

describe('asset server', () => {
  it('serves the whole file with S3-like headers', async () => {
    const res = await fetch(redUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(redBytes.length));
    expect(res.headers.get('content-type')).toBe('image/tiff');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(Date.parse(res.headers.get('last-modified') ?? '')).not.toBeNaN();
    expect(res.headers.get('connection')).toBe('keep-alive');
    expect(Buffer.from(await res.arrayBuffer()).equals(redBytes)).toBe(true);
  });

  it('answers single ranges with 206, exact bytes and Content-Range', async () => {
    const size = redBytes.length;
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      ['bytes=1000-70999', 1000, 70999],
      ['bytes=299990-', 299990, size - 1],
      ['bytes=-16384', size - 16384, size - 1],
      ['bytes=299000-999999', 299000, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await fetch(redUrl, { headers: { range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(redBytes.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers unsatisfiable ranges with 416 and bytes */size', async () => {
    for (const range of ['bytes=300000-', 'bytes=400000-400010', 'bytes=-0']) {
      const res = await fetch(redUrl, { headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${redBytes.length}`);
      await res.arrayBuffer();
    }
  });

  it('answers multi-range and malformed ranges with the whole file (200)', async () => {
    for (const range of ['bytes=0-9,20-29', 'bytes=9-0', 'pages=1-2']) {
      const res = await fetch(redUrl, { headers: { range } });
      expect(res.status, range).toBe(200);
      expect(res.headers.get('content-range')).toBeNull();
      expect(Buffer.from(await res.arrayBuffer()).length).toBe(redBytes.length);
    }
  });

  it('answers HEAD with headers only', async () => {
    const res = await fetch(redUrl, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(redBytes.length));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    const partial = await fetch(redUrl, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 10-19/${redBytes.length}`);
  });

  it('honours If-None-Match, If-Match and If-Range', async () => {
    const etag = (await fetch(redUrl, { method: 'HEAD' })).headers.get('etag') ?? '';
    expect((await fetch(redUrl, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const stale = await fetch(redUrl, { headers: { 'if-match': '"stale"', range: 'bytes=0-9' } });
    expect(stale.status).toBe(412);
    const fresh = await fetch(redUrl, { headers: { 'if-range': etag, range: 'bytes=0-9' } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const changed = await fetch(redUrl, { headers: { 'if-range': '"old"', range: 'bytes=0-9' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it('refuses traversal, encoded traversal, NUL, dotfiles, symlinks out and directories', async () => {
    const probes = [
      '/assets/../stac/items.json',
      '/assets/%2e%2e/stac/items.json',
      '/assets/%2E%2E/outside-secret.txt',
      '/assets/..%2foutside-secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/assets/sentinel-s2-l2a-cogs/..%5c..%5coutside-secret.txt',
      '/assets/sentinel-s2-l2a-cogs/../../outside-secret.txt',
      '/assets//etc/passwd',
      '/assets/B04.tif%00.json',
      '/assets/.secret',
      '/assets/link.tif',
      '/assets/',
      '/assets/sentinel-s2-l2a-cogs',
      '/assets/sentinel-s2-l2a-cogs/',
      '/assets/%zz',
      '/assets/missing.tif',
    ];
    for (const probe of probes) {
      const res = await rawGet(probe);
      expect(res.status, probe).toBe(404);
      expect(res.body).not.toContain('TOP SECRET');
      expect(res.body).not.toContain('FeatureCollection');
      expect(res.body).not.toContain('root:');
    }
    const viaApi = await rawGet('/v1/../assets/../stac/items.json');
    expect(viaApi.status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await fetch(redUrl, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('stats, latency and faults', () => {
  it('counts requests, searches, assets, ranges and bytes', async () => {
    server.stats.reset();
    await postSearch({ limit: 2 });
    await (await fetch(redUrl, { headers: { range: 'bytes=0-99' } })).arrayBuffer();
    await (await fetch(redUrl, { headers: { range: 'bytes=-50' } })).arrayBuffer();
    await (await fetch(`${server.url.href}/conformance`)).arrayBuffer();
    const s = server.stats;
    expect(s.requests).toBe(4);
    expect(s.searchRequests).toBe(1);
    expect(s.itemsReturned).toBe(2);
    expect(s.assetRequests).toBe(2);
    expect(s.rangeRequests).toBe(2);
    expect(s.bytesServed).toBe(150);
    expect(s.byPath.get(new URL(redUrl).pathname)).toBe(2);
    expect(s.byPath.get('/v1/search')).toBe(1);
    expect(s.byKind.get('asset')).toBe(2);
    await expect.poll(() => s.byStatus.get(206)).toBe(2); // counted when the response closes
    server.stats.reset();
    expect(server.stats.requests).toBe(0);
    expect(server.stats.byPath.size).toBe(0);
  });

  it('lets a fault injector answer the Nth search with 503 + Retry-After', async () => {
    server.stats.reset();
    const injector: FaultInjector = {
      onRequest: (ctx) =>
        ctx.kind === 'search' && ctx.nthOfKind <= 2
          ? answerStatus(ctx, 503, { retryAfterSeconds: 1 })
          : undefined,
    };
    server.setFaults(injector);
    const a = await postSearch({});
    const b = await fetch(`${server.url.href}/search`);
    const c = await postSearch({});
    expect(a.status).toBe(503);
    expect(a.headers.get('retry-after')).toBe('1');
    expect(b.status).toBe(503);
    await b.arrayBuffer();
    expect(c.status).toBe(200);
    await expect.poll(() => server.stats.byStatus.get(503)).toBe(2);
    // assets are untouched by this injector
    expect((await fetch(redUrl, { method: 'HEAD' })).status).toBe(200);
  });

  it('lets a fault injector shift asset bytes, rewrite paths and rewrite JSON', async () => {
    server.setFaults({
      onRequest: (ctx) => {
        if (ctx.rawPath.startsWith('/fault/shift/')) {
          return {
            action: 'pass',
            rewritePath: ctx.rawPath.replace('/fault/shift', ''),
            assetTweaks: { shiftBytes: 2 },
          };
        }
        if (ctx.kind === 'landing') {
          return { action: 'pass', transformJson: (body) => ({ ...body, title: `tampered ${ctx.nth}` }) };
        }
        return undefined;
      },
    });
    const assetPath = new URL(redUrl).pathname;
    const res = await fetch(`${server.url.origin}/fault/shift${assetPath}`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${redBytes.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(redBytes.subarray(102, 202))).toBe(true);
    const landing = await getJson<{ title: string }>(server.url.href);
    expect(landing.body.title).toMatch(/^tampered \d+$/);
  });

  it('lets a fault injector cut the body short or reset the connection', async () => {
    server.setFaults({
      onRequest: (ctx) =>
        ctx.kind === 'asset'
          ? {
              action: 'pass',
              assetTweaks: ctx.nthOfKind % 2 ? { shortBodyBytes: 10 } : { resetAfterBytes: 1000 },
            }
          : undefined,
    });
    server.stats.reset();
    const short = await fetch(redUrl, { headers: { range: 'bytes=0-99' } });
    expect(short.headers.get('content-length')).toBe('10');
    expect(Buffer.from(await short.arrayBuffer()).equals(redBytes.subarray(0, 10))).toBe(true);
    await expect(fetch(redUrl).then((r) => r.arrayBuffer())).rejects.toThrow();
  });

  it('adds the configured latency to every request', async () => {
    const slow = await startCatalogServer({ root, latencyMs: 150 });
    try {
      const t0 = performance.now();
      const res = await fetch(slow.url);
      await res.arrayBuffer();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      expect(slow.url.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const body = (await (await fetch(new URL('search', slow.url))).json()) as Page;
      expect(body.features[0]?.links.find((l) => l.rel === 'root')?.href).toBe(slow.url.href);
    } finally {
      await slow.close();
    }
  });

  it('closes promptly even with a stalled response open', async () => {
    const other = await startCatalogServer({
      root,
      faults: {
        onRequest: (ctx) =>
          ctx.kind === 'asset' ? { action: 'pass', assetTweaks: { stallAfterBytes: 100 } } : undefined,
      },
    });
    const asset = new URL(new URL(redUrl).pathname, other.url).href;
    const res = await fetch(asset);
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    await reader?.read();
    await other.close(); // resolves, with the stalled response still open (else the test times out)
    await expect(reader?.read().then(async () => reader.read())).rejects.toThrow();
  });
});

describe('reload', () => {
  it('picks up a grown items.json and keeps serving the old catalogue if the new one is invalid', async () => {
    const before = (await postSearch({ limit: 1 })).body.numberMatched;
    expect(before).toBe(ITEM_COUNT);
    await writeWorld(root, ITEM_COUNT + 4);
    await server.reload();
    const after = await postSearch({ limit: 100 });
    expect(after.body.numberMatched).toBe(ITEM_COUNT + 4);
    expect(new Set(after.body.features.map((f) => f.id)).size).toBe(ITEM_COUNT + 4);

    const itemsFile = path.join(root, 'stac', 'items.json');
    const good = await readFile(itemsFile, 'utf8');
    await writeFile(itemsFile, '{"type":"FeatureCollection","features":[{"id":');
    await expect(server.reload()).rejects.toThrow(/items\.json/);
    expect((await postSearch({ limit: 1 })).body.numberMatched).toBe(ITEM_COUNT + 4);
    await writeFile(
      itemsFile,
      JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', id: 'x' }] }),
    );
    await expect(server.reload()).rejects.toThrow(/items\.json is not what the catalogue server expects/);
    await writeFile(itemsFile, good);
    await server.reload();
  });

  it('refuses to start on a folder without items.json', async () => {
    await expect(startCatalogServer({ root: path.join(root, 'nope') })).rejects.toThrow(/items\.json/);
  });
});

describe('serve-catalog command', () => {
  it('prints the STAC URL as one line and stops on SIGTERM', async () => {
    const out: string[] = [];
    const signals = new EventEmitter();
    let running: CatalogServer | undefined;
    const stopped = new Promise<void>((resolve) => {
      const program = new Command().exitOverride();
      registerServeCatalog(program, {
        stdout: { write: (t: string) => out.push(t) },
        signals,
        onStarted: (s) => (running = s),
        onStopped: resolve,
      });
      void program.parseAsync([
        'node',
        'minewatch',
        'serve-catalog',
        '--root',
        root,
        '--latency',
        '0',
        '--base-path',
        '/v1',
      ]);
    });
    await expect.poll(() => out.length).toBe(1);
    expect(out[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\n$/);
    const landing = await fetch((out[0] as string).trim());
    expect(landing.status).toBe(200);
    await landing.arrayBuffer();
    expect(running?.stats.requests).toBe(1);
    signals.emit('SIGTERM');
    await stopped;
    await expect(fetch((out[0] as string).trim())).rejects.toThrow();
  });

  it('refuses a non-loopback host without --allow-remote', async () => {
    const errors: string[] = [];
    const program = new Command().exitOverride().configureOutput({ writeErr: (t) => errors.push(t) });
    registerServeCatalog(program, { stdout: { write: () => true }, signals: new EventEmitter() });
    const run = program.parseAsync([
      'node',
      'minewatch',
      'serve-catalog',
      '--root',
      root,
      '--host',
      '0.0.0.0',
    ]);
    await expect(run).rejects.toBeInstanceOf(CommanderError);
    expect(errors.join('')).toMatch(/--allow-remote/);
  });

  it('rejects a bad port', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerServeCatalog(program, { stdout: { write: () => true }, signals: new EventEmitter() });
    await expect(
      program.parseAsync(['node', 'minewatch', 'serve-catalog', '--root', root, '--port', '70000']),
    ).rejects.toThrow(/port/);
  });
});
