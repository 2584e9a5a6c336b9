import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDateWindow } from '../../src/catalog/filters.js';
import type { JsonFetcher, JsonRequestInit } from '../../src/catalog/json-fetcher.js';
import { searchStac, type StacSearchParams } from '../../src/catalog/stac-client.js';
import { InvalidInputError, StacUnavailableError } from '../../src/errors.js';
import { HttpError } from '../../src/io/http-errors.js';
import { sharedData, warnSkipped } from '../helpers/shared-data.js';

const RECORDED_DATA = sharedData('stac-earth-search-responses');
const RECORDED = RECORDED_DATA.path;
warnSkipped('searchStac on recorded Earth Search pages', RECORDED_DATA);

type Json = Record<string, unknown>;
interface Call {
  method: string;
  url: string;
  body: unknown;
}

/** Answers from a handler and records every call; a returned Error is thrown. */
class FakeFetcher implements JsonFetcher {
  calls: Call[] = [];
  constructor(private readonly handler: (call: Call) => unknown) {}
  getJson(url: URL, init: JsonRequestInit = {}): Promise<unknown> {
    init.signal?.throwIfAborted();
    const call = { method: init.method ?? 'GET', url: url.href, body: init.body };
    this.calls.push(call);
    const answer = this.handler(call);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(structuredClone(answer));
  }
}

const ROOT = new URL('https://api.test/v1');
const SEARCH = 'https://api.test/v1/search';
const QUERY_CONFORMANCE = 'https://api.stacspec.org/v1.0.0/item-search#query';

function landing(opts: { searchLinks?: boolean; query?: boolean } = {}): Json {
  return {
    type: 'Catalog',
    id: 'test',
    conformsTo: [
      'https://api.stacspec.org/v1.0.0/item-search',
      ...(opts.query === false ? [] : [QUERY_CONFORMANCE]),
    ],
    links:
      opts.searchLinks === false
        ? [{ rel: 'self', href: ROOT.href }]
        : [
            { rel: 'self', href: ROOT.href },
            { rel: 'search', href: SEARCH, method: 'GET', type: 'application/geo+json' },
            { rel: 'search', href: SEARCH, method: 'POST', type: 'application/geo+json' },
          ],
  };
}

function rawItem(n: number, cloud = 5): Json {
  return {
    type: 'Feature',
    id: `item-${n}`,
    collection: 'sentinel-2-l2a',
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [98, 25],
          [99, 25],
          [99, 26],
          [98, 26],
          [98, 25],
        ],
      ],
    },
    bbox: [98, 25, 99, 26],
    properties: {
      datetime: `2024-01-${String(10 + (n % 10)).padStart(2, '0')}T04:00:00Z`,
      'eo:cloud_cover': cloud,
    },
    assets: {},
  };
}

function params(over: Partial<StacSearchParams> = {}): StacSearchParams {
  return {
    root: ROOT,
    collections: ['sentinel-2-l2a'],
    intersects: {
      type: 'Polygon',
      coordinates: [
        [
          [98.2, 25.2],
          [98.4, 25.2],
          [98.4, 25.4],
          [98.2, 25.2],
        ],
      ],
    },
    datetime: parseDateWindow('2023-12-01', '2024-02-29').span,
    maxCloud: 60,
    ...over,
  };
}

/** A POST search answering `pages` pages of `perPage` items, with Earth Search style next tokens. */
function pagedPostApi(pages: number, perPage: number, merge: boolean): FakeFetcher {
  return new FakeFetcher((c) => {
    if (c.url === ROOT.href) return landing();
    const body = c.body as Json;
    const page = typeof body['next'] === 'string' ? Number(body['next']) : 1;
    const features = Array.from({ length: perPage }, (_, i) => rawItem((page - 1) * perPage + i));
    const links: Json[] = [{ rel: 'root', href: ROOT.href }];
    if (page < pages) {
      links.unshift({ rel: 'next', method: 'POST', href: SEARCH, merge, body: { next: String(page + 1) } });
    }
    return { type: 'FeatureCollection', features, links, numberMatched: pages * perPage };
  });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('searchStac over POST', () => {
  it('sends the search as Earth Search expects and pages with merge:false bodies', async () => {
    const api = pagedPostApi(3, 2, false);
    const r = await searchStac(params(), api);
    expect(r.items.map((i) => (i as Json)['id'])).toEqual([
      'item-0',
      'item-1',
      'item-2',
      'item-3',
      'item-4',
      'item-5',
    ]);
    expect(r).toMatchObject({ pages: 3, requests: 4, filteredOut: 0, matched: 6 });
    expect(api.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `GET ${ROOT.href}`,
      `POST ${SEARCH}`,
      `POST ${SEARCH}`,
      `POST ${SEARCH}`,
    ]);
    expect(api.calls[1]?.body).toEqual({
      collections: ['sentinel-2-l2a'],
      datetime: '2023-12-01T00:00:00.000Z/2024-02-29T23:59:59.999Z',
      limit: 100,
      intersects: params().intersects,
      query: { 'eo:cloud_cover': { lte: 60 } },
    });
    expect(api.calls[2]?.body).toEqual({ next: '2' }); // replaced, not merged
  });

  it('stops at the page that completes numberMatched, whatever its next link says', async () => {
    // Earth Search style: the last full page still links to a (empty) next page.
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      const body = c.body as Json;
      const page = typeof body['next'] === 'string' ? Number(body['next']) : 1;
      const features = page <= 2 ? [rawItem(2 * page - 2), rawItem(2 * page - 1)] : [];
      const next = { rel: 'next', method: 'POST', href: SEARCH, body: { next: String(page + 1) } };
      return { type: 'FeatureCollection', features, links: [next], numberMatched: 4 };
    });
    const r = await searchStac(params(), api);
    expect(r.items).toHaveLength(4);
    expect(r).toMatchObject({ pages: 2, requests: 3, matched: 4 });
  });

  it('keeps paging when repeated items, not new ones, reach numberMatched', async () => {
    // Page 1 holds items 0 and 1, page 2 repeats item 1 and adds item 2: three distinct of three
    // matched only after page 2, though four features had arrived by then.
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      const page = typeof (c.body as Json)['next'] === 'string' ? 2 : 1;
      const features = page === 1 ? [rawItem(0), rawItem(1)] : [rawItem(1), rawItem(2)];
      const links = page === 1 ? [{ rel: 'next', method: 'POST', href: SEARCH, body: { next: '2' } }] : [];
      return { type: 'FeatureCollection', features, links, numberMatched: 3 };
    });
    const r = await searchStac(params(), api);
    expect(r.pages).toBe(2);
    expect(new Set(r.items.map((i) => (i as Json)['id']))).toEqual(new Set(['item-0', 'item-1', 'item-2']));
  });

  it('follows the links past numberMatched when the pages hold more items than it says', async () => {
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      const page = typeof (c.body as Json)['next'] === 'string' ? 2 : 1;
      const features = page === 1 ? [rawItem(0), rawItem(1), rawItem(2)] : [rawItem(3)];
      const links = page === 1 ? [{ rel: 'next', method: 'POST', href: SEARCH, body: { next: '2' } }] : [];
      return { type: 'FeatureCollection', features, links, numberMatched: 2 };
    });
    const r = await searchStac(params(), api);
    expect(r.items).toHaveLength(4);
    expect(r.pages).toBe(2);
  });

  it('merges the next body into the previous one when merge is true', async () => {
    const api = pagedPostApi(2, 1, true);
    await searchStac(params({ limit: 1 }), api);
    expect(api.calls[2]?.body).toMatchObject({ collections: ['sentinel-2-l2a'], limit: 1, next: '2' });
  });

  it('re-applies the filters client-side when the server ignores the query extension', async () => {
    const api = new FakeFetcher((c) =>
      c.url === ROOT.href
        ? landing({ query: false })
        : {
            type: 'FeatureCollection',
            features: [rawItem(1, 10), rawItem(2, 90), rawItem(3, 60)],
            links: [],
          },
    );
    const r = await searchStac(params(), api);
    expect(api.calls[1]?.body).not.toHaveProperty('query'); // not declared, not sent
    expect(r.items.map((i) => (i as Json)['id'])).toEqual(['item-1', 'item-3']);
    expect(r.filteredOut).toBe(1);
  });

  it('falls back to <root>/search when the landing page has no search link', async () => {
    const api = new FakeFetcher((c) =>
      c.url === ROOT.href
        ? landing({ searchLinks: false })
        : { type: 'FeatureCollection', features: [], links: [] },
    );
    await searchStac(params(), api);
    expect(api.calls[1]?.url).toBe(SEARCH); // the root's /v1 kept, not https://api.test/search
  });
});

describe('searchStac over GET', () => {
  it('encodes the parameters in the query string and follows next hrefs', async () => {
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      const u = new URL(c.url);
      const page = Number(u.searchParams.get('page') ?? '1');
      const links = page < 3 ? [{ rel: 'next', href: `${SEARCH}?page=${page + 1}&token=x` }] : [];
      return { type: 'FeatureCollection', features: [rawItem(page)], links };
    });
    const r = await searchStac(
      params({ method: 'GET', intersects: undefined, bbox: [98.2, 25.2, 98.4, 25.4], limit: 1 }),
      api,
    );
    expect(r).toMatchObject({ pages: 3, requests: 4 });
    expect(r.items).toHaveLength(3);
    const first = new URL(api.calls[1]?.url ?? '');
    expect(first.pathname).toBe('/v1/search');
    expect(Object.fromEntries(first.searchParams)).toEqual({
      collections: 'sentinel-2-l2a',
      datetime: '2023-12-01T00:00:00.000Z/2024-02-29T23:59:59.999Z',
      limit: '1',
      bbox: '98.2,25.2,98.4,25.4',
      query: '{"eo:cloud_cover":{"lte":60}}',
    });
    expect(api.calls[1]?.method).toBe('GET');
    expect(api.calls[1]?.body).toBeUndefined();
    expect(api.calls[3]?.url).toBe(`${SEARCH}?page=3&token=x`);
  });
});

describe('searchStac guards', () => {
  it('stops on a POST next link that repeats an earlier body: "paging loop at page N"', async () => {
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      // Page 1 points at token A; page 2 (token A) points at token A again.
      return {
        type: 'FeatureCollection',
        features: [rawItem(1)],
        links: [{ rel: 'next', method: 'POST', href: SEARCH, body: { next: 'A' } }],
      };
    });
    const err = await rejection(searchStac(params(), api));
    expect(err).toBeInstanceOf(StacUnavailableError);
    expect(err.message).toMatch(
      /^paging loop at page 2: the next link repeats an earlier request \(POST https:\/\/api.test\/v1\/search\)$/,
    );
    expect(api.calls).toHaveLength(3);
  });

  it('treats the same body with keys in another order as the same request', async () => {
    let n = 0;
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      n++;
      const body = n % 2 ? { a: 1, next: 'T' } : { next: 'T', a: 1 };
      return {
        type: 'FeatureCollection',
        features: [],
        links: [{ rel: 'next', method: 'POST', href: SEARCH, body }],
      };
    });
    await expect(searchStac(params(), api)).rejects.toThrow(/^paging loop at page 2/);
  });

  it('stops on a GET next link pointing at itself at page 1', async () => {
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      return { type: 'FeatureCollection', features: [], links: [{ rel: 'next', href: c.url }] };
    });
    await expect(searchStac(params({ method: 'GET' }), api)).rejects.toThrow(/^paging loop at page 1:/);
    expect(api.calls).toHaveLength(2);
  });

  it('caps the number of pages instead of truncating silently', async () => {
    let token = 0;
    const api = new FakeFetcher((c) => {
      if (c.url === ROOT.href) return landing();
      token++;
      return {
        type: 'FeatureCollection',
        features: [rawItem(token)],
        links: [{ rel: 'next', method: 'POST', href: SEARCH, body: { next: `t${token}` } }],
      };
    });
    await expect(searchStac(params({ maxPages: 5 }), api)).rejects.toThrow(/has more than 5 pages/);
    expect(api.calls).toHaveLength(6); // landing + 5 pages
  });

  it('rejects a next link that is not http(s)', async () => {
    const api = new FakeFetcher((c) =>
      c.url === ROOT.href
        ? landing()
        : { type: 'FeatureCollection', features: [], links: [{ rel: 'next', href: 'file:///etc/passwd' }] },
    );
    await expect(searchStac(params(), api)).rejects.toThrow(
      /next link of page 1 "file:\/\/\/etc\/passwd" is not an http\(s\) URL/,
    );
  });
});

describe('searchStac failures', () => {
  const answering = (page: unknown): FakeFetcher =>
    new FakeFetcher((c) => (c.url === ROOT.href ? landing() : page));

  it.each([
    ['a FeatureCollection without features', { type: 'FeatureCollection', links: [] }],
    ['an array', []],
    ['a string', '<html>busy</html>'],
    ['null', null],
  ])('a page that is %s is "bad STAC response", never 0 items', async (_name, page) => {
    const err = await rejection(searchStac(params(), answering(page)));
    expect(err).toBeInstanceOf(StacUnavailableError);
    expect(err.message).toBe(`bad STAC response from POST ${SEARCH}: no "features" array (page 1)`);
  });

  it('a body that is not JSON is "bad STAC response" naming the URL', async () => {
    const api = answering(
      new HttpError('not-json', SEARCH, 'answered text/html, not JSON: <html>', { retryable: false }),
    );
    const err = await rejection(searchStac(params(), api));
    expect(err).toBeInstanceOf(StacUnavailableError);
    expect(err.message).toBe(`bad STAC response from POST ${SEARCH}: answered text/html, not JSON: <html>`);
  });

  it('an unreachable API is StacUnavailableError with the URL and the cause', async () => {
    const cause = new HttpError('network', ROOT, 'network error ECONNREFUSED: fetch failed', {
      retryable: true,
    });
    const api = new FakeFetcher(() => cause);
    const err = await rejection(searchStac(params(), api));
    expect(err).toBeInstanceOf(StacUnavailableError);
    expect(err.message).toBe(
      `STAC API unavailable: GET ${ROOT.href}: network error ECONNREFUSED: fetch failed`,
    );
    expect(err.cause).toBe(cause);
  });

  it('an abort stays an abort', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const err = await rejection(searchStac(params(), pagedPostApi(2, 1, false), ctl.signal));
    expect(err).not.toBeInstanceOf(StacUnavailableError);
    expect(err.name).toBe('AbortError');
  });
});

describe.skipIf(!RECORDED_DATA.available)('searchStac on recorded Earth Search pages', () => {
  const read = (f: string): Json => JSON.parse(readFileSync(path.join(RECORDED, f), 'utf8')) as Json;

  it('stops after the recorded page whose items complete numberMatched, without following its next token', async () => {
    const page1 = read('v1_search_s2l2a_landsat_point_2023-10-08.json');
    const empty = read('v1_search_empty_result.json');
    const api = new FakeFetcher((c) => {
      if (c.url === 'https://earth-search.aws.element84.com/v1') return read('v1_landing.json');
      return (c.body as Json)['next'] ? empty : page1;
    });
    const r = await searchStac(
      params({
        root: new URL('https://earth-search.aws.element84.com/v1'),
        collections: ['sentinel-2-l2a', 'landsat-c2-l2'],
        intersects: {
          type: 'Polygon',
          coordinates: [
            [
              [-105.11, 40.16],
              [-105.09, 40.16],
              [-105.09, 40.17],
              [-105.11, 40.16],
            ],
          ],
        },
        datetime: parseDateWindow('2023-10-08', '2023-10-08').span,
      }),
      api,
    );
    expect(r.items.map((i) => (i as Json)['id'])).toEqual([
      'S2A_13TDE_20231008_0_L2A',
      'LC08_L2SP_033032_20231008_02_T1',
    ]);
    // The recorded page says numberMatched 2 and carries both items, yet still offers a next
    // token (Earth Search keeps giving one until an empty page): following it is a wasted round trip.
    expect(page1['numberMatched']).toBe(2);
    expect((page1['links'] as Json[]).some((l) => l['rel'] === 'next')).toBe(true);
    expect(r.pages).toBe(1);
    expect(api.calls.filter((c) => c.url !== 'https://earth-search.aws.element84.com/v1')).toHaveLength(1);
  });
});

describe('findItems input validation', () => {
  it('an invalid window never reaches a request: it is refused where it is parsed (RELIABILITY.md A8)', () => {
    // findItems takes only parsed windows (DateWindow), so the check runs at the edge, before
    // any client exists; the flag's name leads the message.
    expect(() => parseDateWindow('2021-02-01', '2020-12-01', '--before')).toThrow(InvalidInputError);
    expect(() => parseDateWindow('2021-02-01', '2020-12-01', '--before')).toThrow(
      /^--before: end .* is before start/,
    );
  });
});
