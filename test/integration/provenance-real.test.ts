/**
 * A scan of real Copernicus pixels keeps the attribution, with the real year, in every output and
 * never says "synthetic". The pixels are the real 29RKH Sentinel-2 L2A COGs of the shared data
 * (Western Sahara, 2020-02-19, stored at 100 m); a 512 x 512 crop of each band is written as a
 * COG on a 10 m grid (the scan plans 10 m blocks), so the ground is shrunk tenfold but every value
 * is a real one, and the item is the real Earth Search item with its hrefs and grid rewritten.
 * The same acquisition serves both windows: nothing changes, and the scan still publishes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAoi } from '../../src/geo/aoi.js';
import { toLonLat } from '../../src/geo/utm.js';
import { encodeCog } from '../../src/io/tiff/cog-writer.js';
import { runScan } from '../../src/run/scan.js';
import { SHARED_DATA_REQUIRED, sharedData, warnSkipped } from '../helpers/shared-data.js';
import { readBand } from '../helpers/world.js';

const data = sharedData('s2-l2a-cogs-29RKH-riotilerpds');
warnSkipped('the real-imagery provenance test', data);
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const X0 = 229_980;
const Y0 = 2_770_020;
const FILES = {
  blue: 'B02.tif',
  green: 'B03.tif',
  red: 'B04.tif',
  nir: 'B08.tif',
  swir16: 'B11.tif',
  scl: 'SCL.tif',
};

async function realCrop(file: string, size: number, at: number): Promise<Uint16Array | Uint8Array> {
  const band = await readBand(path.join(data.path, file));
  const out = band.data instanceof Uint8Array ? new Uint8Array(size * size) : new Uint16Array(size * size);
  for (let y = 0; y < size; y++)
    out.set(band.data.subarray((at + y) * band.width + at, (at + y) * band.width + at + size), y * size);
  return out;
}

describe.skipIf(!data.available && !SHARED_DATA_REQUIRED)('a scan of real Sentinel-2 pixels', () => {
  it('carries the Copernicus attribution with the real year everywhere and never says synthetic', async () => {
    const item = JSON.parse(readFileSync(path.join(data.path, 'S2A_29RKH_20200219_0_L2A.json'), 'utf8')) as {
      assets: Record<string, Record<string, unknown>>;
    };
    for (const [key, file] of Object.entries(FILES)) {
      const coarse = key === 'swir16' || key === 'scl';
      const size = coarse ? 256 : 512;
      const px = await realCrop(file, size, coarse ? 150 : 300);
      const cog = path.join(tmp, file);
      writeFileSync(
        cog,
        encodeCog({
          width: size,
          height: size,
          dataType: px instanceof Uint8Array ? 'uint8' : 'uint16',
          data: px,
          georef: { epsg: 32629, originX: X0, originY: Y0, pixelSize: coarse ? 20 : 10 },
          nodata: 0,
          tileSize: 256,
          overviewResampling: key === 'scl' ? 'nearest' : 'average',
          minOverviewSize: 64,
        }),
      );
      item.assets[key] = {
        ...item.assets[key],
        href: pathToFileURL(cog).href,
        'proj:shape': [size, size],
        'proj:transform': [coarse ? 20 : 10, 0, X0, 0, coarse ? -20 : -10, Y0],
      };
    }
    for (const k of Object.keys(item.assets)) if (!(k in FILES)) delete item.assets[k];
    const items = path.join(tmp, 'items.json');
    writeFileSync(items, JSON.stringify({ type: 'FeatureCollection', features: [item] }));
    const corner = (x: number, y: number): [number, number] => toLonLat(32629, [X0 + x, Y0 - y]);
    const aoi = parseAoi(
      {
        type: 'Polygon',
        coordinates: [
          [corner(200, 200), corner(4900, 200), corner(4900, 4900), corner(200, 4900), corner(200, 200)],
        ],
      },
      'real-crop',
    );
    const out = path.join(tmp, 'out');
    const s = await runScan({
      stac: items,
      collection: 'sentinel-2-l2a',
      aoi,
      before: parseDateWindow('2020-02-01', '2020-02-28'),
      after: parseDateWindow('2020-02-01', '2020-02-28'),
      maxCloud: 60,
      concurrency: 4,
      out,
      json: false,
      quiet: true,
    });
    expect(s.blocks).toBeGreaterThan(0);
    const files = readdirSync(out, { recursive: true, encoding: 'utf8' });
    const texts = files.filter((f) => /\.(geojson|geojsonl|json|md|html|csv|kml|xml)$/.test(f));
    expect(texts.length).toBeGreaterThan(10);
    for (const f of texts) {
      const text = readFileSync(path.join(out, f), 'utf8');
      expect(text, f).not.toMatch(/synthetic/i);
      // A table or feature sequence with no row has nowhere to say it (nothing was found here).
      const empty =
        (f.endsWith('.csv') && text.trim().split('\n').length === 1) ||
        (f.endsWith('.geojsonl') && text === '');
      if (!empty) expect(text, f).toContain('Contains modified Copernicus Sentinel data 2020');
    }
    for (const f of files.filter((x) => x.endsWith('.png'))) {
      const meta = await sharp(path.join(out, f)).metadata();
      expect(meta.exif?.toString('latin1'), f).toContain('Contains modified Copernicus Sentinel data 2020');
    }
  }, 120_000);
});
