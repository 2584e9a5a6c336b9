import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseS2Item, S2_ASSET_KEYS, StacItemError, validateItems } from '../../src/catalog/item.js';
import { SHARED_DATA_REQUIRED, sharedData, warnSkipped } from '../helpers/shared-data.js';

const RECORDED_DATA = sharedData('stac-earth-search-responses');
const RECORDED = RECORDED_DATA.path;
const HAVE_RECORDED = RECORDED_DATA.available;
warnSkipped('the recorded Earth Search item tests', RECORDED_DATA);

type Json = Record<string, unknown>;

const ID = 'S2A_47RMJ_20240105_0_L2A';
const BASE = new URL('file:///data/world/stac/items.json');

/** An Earth Search v1 sentinel-2-l2a item, trimmed to what the parser reads plus some noise. */
function goodItem(): Json {
  const asset = (file: string, res: number, offset: number | undefined): Json => ({
    href: `../assets/47/R/MJ/2024/1/${ID}/${file}`,
    type: 'image/tiff; application=geotiff; profile=cloud-optimized',
    'proj:shape': [10980 / (res / 10), 10980 / (res / 10)],
    'proj:transform': [res, 0, 399960, 0, -res, 2900040],
    'raster:bands': [
      offset === undefined
        ? { nodata: 0, data_type: 'uint8', spatial_resolution: res }
        : { nodata: 0, data_type: 'uint16', bits_per_sample: 15, scale: 0.0001, offset },
    ],
    roles: ['data', 'reflectance'],
  });
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    id: ID,
    collection: 'sentinel-2-l2a',
    bbox: [97.98, 25.29, 99.09, 26.3],
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [97.98, 26.3],
          [97.99, 25.29],
          [99.09, 25.3],
          [99.08, 26.29],
          [97.98, 26.3],
        ],
      ],
    },
    properties: {
      datetime: '2024-01-05T04:07:27.654000Z',
      platform: 'sentinel-2a',
      'eo:cloud_cover': 3.5,
      'proj:epsg': 32647,
      'mgrs:utm_zone': 47,
      'mgrs:latitude_band': 'R',
      'mgrs:grid_square': 'MJ',
      'grid:code': 'MGRS-47RMJ',
      's2:processing_baseline': '05.10',
      's2:sequence': '0',
      'earthsearch:boa_offset_applied': true,
      's2:water_percentage': 1.2,
    },
    links: [],
    assets: {
      blue: asset('B02.tif', 10, -0.1),
      green: asset('B03.tif', 10, -0.1),
      red: asset('B04.tif', 10, -0.1),
      nir: asset('B08.tif', 10, -0.1),
      swir16: asset('B11.tif', 20, -0.1),
      scl: asset('SCL.tif', 20, undefined),
      thumbnail: { href: 'https://example.com/preview.jpg' },
    },
  };
}

function props(j: Json): Json {
  return j['properties'] as Json;
}
function assets(j: Json): Record<string, Json> {
  return j['assets'] as Record<string, Json>;
}

function messageOf(json: unknown): string {
  try {
    parseS2Item(json, BASE);
  } catch (err) {
    expect(err).toBeInstanceOf(StacItemError);
    return (err as Error).message;
  }
  throw new Error('parseS2Item accepted the item');
}

describe('parseS2Item', () => {
  it('parses a good item into the model, resolving relative hrefs against the base', () => {
    const item = parseS2Item(goodItem(), BASE);
    expect(item.id).toBe(ID);
    expect(item.collection).toBe('sentinel-2-l2a');
    expect(item.datetime.toISOString()).toBe('2024-01-05T04:07:27.654Z');
    expect(item.bbox).toEqual([97.98, 25.29, 99.09, 26.3]);
    expect(item.geometry.type).toBe('Polygon');
    expect(item.epsg).toBe(32647);
    expect(item.gridCode).toBe('MGRS-47RMJ');
    expect(item.platform).toBe('sentinel-2a');
    expect(item.cloudCover).toBe(3.5);
    expect(item.processingBaseline).toBe('05.10');
    expect(item.sequence).toBe(0);
    expect(item.boaOffsetApplied).toBe(true);
    expect(Object.keys(item.assets).sort()).toEqual([...S2_ASSET_KEYS].sort());
    expect(item.assets.red.href.href).toBe(`file:///data/world/assets/47/R/MJ/2024/1/${ID}/B04.tif`);
    expect(item.assets.red).toMatchObject({
      shape: [10980, 10980],
      transform: [10, 0, 399960, 0, -10, 2900040],
      scale: 0.0001,
      offset: -0.1,
      nodata: 0,
      dataType: 'uint16',
    });
    expect(item.assets.scl.shape).toEqual([5490, 5490]);
    expect(item.assets.scl.scale).toBeUndefined();
    expect(item.assets.scl.dataType).toBe('uint8');
  });

  it('reads the alternatives: proj:code, mgrs:* or the id for the grid, the id for sequence and platform', () => {
    const j = goodItem();
    const p = props(j);
    delete p['proj:epsg'];
    p['proj:code'] = 'EPSG:32646';
    delete p['grid:code'];
    delete p['s2:sequence'];
    delete p['platform'];
    j['id'] = 'S2B_47RMJ_20240105_1_L2A';
    const item = parseS2Item(j, BASE);
    expect(item.epsg).toBe(32646);
    expect(item.gridCode).toBe('MGRS-47RMJ');
    expect(item.sequence).toBe(1);
    expect(item.platform).toBe('sentinel-2b');

    delete p['mgrs:utm_zone'];
    j['id'] = 'S2B_T46RGP_20240105T040727_L2A'; // sentinel-2-c1-l2a style
    expect(parseS2Item(j, BASE).gridCode).toBe('MGRS-46RGP');
    expect(parseS2Item(j, BASE).sequence).toBe(0);
  });

  it('keeps absolute http(s) hrefs, takes a 3D bbox, and computes a missing bbox from the geometry', () => {
    const j = goodItem();
    assets(j)['nir'] = {
      ...assets(j)['nir'],
      href: 'https://sentinel-cogs.s3.us-west-2.amazonaws.com/x/B08.tif',
    };
    j['bbox'] = [97.98, 25.29, 0, 99.09, 26.3, 10];
    const item = parseS2Item(j, BASE);
    expect(item.assets.nir.href.href).toBe('https://sentinel-cogs.s3.us-west-2.amazonaws.com/x/B08.tif');
    expect(item.bbox).toEqual([97.98, 25.29, 99.09, 26.3]);
    delete j['bbox'];
    expect(parseS2Item(j, BASE).bbox).toEqual([97.98, 25.29, 99.09, 26.3]);
  });

  const cases: [string, (j: Json) => void, RegExp][] = [
    ['id', (j) => delete j['id'], /^item <no id>: "id" is missing$/],
    ['collection', (j) => delete j['collection'], new RegExp(`^item ${ID}: "collection" is missing$`)],
    ['geometry', (j) => delete j['geometry'], /"geometry" is missing/],
    [
      'geometry type',
      (j) => (j['geometry'] = { type: 'Point', coordinates: [98, 25] }),
      /"geometry.type" must be a GeoJSON Polygon or MultiPolygon/,
    ],
    [
      'geometry in metres',
      (j) =>
        (j['geometry'] = {
          type: 'Polygon',
          coordinates: [
            [
              [399960, 2900040],
              [509760, 2900040],
              [509760, 2790240],
              [399960, 2900040],
            ],
          ],
        }),
      /outside WGS84 bounds/,
    ],
    [
      'datetime',
      (j) => delete props(j)['datetime'],
      new RegExp(`^item ${ID}: "properties.datetime" is missing$`),
    ],
    [
      'datetime format',
      (j) => (props(j)['datetime'] = '5 January 2024'),
      /"properties.datetime" is not an RFC 3339 date-time/,
    ],
    [
      'proj:epsg',
      (j) => delete props(j)['proj:epsg'],
      /no "proj:epsg" \(or "proj:code": "EPSG:n"\) property/,
    ],
    [
      'grid',
      (j) => {
        for (const k of ['grid:code', 'mgrs:utm_zone', 'mgrs:latitude_band', 'mgrs:grid_square'])
          delete props(j)[k];
        j['id'] = 'my-item';
      },
      /^item my-item: no "grid:code" or "mgrs:\*" properties/,
    ],
    [
      'platform',
      (j) => {
        delete props(j)['platform'];
        j['id'] = 'my-item';
      },
      /"properties.platform" is missing/,
    ],
    ['cloud cover range', (j) => (props(j)['eo:cloud_cover'] = 150), /"properties.eo:cloud_cover" Too big/],
    ['asset', (j) => delete assets(j)['red'], new RegExp(`^item ${ID}: missing asset "red"$`)],
    [
      'asset href',
      (j) => delete assets(j)['red']?.['href'],
      new RegExp(`^item ${ID}: asset "red" has no href$`),
    ],
    [
      'asset href scheme',
      (j) => ((assets(j)['swir16'] as Json)['href'] = 's3://sentinel-cogs/x/B11.tif'),
      /asset "swir16" href scheme "s3:" is not supported/,
    ],
    ['asset shape', (j) => ((assets(j)['nir'] as Json)['proj:shape'] = [10980]), /asset "nir" "proj:shape"/],
    [
      'asset scale',
      (j) => ((assets(j)['nir'] as Json)['raster:bands'] = [{ scale: 'big' }]),
      /asset "nir" "raster:bands.0.scale"/,
    ],
  ];
  it.each(cases)('names the item and the field when %s is wrong', (_name, mutate, expected) => {
    const j = goodItem();
    mutate(j);
    expect(messageOf(j)).toMatch(expected);
  });

  it('records the field on the error for run.json', () => {
    const j = goodItem();
    delete assets(j)['scl'];
    try {
      parseS2Item(j, BASE);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ itemId: ID, field: 'assets.scl' });
    }
  });
});

describe('validateItems', () => {
  it('reports unusable items with their reason instead of throwing, keeping order', () => {
    const a = goodItem();
    const b = goodItem();
    b['id'] = 'S2B_47RMJ_20240110_0_L2A';
    delete assets(b)['swir16'];
    const c = goodItem();
    c['id'] = 'S2A_47RMJ_20240115_0_L2A';
    const { ok, skipped } = validateItems([a, b, 'junk', c], BASE);
    expect(ok.map((i) => i.id)).toEqual([ID, 'S2A_47RMJ_20240115_0_L2A']);
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toEqual({
      id: 'S2B_47RMJ_20240110_0_L2A',
      reason: 'item S2B_47RMJ_20240110_0_L2A: missing asset "swir16"',
    });
    expect(skipped[1]?.id).toBe('<item #2 without id>');
    expect(skipped[1]?.reason).toMatch(/^item <no id>: /);
  });
});

describe.skipIf(!HAVE_RECORDED)('recorded Earth Search responses', () => {
  const page = (file: string): { features: Json[] } =>
    JSON.parse(readFileSync(path.join(RECORDED, file), 'utf8')) as { features: Json[] };
  const SEARCH = new URL('https://earth-search.aws.element84.com/v1/search');

  it('parses the sentinel-2-l2a item of the point search and skips the Landsat item', () => {
    const { ok, skipped } = validateItems(
      page('v1_search_s2l2a_landsat_point_2023-10-08.json').features,
      SEARCH,
    );
    expect(ok).toHaveLength(1);
    const item = ok[0];
    expect(item).toMatchObject({
      id: 'S2A_13TDE_20231008_0_L2A',
      collection: 'sentinel-2-l2a',
      epsg: 32613,
      gridCode: 'MGRS-13TDE',
      platform: 'sentinel-2a',
      processingBaseline: '05.09',
      sequence: 0,
      boaOffsetApplied: true,
    });
    expect(item?.datetime.toISOString()).toBe('2023-10-08T18:02:55.276Z');
    expect(item?.assets.red.href.href).toBe(
      'https://sentinel-cogs.s3.us-west-2.amazonaws.com/sentinel-s2-l2a-cogs/13/T/DE/2023/10/S2A_13TDE_20231008_0_L2A/B04.tif',
    );
    expect(item?.assets.red).toMatchObject({ scale: 0.0001, offset: -0.1, nodata: 0, shape: [10980, 10980] });
    expect(skipped).toEqual([
      {
        id: 'LC08_L2SP_033032_20231008_02_T1',
        reason: 'item LC08_L2SP_033032_20231008_02_T1: asset "blue" href scheme "s3:" is not supported',
      },
    ]);
  });

  it('parses every L2A item of the CQL2 pages (sentinel-2-l2a and c1-l2a) and skips the rest with reasons', () => {
    const features = [
      ...page('v1_search_cql2_cloudcover_page1.json').features,
      ...page('v1_search_cql2_cloudcover_page2.json').features,
    ];
    const { ok, skipped } = validateItems(features, SEARCH);
    const l2a = features.filter((f) => String(f['collection']).includes('l2a'));
    expect(ok.map((i) => i.id)).toEqual(l2a.map((f) => f['id']));
    expect(ok.every((i) => i.epsg > 32600 && i.gridCode.startsWith('MGRS-'))).toBe(true);
    const c1 = ok.find((i) => i.id === 'S2B_T20EPT_20250731T131905_L2A');
    expect(c1).toMatchObject({ gridCode: 'MGRS-20EPT', sequence: 0, processingBaseline: '05.11' });
    expect(skipped).toHaveLength(features.length - l2a.length);
    for (const s of skipped) expect(s.reason).toMatch(/^item \S+: /);
  });
});

it.skipIf(!SHARED_DATA_REQUIRED)('has the recorded Earth Search responses when they are required', () => {
  expect(HAVE_RECORDED, RECORDED_DATA.reason).toBe(true);
});
