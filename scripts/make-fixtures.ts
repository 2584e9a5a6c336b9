/**
 * Writes the small committed fixtures of fixtures/ (see fixtures/README.md): three KB-sized COGs
 * made by minewatch's own COG writer, and one Earth Search v1-shaped STAC item whose six assets
 * point at them. Every pixel is a closed-form function of its position (fixturePixel below), so a
 * test can check any value a reader returns without a second decoder. Deterministic: running it
 * again rewrites the same bytes, which test/unit/fixtures.test.ts checks.
 *
 * Run: `npx tsx scripts/make-fixtures.ts` (from the repository root).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tileOfSquare, type S2Tile } from '../src/geo/s2-grid.js';
import { toLonLat } from '../src/geo/utm.js';
import { encodeCog } from '../src/io/tiff/cog-writer.js';

/** UTM 47N: the top-left corner of the Sentinel-2 tile on the 100 km square (600 km E, 2700 km N). */
const EPSG = 32647;
const TILE = ((): S2Tile => {
  const tile = tileOfSquare(EPSG, 600_000, 2_700_000);
  if (tile === undefined) throw new Error('make-fixtures: no Sentinel-2 tile on the fixture square');
  return tile;
})();
const ORIGIN_X = TILE.ulx;
const ORIGIN_Y = TILE.uly;

export interface FixtureCog {
  /** Path under fixtures/. */
  file: string;
  width: number;
  height: number;
  pixelSize: 10 | 20;
  dataType: 'uint16' | 'uint8';
  nodata: number;
}

export const FIXTURE_COGS: readonly FixtureCog[] = [
  // 300 x 200 with 256-pixel tiles: two tiles across, partial edge tiles, and one overview.
  { file: 'cog/band-10m-uint16.tif', width: 300, height: 200, pixelSize: 10, dataType: 'uint16', nodata: 0 },
  { file: 'cog/band-20m-uint16.tif', width: 150, height: 100, pixelSize: 20, dataType: 'uint16', nodata: 0 },
  { file: 'cog/scl-20m-uint8.tif', width: 150, height: 100, pixelSize: 20, dataType: 'uint8', nodata: 0 },
];

/**
 * The value of pixel (x, y): nodata in the first four columns (a swath edge); for the uint16 bands
 * a smooth ramp of DNs 1000 + 7x + 3y (Sentinel-2 L2A range, offset 1000 included); for the SCL
 * class map vegetation (4) left of the middle, bare soil (5) right of it, a water (6) square and
 * a cloud (9) square.
 */
export function fixturePixel(cog: FixtureCog, x: number, y: number): number {
  if (x < 4) return cog.nodata;
  if (cog.dataType === 'uint16') return 1000 + 7 * x + 3 * y;
  const { width: w, height: h } = cog;
  if (x >= w / 4 && x < w / 4 + 10 && y >= h / 4 && y < h / 4 + 10) return 6;
  if (x >= (3 * w) / 4 && x < (3 * w) / 4 + 12 && y >= h / 2 && y < h / 2 + 12) return 9;
  return x < w / 2 ? 4 : 5;
}

export function fixtureCogBytes(cog: FixtureCog): Buffer {
  const data =
    cog.dataType === 'uint16'
      ? new Uint16Array(cog.width * cog.height)
      : new Uint8Array(cog.width * cog.height);
  for (let y = 0; y < cog.height; y++)
    for (let x = 0; x < cog.width; x++) data[y * cog.width + x] = fixturePixel(cog, x, y);
  return encodeCog({
    width: cog.width,
    height: cog.height,
    dataType: cog.dataType,
    data,
    georef: { epsg: EPSG, originX: ORIGIN_X, originY: ORIGIN_Y, pixelSize: cog.pixelSize },
    nodata: cog.nodata,
    tileSize: 256,
    overviewResampling: cog.dataType === 'uint8' ? 'nearest' : 'average',
    minOverviewSize: 128,
  });
}

const band = (name: string, file: string, pixelSize: number, width: number, height: number): object => ({
  href: `../${file}`,
  type: 'image/tiff; application=geotiff; profile=cloud-optimized',
  title: name,
  'proj:shape': [height, width],
  'proj:transform': [pixelSize, 0, ORIGIN_X, 0, -pixelSize, ORIGIN_Y],
  'raster:bands': [
    { nodata: 0, data_type: 'uint16', spatial_resolution: pixelSize, scale: 0.0001, offset: -0.1 },
  ],
  roles: ['data', 'reflectance'],
});

/** An Earth Search v1 sentinel-2-l2a item, cut down to what minewatch reads; flagged synthetic. */
export function fixtureItem(): object {
  const [b10, b20, scl] = FIXTURE_COGS as [FixtureCog, FixtureCog, FixtureCog];
  // The footprint of the 10 m band's extent in WGS84, corner by corner (counter-clockwise).
  const x1 = ORIGIN_X + b10.width * b10.pixelSize;
  const y1 = ORIGIN_Y - b10.height * b10.pixelSize;
  const r7 = (v: number): number => Math.round(v * 1e7) / 1e7;
  const ring = (
    [
      [ORIGIN_X, ORIGIN_Y],
      [ORIGIN_X, y1],
      [x1, y1],
      [x1, ORIGIN_Y],
      [ORIGIN_X, ORIGIN_Y],
    ] as [number, number][]
  ).map((xy) => toLonLat(EPSG, xy).map(r7) as [number, number]);
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const geometry = { type: 'Polygon', coordinates: [ring] };
  const id = `S2B_${TILE.code}_20240115_0_L2A`;
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: [
      'https://stac-extensions.github.io/projection/v1.1.0/schema.json',
      'https://stac-extensions.github.io/raster/v1.1.0/schema.json',
    ],
    id,
    collection: 'sentinel-2-l2a',
    bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
    geometry,
    properties: {
      datetime: '2024-01-15T04:12:09.024000Z',
      platform: 'sentinel-2b',
      'eo:cloud_cover': 1.28,
      'proj:epsg': EPSG,
      'grid:code': `MGRS-${TILE.code}`,
      's2:processing_baseline': '05.10',
      'earthsearch:boa_offset_applied': true,
      'minewatch:synthetic': true,
    },
    assets: {
      blue: band('Blue (band 2) - 10m', b10.file, 10, b10.width, b10.height),
      green: band('Green (band 3) - 10m', b10.file, 10, b10.width, b10.height),
      red: band('Red (band 4) - 10m', b10.file, 10, b10.width, b10.height),
      nir: band('NIR 1 (band 8) - 10m', b10.file, 10, b10.width, b10.height),
      swir16: band('SWIR 1 (band 11) - 20m', b20.file, 20, b20.width, b20.height),
      scl: {
        href: `../${scl.file}`,
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
        title: 'Scene classification map (SCL)',
        'proj:shape': [scl.height, scl.width],
        'proj:transform': [20, 0, ORIGIN_X, 0, -20, ORIGIN_Y],
        'raster:bands': [{ nodata: 0, data_type: 'uint8', spatial_resolution: 20 }],
        roles: ['data'],
      },
    },
    links: [],
  };
}

export const ITEM_FILE = 'stac/item.json';

/** Every fixture file by its path under fixtures/. */
export function fixtureFiles(): Map<string, Buffer | string> {
  const files = new Map<string, Buffer | string>();
  for (const cog of FIXTURE_COGS) files.set(cog.file, fixtureCogBytes(cog));
  files.set(ITEM_FILE, `${JSON.stringify(fixtureItem(), null, 2)}\n`);
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = path.resolve(import.meta.dirname, '../fixtures');
  for (const [rel, data] of fixtureFiles()) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), data);
    console.log(`fixtures/${rel}: ${Buffer.byteLength(data)} bytes`);
  }
}
