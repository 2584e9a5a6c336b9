import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  datetimeParam,
  parseDateWindow,
  rawItemMismatch,
  spanWindow,
  type SearchFilters,
} from '../../src/catalog/filters.js';
import { readLocalCatalog, searchLocalCatalog } from '../../src/catalog/local-catalog.js';
import { InvalidInputError } from '../../src/errors.js';

type Json = Record<string, unknown>;

function rawItem(id: string, lon: number, date: string, cloud: number, collection = 'sentinel-2-l2a'): Json {
  return {
    type: 'Feature',
    id,
    collection,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [lon, 25],
          [lon + 0.5, 25],
          [lon + 0.5, 25.5],
          [lon, 25.5],
          [lon, 25],
        ],
      ],
    },
    properties: { datetime: date, 'eo:cloud_cover': cloud },
    assets: { nir: { href: `./${id}/B08.tif` } },
    links: [],
  };
}

const FILTERS: SearchFilters = {
  collections: ['sentinel-2-l2a'],
  intersects: {
    type: 'Polygon',
    coordinates: [
      [
        [98.2, 25.1],
        [98.3, 25.1],
        [98.3, 25.2],
        [98.2, 25.1],
      ],
    ],
  },
  datetime: parseDateWindow('2024-01-01', '2024-01-31').span,
  maxCloud: 50,
};

describe('parseDateWindow', () => {
  it('makes a date-only end cover its whole day and formats start/end in RFC 3339', () => {
    const w = parseDateWindow('2020-12-01', '2021-02-28').span;
    expect(datetimeParam(w)).toBe('2020-12-01T00:00:00.000Z/2021-02-28T23:59:59.999Z');
    const exact = parseDateWindow('2024-01-05T04:00:00+02:00', '2024-01-06T00:00:00Z').span;
    expect(datetimeParam(exact)).toBe('2024-01-05T02:00:00.000Z/2024-01-06T00:00:00.000Z');
  });

  it('keeps the text as given beside the instants, and spanWindow writes instants as RFC 3339', () => {
    const w = parseDateWindow('2020-12-01', '2021-02-28', '--before');
    expect([w.start, w.end]).toEqual(['2020-12-01', '2021-02-28']);
    const computed = spanWindow(w.span.start, new Date('2021-01-15T10:00:00Z'));
    expect([computed.start, computed.end]).toEqual(['2020-12-01T00:00:00.000Z', '2021-01-15T10:00:00.000Z']);
    expect(computed.span.end.toISOString()).toBe('2021-01-15T10:00:00.000Z');
  });

  it.each([
    [{ start: '2021-02-30', end: '2021-03-01' }, /--before start "2021-02-30" is not a YYYY-MM-DD date/],
    [{ start: '2026-13-01', end: '2027-01-01' }, /--before start "2026-13-01"/],
    [{ start: '2021-03-01', end: '2021-02-01' }, /--before: end 2021-02-01T23:59:59.999Z is before start/],
    [{ start: 'yesterday', end: '2021-02-01' }, /--before start "yesterday"/],
  ])('rejects %j', (w, message) => {
    expect(() => parseDateWindow(w.start, w.end, '--before')).toThrow(InvalidInputError);
    expect(() => parseDateWindow(w.start, w.end, '--before')).toThrow(message);
  });
});

describe('rawItemMismatch', () => {
  it('applies collection, date, cloud and AOI, and says which failed', () => {
    expect(rawItemMismatch(rawItem('ok', 98, '2024-01-10T04:00:00Z', 10), FILTERS)).toBeUndefined();
    expect(rawItemMismatch(rawItem('c', 98, '2024-01-10T04:00:00Z', 10, 'landsat-c2-l2'), FILTERS)).toBe(
      'collection landsat-c2-l2 not searched',
    );
    expect(rawItemMismatch(rawItem('d', 98, '2024-02-01T00:00:00Z', 10), FILTERS)).toBe(
      'outside the date window',
    );
    expect(rawItemMismatch(rawItem('e', 98, '2024-01-31T23:59:59Z', 10), FILTERS)).toBeUndefined();
    expect(rawItemMismatch(rawItem('f', 98, '2024-01-10T04:00:00Z', 50.5), FILTERS)).toBe(
      'eo:cloud_cover 50.5 above 50',
    );
    expect(rawItemMismatch(rawItem('g', 99, '2024-01-10T04:00:00Z', 10), FILTERS)).toBe(
      'outside the area of interest',
    );
    expect(rawItemMismatch('junk', FILTERS)).toBe('not a JSON object');
  });

  it('tests a bbox filter, and an item with only a bbox', () => {
    const f: SearchFilters = { ...FILTERS, intersects: undefined, bbox: [98.4, 25.4, 99.2, 25.6] };
    expect(rawItemMismatch(rawItem('h', 98, '2024-01-10T04:00:00Z', 10), f)).toBeUndefined();
    const bboxOnly = {
      ...rawItem('i', 98, '2024-01-10T04:00:00Z', 10),
      geometry: null,
      bbox: [97, 25, 97.5, 25.5],
    };
    expect(rawItemMismatch(bboxOnly, f)).toBe('outside the area of interest');
  });
});

describe('local catalogues', () => {
  let dir: string;
  const write = async (rel: string, json: unknown): Promise<void> => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), JSON.stringify(json));
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'minewatch-local-catalog-'));
    await write('items.json', {
      type: 'FeatureCollection',
      features: [
        rawItem('a', 98, '2024-01-10T04:00:00Z', 10),
        rawItem('b', 98, '2024-01-12T04:00:00Z', 90),
        rawItem('c', 99, '2024-01-14T04:00:00Z', 10),
      ],
    });
    // Static catalogue: root -> collection -> two items in sub folders, and a child link back to root.
    await write('static/catalog.json', {
      type: 'Catalog',
      id: 'root',
      links: [
        { rel: 'self', href: './catalog.json' },
        { rel: 'child', href: './s2/collection.json' },
      ],
    });
    await write('static/s2/collection.json', {
      type: 'Collection',
      id: 'sentinel-2-l2a',
      links: [
        { rel: 'root', href: '../catalog.json' },
        { rel: 'child', href: '../catalog.json' }, // a cycle
        { rel: 'item', href: './x/x.json' },
        { rel: 'item', href: pathToFileURL(path.join(dir, 'static/s2/y/y.json')).href },
        { rel: 'item', href: './x/x.json#again' }, // the same file twice
      ],
    });
    await write('static/s2/x/x.json', rawItem('x', 98, '2024-01-20T04:00:00Z', 5));
    await write('static/s2/y/y.json', rawItem('y', 98, '2024-03-20T04:00:00Z', 5));
    await write('remote.json', {
      type: 'Catalog',
      links: [{ rel: 'child', href: 'https://example.com/c.json' }],
    });
    await write('bad-type.json', { type: 'Something' });
    await writeFile(path.join(dir, 'not-json.json'), '{"type": ');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an ItemCollection with the file as the base of its hrefs', async () => {
    const r = await readLocalCatalog(path.join(dir, 'items.json'));
    expect(r.documents).toBe(1);
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0]?.base.href).toBe(pathToFileURL(path.join(dir, 'items.json')).href);
    expect(r.groups[0]?.items).toHaveLength(3);
  });

  it('filters an ItemCollection like an API would', async () => {
    const r = await searchLocalCatalog(pathToFileURL(path.join(dir, 'items.json')).href, FILTERS);
    expect(r.groups.flatMap((g) => g.items.map((i) => (i as Json)['id']))).toEqual(['a']);
    expect(r.filteredOut).toBe(2);
  });

  it('walks a static catalogue through child and item links, once per file, cycles included', async () => {
    const r = await readLocalCatalog(path.join(dir, 'static/catalog.json'));
    expect(r.documents).toBe(4);
    expect(
      r.groups.map((g) => [(g.items[0] as Json)['id'], path.relative(dir, new URL(g.base).pathname)]),
    ).toEqual([
      ['x', 'static/s2/x/x.json'],
      ['y', 'static/s2/y/y.json'],
    ]);
    const found = await searchLocalCatalog(path.join(dir, 'static/catalog.json'), FILTERS);
    expect(found.groups.map((g) => (g.items[0] as Json)['id'])).toEqual(['x']);
  });

  it('caps the number of documents', async () => {
    await expect(
      readLocalCatalog(path.join(dir, 'static/catalog.json'), { maxDocuments: 2 }),
    ).rejects.toThrow(/more than 2 documents/);
  });

  it.each([
    ['remote.json', /child link "https:\/\/example.com\/c.json" is not a local file/],
    ['bad-type.json', /type "Something" is not an ItemCollection, Item, Catalog or Collection/],
    ['not-json.json', /not valid JSON/],
    ['missing.json', /cannot read/],
  ])('rejects %s with an error naming the file', async (file, message) => {
    const err = await readLocalCatalog(path.join(dir, file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(dir);
  });
});
