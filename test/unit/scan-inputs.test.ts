import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { parseInterval } from '../../src/cli/flags.js';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { InvalidInputError } from '../../src/errors.js';
import { parseAoi } from '../../src/geo/aoi.js';
import { assetPolicy } from '../../src/run/asset-policy.js';
import { planScan } from '../../src/run/planner.js';
import type { S2Item } from '../../src/catalog/item.js';
import { toLonLat } from '../../src/geo/utm.js';

const square = (x0: number, y0: number, d: number): number[][] => [
  [x0, y0],
  [x0 + d, y0],
  [x0 + d, y0 + d],
  [x0, y0 + d],
  [x0, y0],
];

describe('AOI validation', () => {
  it('accepts polygons, features and collections, and rewinds clockwise rings', () => {
    const cw = [...square(98, 25, 0.1)].reverse();
    const aoi = parseAoi(
      { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [cw] } },
      'a.geojson',
    );
    expect(turf.booleanClockwise(aoi.geometry.coordinates[0] as number[][])).toBe(false);
    const fc = parseAoi(
      {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { township: 'Chipwi' },
            geometry: { type: 'Polygon', coordinates: [square(98, 25, 0.1)] },
          },
          {
            type: 'Feature',
            properties: { township: 'Momauk' },
            geometry: { type: 'Polygon', coordinates: [square(97, 24, 0.1)] },
          },
        ],
      },
      'b.geojson',
    );
    expect(fc.geometry.type).toBe('MultiPolygon');
    expect(fc.townships.map((t) => t.name)).toEqual(['Chipwi', 'Momauk']);
  });

  it.each([
    [
      'bow-tie',
      {
        type: 'Polygon',
        coordinates: [
          [
            [98, 25],
            [98.1, 25.1],
            [98.1, 25],
            [98, 25.1],
            [98, 25],
          ],
        ],
      },
      'intersects itself',
    ],
    [
      'unclosed',
      {
        type: 'Polygon',
        coordinates: [
          [
            [98, 25],
            [98.1, 25],
            [98.1, 25.1],
            [98, 25.1],
          ],
        ],
      },
      'not closed',
    ],
    [
      'short ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [98, 25],
            [98.1, 25],
            [98, 25],
          ],
        ],
      },
      'at least 4',
    ],
    [
      'NaN',
      {
        type: 'Polygon',
        coordinates: [
          [
            [98, 25],
            [Number.NaN, 25],
            [98.1, 25.1],
            [98, 25],
          ],
        ],
      },
      'coordinates[0][1] longitude',
    ],
    [
      'latitude',
      {
        type: 'Polygon',
        coordinates: [
          [
            [98, 25],
            [98.1, 95],
            [98.1, 25.1],
            [98, 25],
          ],
        ],
      },
      'outside -90..90',
    ],
    [
      'antimeridian',
      {
        type: 'Polygon',
        coordinates: [
          [
            [179.9, 0],
            [-179.9, 0],
            [-179.9, 1],
            [179.9, 1],
            [179.9, 0],
          ],
        ],
      },
      'antimeridian',
    ],
    ['point', { type: 'Point', coordinates: [98, 25] }, 'expected Polygon'],
    ['empty', { type: 'FeatureCollection', features: [] }, 'no features'],
    ['continent', { type: 'Polygon', coordinates: [square(60, 0, 40)] }, 'limit'],
  ])('refuses a %s AOI with a message naming the problem', (_name, json, message) => {
    expect(() => parseAoi(json, 'aoi.geojson')).toThrow(InvalidInputError);
    expect(() => parseAoi(json, 'aoi.geojson')).toThrow(message);
    expect(() => parseAoi(json, 'aoi.geojson')).toThrow('aoi.geojson');
  });

  it('loads the kachin preset with approximate township areas', () => {
    const k = loadAoi('kachin');
    expect(k.townships).toHaveLength(18);
    expect(k.townships.map((t) => t.name)).toContain('Momauk');
    // Mai Ja Yang (~24.3 N, 97.9 E) and Pangwa lie inside the preset.
    expect(turf.booleanPointInPolygon([97.86, 24.35], k.geometry)).toBe(true);
    expect(turf.booleanPointInPolygon([98.38, 25.6], k.geometry)).toBe(true);
    expect(() => loadAoi('atlantis')).toThrow('no such preset');
  });
});

describe('date intervals', () => {
  const now = new Date('2026-11-29T00:00:00Z');
  it('accepts dates and RFC 3339 instants', () => {
    const w = parseInterval('2020-12-01/2021-02-28', '--before', now);
    expect([w.start, w.end]).toEqual(['2020-12-01', '2021-02-28']);
    // The whole end day is covered: parsed here once, never again below the CLI.
    expect([w.span.start.toISOString(), w.span.end.toISOString()]).toEqual([
      '2020-12-01T00:00:00.000Z',
      '2021-02-28T23:59:59.999Z',
    ]);
    expect(parseInterval('2020-12-01T00:00:00Z/2021-02-28T23:59:59Z', '--before', now).start).toBe(
      '2020-12-01T00:00:00Z',
    );
  });
  it.each([
    ['2020-12-01', 'not an interval'],
    ['2021-02-28/2020-12-01', 'before start'],
    ['2026-13-01/2027-01-01', 'not a YYYY-MM-DD'],
    ['2027-01-01/2027-02-01', 'in the future'],
    ['/2021-01-01', 'not an interval'],
    ['2021-02-30T10:00:00Z/2021-03-01', 'not a YYYY-MM-DD'],
    ['2021-02-01T24:00:00Z/2021-03-01', 'not a YYYY-MM-DD'],
  ])('refuses %s', (text, message) => {
    expect(() => parseInterval(text, '--after', now)).toThrow(message);
  });
});

describe('asset policy', () => {
  const api = assetPolicy({ stac: new URL('http://127.0.0.1:8080/v1') });
  it('allows the STAC API origin and the public Sentinel-2 bucket', () => {
    expect(api(new URL('http://127.0.0.1:8080/assets/a/B04.tif'))).toBe(true);
    expect(
      api(new URL('https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs/x/B04.tif')),
    ).toBe(true);
  });
  it.each([
    'file:///etc/passwd',
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.1:9999/admin',
    'https://2852039166/',
    'https://10.0.0.1/x.tif',
    'https://[::1]/x.tif',
    'https://evil.example.com/x.tif',
    'http://sentinel-cogs.s3.us-west-2.amazonaws.com/x.tif',
    'https://user:pw@sentinel-cogs.s3.us-west-2.amazonaws.com/x.tif',
  ])('refuses %s', (href) => {
    expect(api(new URL(href))).toBe(false);
  });
  it('allows file: only under a local catalogue the user named', () => {
    const local = assetPolicy({ stac: new URL('file:///data/world/stac/items.json') });
    expect(local(new URL('file:///data/world/assets/x/B04.tif'))).toBe(true);
    expect(local(new URL('file:///etc/passwd'))).toBe(false);
  });
});

function item(id: string, gridCode: string, date: string, originX = 400_000): S2Item {
  const asset = {
    href: new URL(`http://h/${id}`),
    shape: [2048, 2048] as [number, number],
    transform: [10, 0, originX, 0, -10, 2_900_000],
  };
  return {
    id,
    collection: 'sentinel-2-l2a',
    datetime: new Date(date),
    bbox: [0, 0, 0, 0],
    geometry: { type: 'Polygon', coordinates: [] },
    epsg: 32647,
    gridCode,
    platform: 'sentinel-2a',
    cloudCover: 0,
    processingBaseline: '05.09',
    sequence: 0,
    assets: { blue: asset, green: asset, red: asset, nir: asset, swir16: asset, scl: asset },
  };
}

describe('planScan', () => {
  it('plans only the blocks that touch the AOI, per tile and grid, in time order', () => {
    // A 1 km AOI inside the north-west 1024 px block of a 2048 px grid starting at (400000, 2900000).
    const [lon, lat] = toLonLat(32647, [405_000, 2_895_000]);
    const aoi = turf.bboxPolygon([lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005]).geometry;
    const plan = planScan(
      {
        before: [item('b2', 'MGRS-47RMJ', '2021-02-01'), item('b1', 'MGRS-47RMJ', '2021-01-01')],
        after: [item('a1', 'MGRS-47RMJ', '2024-01-01'), item('other', 'MGRS-47RMJ', '2024-01-02', 500_000)],
      },
      aoi,
      () => 1024,
    );
    expect(plan.tiles).toHaveLength(1);
    const t = plan.tiles[0]!;
    expect(t.before.map((i) => i.id)).toEqual(['b1', 'b2']);
    // Two windows of one tile: each group is named by its tile and origin.
    expect(t.tile).toBe('MGRS-47RMJ:400000,2900000');
    expect(t.blocks).toEqual([{ tile: t.tile, x: 0, y: 0, width: 1024, height: 1024 }]);
    expect(plan.skipped.map((s) => s.item)).toEqual(['other']);
  });
});
