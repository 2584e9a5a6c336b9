import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDatetimeParam, parseRfc3339 } from '../../src/server/datetime.js';
import { BadRequestError } from '../../src/server/errors.js';
import {
  decodeNextToken,
  encodeNextToken,
  ItemIndex,
  type ItemsPage,
  type PagingOptions,
} from '../../src/server/search.js';
import type { RawParams } from '../../src/server/search-params.js';
import type { StacItem } from '../../src/server/stac-types.js';

const OPTS: PagingOptions = { defaultLimit: 10, maxLimit: 1000 };

interface ItemSpec {
  id: string;
  datetime: string;
  cloud?: number;
  box?: [number, number, number, number];
  collection?: string;
  /** A triangle in the lower-left half of the box instead of the whole box. */
  triangle?: boolean;
}

function item(spec: ItemSpec): StacItem {
  const [w, s, e, n] = spec.box ?? [97, 24, 98, 25];
  const ring = spec.triangle
    ? [
        [w, s],
        [e, s],
        [w, n],
        [w, s],
      ]
    : [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ];
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id: spec.id,
    collection: spec.collection ?? 'sentinel-2-l2a',
    bbox: [w, s, e, n],
    geometry: { type: 'Polygon', coordinates: [ring] },
    properties: {
      datetime: spec.datetime,
      'eo:cloud_cover': spec.cloud ?? 10,
      platform: 'sentinel-2b',
      'mgrs:utm_zone': 47,
    },
    links: [],
    assets: { red: { href: `../assets/${spec.id}/B04.tif` } },
  };
}

const ITEMS: StacItem[] = [
  item({ id: 'S2B_47RPN_20210105_0_L2A', datetime: '2021-01-05T04:08:54.123Z', cloud: 3.5 }),
  item({ id: 'S2A_47RPN_20210110_0_L2A', datetime: '2021-01-10T04:08:50.000Z', cloud: 40 }),
  item({
    id: 'S2A_47RQN_20210110_0_L2A',
    datetime: '2021-01-10T04:08:50.000Z',
    cloud: 60,
    box: [98, 24, 99, 25],
  }),
  item({
    id: 'S2B_46RGU_20201215_0_L2A',
    datetime: '2020-12-15T04:10:00Z',
    cloud: 0,
    box: [95.9, 24, 97, 25],
  }),
  item({ id: 'S2A_47RPN_20240120_0_L2A', datetime: '2024-01-20T04:08:49.5Z', cloud: 20.25 }),
  item({
    id: 'S2A_47RPP_20240120_0_L2A',
    datetime: '2024-01-20T04:08:49.5Z',
    cloud: 95,
    box: [97, 25, 98, 26],
    triangle: true,
  }),
  item({
    id: 'LC08_133043_20210105',
    datetime: '2021-01-05T03:55:00Z',
    cloud: 1,
    collection: 'landsat-c2-l2',
  }),
];

function ids(page: ItemsPage): string[] {
  return page.features.map((f) => f.id);
}

function search(raw: RawParams, items: StacItem[] = ITEMS, opts: PagingOptions = OPTS): ItemsPage {
  return new ItemIndex(items).search(raw, opts);
}

function badRequest(raw: RawParams): string {
  try {
    search(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestError);
    return (err as Error).message;
  }
  throw new Error(`expected a 400 for ${JSON.stringify(raw)}`);
}

/** Follows `next` tokens to the end; returns the ids in order and the pages seen. */
function exhaust(
  index: ItemIndex,
  raw: RawParams,
  opts: PagingOptions = OPTS,
): { ids: string[]; pages: ItemsPage[] } {
  const pages: ItemsPage[] = [];
  let page = index.search(raw, opts);
  pages.push(page);
  while (page.next) {
    page = index.search({ next: page.next }, opts);
    pages.push(page);
    if (pages.length > 10_000) throw new Error('paging did not end');
  }
  return { ids: pages.flatMap(ids), pages };
}

describe('ordering', () => {
  it('sorts by datetime descending, then id descending, like Earth Search', () => {
    expect(ids(search({}))).toEqual([
      'S2A_47RPP_20240120_0_L2A',
      'S2A_47RPN_20240120_0_L2A',
      'S2A_47RQN_20210110_0_L2A',
      'S2A_47RPN_20210110_0_L2A',
      'S2B_47RPN_20210105_0_L2A',
      'LC08_133043_20210105',
      'S2B_46RGU_20201215_0_L2A',
    ]);
  });

  it('keeps microsecond precision when ordering', () => {
    const items = [
      item({ id: 'a', datetime: '2023-10-08T17:37:26.656957Z' }),
      item({ id: 'b', datetime: '2023-10-08T17:37:26.656958Z' }),
      item({ id: 'c', datetime: '2023-10-08T17:37:26.656Z' }),
    ];
    expect(ids(search({}, items))).toEqual(['b', 'a', 'c']);
  });

  it('honours sortby (GET and POST forms) and keeps id as tie-breaker', () => {
    const asc = ids(search({ sortby: '+properties.eo:cloud_cover', limit: 3 }));
    expect(asc).toEqual(['S2B_46RGU_20201215_0_L2A', 'LC08_133043_20210105', 'S2B_47RPN_20210105_0_L2A']);
    const desc = ids(
      search({ sortby: [{ field: 'properties.eo:cloud_cover', direction: 'desc' }], limit: 2 }),
    );
    expect(desc).toEqual(['S2A_47RPP_20240120_0_L2A', 'S2A_47RQN_20210110_0_L2A']);
  });
});

describe('collections and ids', () => {
  it('filters by collections, comma list or JSON array', () => {
    expect(ids(search({ collections: 'landsat-c2-l2' }))).toEqual(['LC08_133043_20210105']);
    expect(search({ collections: ['sentinel-2-l2a'] }).matched).toBe(6);
    expect(search({ collections: 'sentinel-2-l2a,landsat-c2-l2' }).matched).toBe(7);
    expect(search({ collections: ['nope'] }).matched).toBe(0);
  });

  it('filters by ids, combined with other filters', () => {
    expect(ids(search({ ids: 'S2B_47RPN_20210105_0_L2A,LC08_133043_20210105' }))).toEqual([
      'S2B_47RPN_20210105_0_L2A',
      'LC08_133043_20210105',
    ]);
    expect(
      ids(
        search({ ids: ['S2B_47RPN_20210105_0_L2A', 'LC08_133043_20210105'], collections: ['landsat-c2-l2'] }),
      ),
    ).toEqual(['LC08_133043_20210105']);
  });
});

describe('bbox', () => {
  it('selects items whose footprint intersects the box, edges included', () => {
    expect(search({ bbox: '98.5,24.5,98.7,24.7' }).features.map((f) => f.id)).toEqual([
      'S2A_47RQN_20210110_0_L2A',
    ]);
    // touches the shared edge at lon 98: both tiles
    expect(search({ bbox: [98, 24.2, 98, 24.3], collections: ['sentinel-2-l2a'] }).matched).toBe(4);
    expect(search({ bbox: [10, 10, 11, 11] }).matched).toBe(0);
  });

  it('accepts 6-number boxes and JSON strings', () => {
    expect(search({ bbox: [98.5, 24.5, 0, 98.7, 24.7, 100] }).matched).toBe(1);
    expect(search({ bbox: '[98.5,24.5,98.7,24.7]' }).matched).toBe(1);
  });

  it('tests the real geometry, not only the item bbox', () => {
    // upper-right corner of 47RPP's box, outside its triangle footprint
    expect(ids(search({ bbox: [97.8, 25.8, 97.9, 25.9] }))).toEqual([]);
    expect(ids(search({ bbox: [97.1, 25.1, 97.2, 25.2] }))).toEqual(['S2A_47RPP_20240120_0_L2A']);
  });

  it('handles a box crossing the antimeridian', () => {
    const items = [item({ id: 'fiji', datetime: '2021-01-01T00:00:00Z', box: [178, -18, 179, -17] })];
    expect(search({ bbox: [170, -20, -170, -10] }, items).matched).toBe(1);
    expect(search({ bbox: [-179, -20, -170, -10] }, items).matched).toBe(0);
  });

  it('rejects malformed boxes with stac-server messages', () => {
    expect(badRequest({ bbox: '1,2,3' })).toBe('Invalid bbox, must have 4 or 6 points');
    expect(badRequest({ bbox: '1,25,3,24' })).toBe('Invalid bbox, SW latitude must be less than NE latitude');
    expect(badRequest({ bbox: '1,2,x,4' })).toMatch(/finite numbers/);
    expect(badRequest({ bbox: '1,-91,3,4' })).toMatch(/latitude/);
    expect(badRequest({ bbox: '[1,2' })).toMatch(/Invalid bbox/);
  });
});

describe('intersects', () => {
  it('matches a point inside a footprint (GeoJSON object or JSON string)', () => {
    const point = { type: 'Point', coordinates: [98.5, 24.5] };
    expect(ids(search({ intersects: point }))).toEqual(['S2A_47RQN_20210110_0_L2A']);
    expect(ids(search({ intersects: JSON.stringify(point) }))).toEqual(['S2A_47RQN_20210110_0_L2A']);
  });

  it('matches a polygon overlapping several tiles and excludes disjoint ones', () => {
    const poly = {
      type: 'Polygon',
      coordinates: [
        [
          [96.5, 24.4],
          [97.5, 24.4],
          [97.5, 24.6],
          [96.5, 24.6],
          [96.5, 24.4],
        ],
      ],
    };
    expect(new Set(ids(search({ intersects: poly, limit: 100 })))).toEqual(
      new Set([
        'S2B_47RPN_20210105_0_L2A',
        'S2A_47RPN_20210110_0_L2A',
        'S2B_46RGU_20201215_0_L2A',
        'S2A_47RPN_20240120_0_L2A',
        'LC08_133043_20210105',
      ]),
    );
  });

  it('rejects Features, bad geometries and bbox together with intersects', () => {
    expect(badRequest({ intersects: { type: 'Feature', geometry: null, properties: {} } })).toMatch(
      /not Feature/,
    );
    expect(
      badRequest({
        intersects: {
          type: 'Polygon',
          coordinates: [
            [
              [0, 0],
              [1, 1],
            ],
          ],
        },
      }),
    ).toBe('Invalid GeoJSON geometry');
    expect(badRequest({ intersects: '{not json' })).toMatch(/not valid JSON/);
    expect(badRequest({ intersects: { type: 'Point', coordinates: [1, 2] }, bbox: [0, 0, 1, 1] })).toBe(
      'Expected bbox OR intersects, not both',
    );
  });
});

describe('datetime', () => {
  it('parses RFC 3339 with offsets and fractions', () => {
    expect(parseRfc3339('2021-01-05T04:08:54Z')).toBe(Date.UTC(2021, 0, 5, 4, 8, 54));
    expect(parseRfc3339('2021-01-05T06:38:54+02:30')).toBe(Date.UTC(2021, 0, 5, 4, 8, 54));
    expect(parseRfc3339('2021-01-05T04:08:54.5z')).toBe(Date.UTC(2021, 0, 5, 4, 8, 54, 500));
    expect(parseRfc3339('2021-02-30T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2021-01-05')).toBeUndefined();
    expect(parseDatetimeParam('2021-01-05T00:00:00Z/..')).toEqual({ start: Date.UTC(2021, 0, 5), end: null });
  });

  it('selects an instant exactly', () => {
    expect(ids(search({ datetime: '2021-01-05T04:08:54.123Z' }))).toEqual(['S2B_47RPN_20210105_0_L2A']);
    expect(search({ datetime: '2021-01-05T04:08:54.124Z' }).matched).toBe(0);
  });

  it('selects closed intervals with inclusive ends', () => {
    const r = search({ datetime: '2021-01-05T03:55:00Z/2021-01-10T04:08:50Z', limit: 100 });
    expect(ids(r)).toEqual([
      'S2A_47RQN_20210110_0_L2A',
      'S2A_47RPN_20210110_0_L2A',
      'S2B_47RPN_20210105_0_L2A',
      'LC08_133043_20210105',
    ]);
  });

  it('selects open intervals with .. or an empty end', () => {
    expect(search({ datetime: '../2020-12-31T23:59:59Z' }).matched).toBe(1);
    expect(search({ datetime: '/2020-12-31T23:59:59Z' }).matched).toBe(1);
    expect(search({ datetime: '2024-01-01T00:00:00Z/..' }).matched).toBe(2);
    expect(search({ datetime: '2024-01-01T00:00:00Z/' }).matched).toBe(2);
  });

  it('matches items with start_datetime/end_datetime by overlap', () => {
    const composite = item({ id: 'mosaic', datetime: '2021-06-01T00:00:00Z' });
    composite.properties['start_datetime'] = '2021-01-01T00:00:00Z';
    composite.properties['end_datetime'] = '2021-12-31T23:59:59Z';
    expect(search({ datetime: '2021-03-01T00:00:00Z/2021-03-02T00:00:00Z' }, [composite]).matched).toBe(1);
    expect(search({ datetime: '2022-03-01T00:00:00Z/..' }, [composite]).matched).toBe(0);
  });

  it('rejects what Earth Search rejects', () => {
    expect(badRequest({ datetime: '../..' })).toMatch(/at least one end of the interval must be closed/);
    expect(badRequest({ datetime: '/' })).toMatch(/at least one end/);
    expect(badRequest({ datetime: '2021-02-01T00:00:00Z/2021-01-01T00:00:00Z' })).toMatch(
      /start datetime must be before/,
    );
    expect(badRequest({ datetime: '2021-01-01' })).toMatch(/does not match RFC3339/);
    expect(badRequest({ datetime: '2021-01-01/2021-02-01' })).toMatch(/does not match RFC3339/);
    expect(badRequest({ datetime: '2021-13-01T00:00:00Z' })).toMatch(/does not match RFC3339/);
    expect(badRequest({ datetime: 'a/b/c' })).toMatch(/too many forward slashes/);
  });
});

describe('query extension', () => {
  const cloud = (ops: Record<string, unknown>): number =>
    search({ query: { 'eo:cloud_cover': ops } }).matched;

  it('compares eo:cloud_cover with lt, lte, gt, gte, eq, neq, in', () => {
    expect(cloud({ lt: 20.25 })).toBe(3);
    expect(cloud({ lte: 20.25 })).toBe(4);
    expect(cloud({ gt: 40 })).toBe(2);
    expect(cloud({ gte: 40 })).toBe(3);
    expect(cloud({ eq: 3.5 })).toBe(1);
    expect(cloud({ neq: 3.5 })).toBe(6);
    expect(cloud({ in: [0, 1, 95] })).toBe(3);
    expect(cloud({ gte: 1, lt: 40 })).toBe(3);
  });

  it('accepts the properties. prefix, GET JSON strings and string operators', () => {
    expect(search({ query: JSON.stringify({ 'properties.eo:cloud_cover': { lte: 1 } }) }).matched).toBe(2);
    expect(search({ query: { platform: { startsWith: 'sentinel-2' } } }).matched).toBe(7);
    expect(search({ query: { 'mgrs:utm_zone': { eq: 47 }, 'eo:cloud_cover': { lt: 5 } } }).matched).toBe(3);
  });

  it('compares datetime as instants', () => {
    expect(search({ query: { datetime: { gte: '2024-01-20T04:08:49.5Z' } } }).matched).toBe(2);
  });

  it('never matches items that lack the property, except for neq', () => {
    const bare = item({ id: 'bare', datetime: '2021-01-01T00:00:00Z' });
    delete bare.properties['eo:cloud_cover'];
    expect(search({ query: { 'eo:cloud_cover': { lt: 100 } } }, [bare]).matched).toBe(0);
    expect(search({ query: { 'eo:cloud_cover': { neq: 5 } } }, [bare]).matched).toBe(1);
  });

  it('rejects unknown operators and malformed queries', () => {
    expect(badRequest({ query: { 'eo:cloud_cover': { below: 5 } } })).toMatch(/operator "below"/);
    expect(badRequest({ query: { 'eo:cloud_cover': 5 } })).toMatch(/Invalid query/);
    expect(badRequest({ query: '{"eo:cloud_cover":' })).toMatch(/not valid JSON/);
    expect(badRequest({ query: { 'eo:cloud_cover': { in: 5 } } })).toMatch(/needs a list/);
  });
});

describe('CQL2-JSON filter', () => {
  it('evaluates comparisons, logic and Earth Search op aliases', () => {
    const lte = { op: 'lte', args: [{ property: 'eo:cloud_cover' }, 40] };
    expect(search({ filter: lte, 'filter-lang': 'cql2-json' }).matched).toBe(5);
    expect(
      search({ filter: JSON.stringify({ op: '<=', args: [{ property: 'eo:cloud_cover' }, 40] }) }).matched,
    ).toBe(5);
    const both = {
      op: 'and',
      args: [lte, { op: '=', args: [{ property: 'collection' }, 'sentinel-2-l2a'] }],
    };
    expect(search({ filter: both }).matched).toBe(4);
    expect(search({ filter: { op: 'not', args: [both] } }).matched).toBe(3);
    expect(
      search({ filter: { op: 'between', args: [{ property: 'eo:cloud_cover' }, 1, 20.25] } }).matched,
    ).toBe(3);
    expect(search({ filter: { op: 'like', args: [{ property: 'id' }, 'S2A\\_47RP%'] } }).matched).toBe(3);
    expect(
      search({ filter: { op: 'in', args: [{ property: 'id' }, ['LC08_133043_20210105', 'x']] } }).matched,
    ).toBe(1);
    expect(search({ filter: { op: 'isNull', args: [{ property: 'view:sun_elevation' }] } }).matched).toBe(7);
  });

  it('evaluates s_intersects and t_intersects', () => {
    const point = { type: 'Point', coordinates: [98.5, 24.5] };
    expect(ids(search({ filter: { op: 's_intersects', args: [{ property: 'geometry' }, point] } }))).toEqual([
      'S2A_47RQN_20210110_0_L2A',
    ]);
    const t = {
      op: 't_intersects',
      args: [{ property: 'datetime' }, { interval: ['2024-01-01T00:00:00Z', '..'] }],
    };
    expect(search({ filter: t }).matched).toBe(2);
    const ts = { op: '>=', args: [{ property: 'datetime' }, { timestamp: '2024-01-01T00:00:00Z' }] };
    expect(search({ filter: ts }).matched).toBe(2);
  });

  it('rejects unsupported operators and languages', () => {
    expect(badRequest({ filter: { op: 'a_contains', args: [] } })).toMatch(
      /unsupported operator "a_contains"/,
    );
    expect(badRequest({ filter: { args: [] } })).toMatch(/"op"/);
    expect(badRequest({ filter: 'eo:cloud_cover < 10', 'filter-lang': 'cql2-text' })).toMatch(/filter-lang/);
  });
});

describe('limit', () => {
  it('defaults to 10 and clamps to maxLimit', () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      item({ id: `i${String(i).padStart(2, '0')}`, datetime: '2021-01-01T00:00:00Z' }),
    );
    expect(search({}, many).features).toHaveLength(10);
    expect(search({ limit: '3' }, many).features).toHaveLength(3);
    const clamped = search({ limit: 5000 }, many, { defaultLimit: 10, maxLimit: 20 });
    expect(clamped.features).toHaveLength(20);
    expect(clamped.limit).toBe(20);
  });

  it('rejects non-positive and non-integer limits', () => {
    for (const limit of [0, -1, '0', 'abc', '1.5', 2.5, '']) {
      expect(badRequest({ limit })).toBe('Invalid limit value, must be a positive number');
    }
  });
});

describe('paging with next tokens', () => {
  it('offers next on every non-empty page and ends with an empty page, like Earth Search', () => {
    const index = new ItemIndex(ITEMS);
    const { ids: all, pages } = exhaust(index, { limit: 3 });
    expect(all).toEqual(ids(search({ limit: 100 })));
    expect(pages.map((p) => p.features.length)).toEqual([3, 3, 1, 0]);
    expect(pages.every((p) => p.matched === 7)).toBe(true);
    expect(pages.at(-1)?.next).toBeUndefined();
  });

  it('can stop at the last non-empty page instead', () => {
    const index = new ItemIndex(ITEMS);
    const { pages } = exhaust(index, { limit: 3 }, { ...OPTS, trailingEmptyPage: false });
    expect(pages.map((p) => p.features.length)).toEqual([3, 3, 1]);
    const exact = exhaust(index, { limit: 7 }, { ...OPTS, trailingEmptyPage: false });
    expect(exact.pages).toHaveLength(1);
  });

  it('keeps the search parameters in the token', () => {
    const index = new ItemIndex(ITEMS);
    const { ids: got } = exhaust(index, {
      collections: ['sentinel-2-l2a'],
      query: { 'eo:cloud_cover': { lt: 50 } },
      limit: 1,
    });
    expect(got).toEqual([
      'S2A_47RPN_20240120_0_L2A',
      'S2A_47RPN_20210110_0_L2A',
      'S2B_47RPN_20210105_0_L2A',
      'S2B_46RGU_20201215_0_L2A',
    ]);
  });

  it('lets explicit parameters override the token, as a merge:true client would send them', () => {
    const index = new ItemIndex(ITEMS);
    const first = index.search({ limit: 2 }, OPTS);
    const second = index.search({ next: first.next, limit: 1 }, OPTS);
    expect(ids(second)).toEqual(['S2A_47RQN_20210110_0_L2A']);
  });

  it('does not shift or repeat pages when newer items arrive between requests', () => {
    const before = new ItemIndex(ITEMS);
    const first = before.search({ limit: 3 }, OPTS);
    const grown = new ItemIndex([...ITEMS, item({ id: 'NEW_2025', datetime: '2025-01-01T00:00:00Z' })]);
    const rest = exhaust(grown, { next: first.next });
    expect([...ids(first), ...rest.ids]).toEqual(ids(search({ limit: 100 })));
  });

  it('rejects invalid and tampered tokens', () => {
    expect(badRequest({ next: 'not a token' })).toBe('Invalid next token');
    expect(badRequest({ next: Buffer.from('{"v":2}').toString('base64url') })).toBe('Invalid next token');
    const tampered = encodeNextToken({ bbox: [1, 2, 3] }, [0, 'a', 'b']);
    expect(badRequest({ next: tampered })).toBe('Invalid bbox, must have 4 or 6 points');
    const shortKey = encodeNextToken({}, [0]);
    expect(badRequest({ next: shortKey })).toBe('Invalid next token');
    expect(decodeNextToken(encodeNextToken({ limit: 2 }, [1, 'x', null]))).toEqual({
      params: { limit: 2 },
      after: [1, 'x', null],
    });
  });

  it('returns every matching item exactly once, for any catalogue, filter and page size', () => {
    const itemArb = fc.record({
      tile: fc.constantFrom('47RPN', '47RQN', '46RGU'),
      day: fc.integer({ min: 0, max: 12 }),
      second: fc.constantFrom(0, 0, 30),
      cloud: fc.integer({ min: 0, max: 100 }),
      collection: fc.constantFrom('sentinel-2-l2a', 'sentinel-2-l2a', 'sentinel-2-l1c'),
    });
    fc.assert(
      fc.property(
        fc.array(itemArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.integer({ min: 0, max: 100 })),
        fc.boolean(),
        (specs, limit, maxCloud, trailing) => {
          const items = specs.map((s, i) =>
            item({
              id: `S2_${s.tile}_${String(s.day).padStart(2, '0')}_${i % 3}`,
              datetime: new Date(Date.UTC(2021, 0, 1 + s.day, 4, 8, s.second)).toISOString(),
              cloud: s.cloud,
              collection: s.collection,
            }),
          );
          const index = new ItemIndex(items);
          const raw: RawParams = { limit, collections: ['sentinel-2-l2a'] };
          if (maxCloud !== null) raw['query'] = { 'eo:cloud_cover': { lte: maxCloud } };
          const opts = { ...OPTS, trailingEmptyPage: trailing };
          const { ids: got, pages } = exhaust(index, raw, opts);
          const expected = index.entries
            .filter((e) => e.item.collection === 'sentinel-2-l2a')
            .filter((e) => maxCloud === null || (e.item.properties['eo:cloud_cover'] as number) <= maxCloud)
            .map((e) => `${e.item.collection}/${e.item.id}`);
          expect(new Set(got).size).toBe(got.length);
          expect(got.length).toBe(expected.length);
          expect(pages.every((p) => p.matched === expected.length && p.features.length <= limit)).toBe(true);
          const keys = pages.flatMap((p) => p.features.map((f) => f.properties['datetime'] as string));
          expect([...keys].sort().reverse()).toEqual(keys);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('catalogue index', () => {
  it('deduplicates by collection and id, the last occurrence winning', () => {
    const a = item({ id: 'dup', datetime: '2021-01-01T00:00:00Z', cloud: 1 });
    const b = item({ id: 'dup', datetime: '2021-01-01T00:00:00Z', cloud: 2 });
    const index = new ItemIndex([a, b]);
    expect(index.size).toBe(1);
    expect(index.getItem('sentinel-2-l2a', 'dup')?.properties['eo:cloud_cover']).toBe(2);
  });

  it('pins a search to one collection for /collections/{id}/items', () => {
    const index = new ItemIndex(ITEMS);
    expect(index.search({ collections: ['sentinel-2-l2a'] }, OPTS, 'landsat-c2-l2').matched).toBe(1);
  });
});
