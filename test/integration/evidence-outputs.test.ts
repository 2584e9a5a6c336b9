/**
 * The evidence outputs of a real scan of the small world: chips for every candidate (georeferenced,
 * by relative path), overlays and COGs per tile, report.html, the STAC catalog, every vector and
 * raster read by GDAL with nothing on stderr, COGs accepted by GDAL's validator, the layers accepted
 * as AOIs, and the synthetic world's provenance in every file.
 */
import { readdirSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { runScan } from '../../src/run/scan.js';
import { scanWorldFile } from '../helpers/cli-process.js';
import { gdalAvailability, runOgrinfo } from '../helpers/ogr.js';
import { probeGdal, validateCog } from '../helpers/gdal.js';
import { spawnSync } from 'node:child_process';

const world = inject('smallWorld');
let tmp: string;
let out: string;

interface Fc {
  attribution: string;
  features: { properties: { id: string; chips?: Record<string, string> } }[];
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-evidence-'));
  out = path.join(tmp, 'out');
  const r = await scanWorldFile(world, out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('evidence outputs of a scan', () => {
  it('gives every candidate before, after and NDVI-change chips by relative path', async () => {
    const fc = JSON.parse(readFileSync(path.join(out, 'candidates.geojson'), 'utf8')) as Fc;
    expect(fc.features.length).toBeGreaterThan(0);
    for (const f of fc.features) {
      const chips = f.properties.chips;
      expect(chips, f.properties.id).toBeDefined();
      for (const key of ['before', 'after', 'ndvi_change']) {
        const rel = chips![key]!;
        expect(rel).toMatch(/^chips\/[\w.-]+\.png$/);
        const meta = await sharp(path.join(out, rel)).metadata();
        expect(meta.format).toBe('png');
        expect(meta.exif?.toString('latin1')).toContain(fc.attribution);
        expect(meta.width).toBeGreaterThanOrEqual(160);
        expect(meta.width).toBeLessThanOrEqual(600);
        expect(existsSync(path.join(out, `${rel}.aux.xml`)), `${rel}.aux.xml`).toBe(true);
      }
    }
  });

  it('writes before and after overlays of every tile with their corners', () => {
    const idx = JSON.parse(readFileSync(path.join(out, 'overlays', 'index.json'), 'utf8')) as {
      overlays: { tile: string; window: string; url: string; coordinates: number[][] }[];
    };
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { tiles: { tile: string }[] };
    for (const t of run.tiles) {
      for (const w of ['before', 'after']) {
        const o = idx.overlays.find((x) => x.tile === t.tile && x.window === w);
        expect(o, `${t.tile} ${w}`).toBeDefined();
        expect(existsSync(path.join(out, o!.url))).toBe(true);
        expect(o!.coordinates).toHaveLength(4);
      }
    }
  });

  it('writes report.html: synthetic banner, candidates, map, townships, no Copernicus claim', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('id="synthetic-banner"');
    expect(html).not.toContain('Copernicus');
    expect(html).toContain('<table id="candidates">');
    expect(html).toContain('<figure id="overview"><svg');
    expect(html).toContain('<table id="townships">');
    expect(html).toContain('ISP-Myanmar');
  });

  it('says "synthetic" in every text output and never names Copernicus', () => {
    const texts = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.(geojson|geojsonl|json|md|html|csv|kml|xml)$/.test(f),
    );
    expect(texts.length).toBeGreaterThan(10);
    for (const f of texts) {
      const text = readFileSync(path.join(out, f), 'utf8');
      expect(text, f).toMatch(/synthetic/i);
      expect(text, f).not.toContain('Copernicus');
    }
  });

  it('describes the outputs as a STAC Catalog with one Item whose assets are the files', () => {
    const catalog = JSON.parse(readFileSync(path.join(out, 'catalog.json'), 'utf8')) as {
      type: string;
      links: { rel: string; href: string }[];
    };
    expect(catalog.type).toBe('Catalog');
    const itemLink = catalog.links.find((l) => l.rel === 'item')!;
    const item = JSON.parse(readFileSync(path.join(out, itemLink.href), 'utf8')) as {
      type: string;
      properties: Record<string, unknown>;
      assets: Record<string, { href: string; type: string }>;
    };
    expect(item.type).toBe('Feature');
    expect(item.properties['minewatch:synthetic']).toBe(true);
    const hrefs = Object.values(item.assets).map((a) => a.href);
    for (const f of ['candidates.geojson', 'report.html', 'candidates.kml', 'run.json'])
      expect(hrefs).toContain(`./${f}`);
    for (const h of hrefs) expect(existsSync(path.join(out, h)), h).toBe(true);
  });

  it('accepts its own layers as AOIs (rings stay valid after rounding)', () => {
    for (const name of ['candidates', 'ponds', 'clearings'])
      expect(() => loadAoi(path.join(out, `${name}.geojson`)), name).not.toThrow();
  });

  it('writes GeoJSONSeq with as many features as the GeoJSON', () => {
    for (const name of ['candidates', 'ponds', 'clearings']) {
      const fc = JSON.parse(readFileSync(path.join(out, `${name}.geojson`), 'utf8')) as Fc;
      const lines = readFileSync(path.join(out, `${name}.geojsonl`), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines.filter((l) => l !== '')).toHaveLength(fc.features.length);
    }
  });

  const gdal = gdalAvailability();
  if (!gdal.ok && !process.env['CI']) console.warn(`skipping ogrinfo checks: ${gdal.reason}`);
  it.skipIf(!gdal.ok && !process.env['CI'])(
    'every vector output: ogrinfo silent, ogr2ogr to GPKG without -nlt',
    () => {
      const vectors = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) =>
        /\.(geojson|geojsonl|fgb|kml|csv)$/.test(f),
      );
      expect(vectors.length).toBeGreaterThanOrEqual(12);
      for (const f of vectors) {
        const r = runOgrinfo(path.join(out, f));
        expect(r.stderr, f).toBe('');
        expect(r.code, f).toBe(0);
        if (f.endsWith('.csv')) continue; // a table with a point in two columns, not a layer of areas
        const g = spawnSync(
          'ogr2ogr',
          ['-f', 'GPKG', path.join(tmp, `${f.replace(/\W/g, '_')}.gpkg`), path.join(out, f)],
          {
            encoding: 'utf8',
          },
        );
        expect(g.status, f).toBe(0);
        // GeoJSON lists arrive as JSON text (GDAL says so, as a warning); geometry needs no -nlt.
        expect(g.stderr, f).not.toMatch(/ERROR|geometry type|nlt/i);
      }
    },
  );

  const gdalRaster = probeGdal();
  it.skipIf(!gdalRaster.available && !process.env['CI'])(
    'every raster: gdalinfo silent, COGs pass the validator, chips are placed',
    () => {
      if (!gdalRaster.available) throw new Error(gdalRaster.reason);
      const rasters = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) =>
        /\.(tif|png)$/.test(f),
      );
      expect(rasters.filter((f) => f.endsWith('.tif')).length).toBeGreaterThanOrEqual(2);
      for (const f of rasters) {
        const info = spawnSync('gdalinfo', [path.join(out, f)], { encoding: 'utf8' });
        expect(info.stderr, f).toBe('');
        expect(info.status, f).toBe(0);
        if (f.startsWith('chips/') || f.endsWith('.tif')) expect(info.stdout, f).toMatch(/Origin = \(/);
        if (f.endsWith('.tif')) {
          const v = validateCog(gdalRaster.tools, path.join(out, f));
          expect(v.errors, f).toEqual([]);
          expect(v.warnings, f).toEqual([]);
        }
      }
    },
  );

  it.skipIf(!gdal.ok && !process.env['CI'])('is read by GDAL: FlatGeobuf and GeoJSONSeq, same counts', () => {
    for (const name of ['candidates', 'ponds', 'clearings']) {
      const n = (JSON.parse(readFileSync(path.join(out, `${name}.geojson`), 'utf8')) as Fc).features.length;
      for (const ext of ['fgb', 'geojsonl']) {
        const r = runOgrinfo(path.join(out, `${name}.${ext}`));
        expect(r.stderr, `${name}.${ext}`).toBe('');
        expect(r.code, `${name}.${ext}`).toBe(0);
        expect(r.stdout, `${name}.${ext}`).toContain(`Feature Count: ${n}`);
      }
    }
  });
});

describe('a scan with the evidence turned off (re-scans: only new bytes)', () => {
  it('writes the products only, with the same candidates and no chips', async () => {
    const plain = path.join(tmp, 'plain');
    const summary = await runScan({
      stac: path.join(world, 'stac', 'items.json'),
      collection: 'sentinel-2-l2a',
      aoi: loadAoi('kachin'),
      before: parseDateWindow('2020-12-01', '2021-02-28'),
      after: parseDateWindow('2023-12-01', '2024-02-29'),
      maxCloud: 60,
      concurrency: 8,
      out: plain,
      json: false,
      quiet: true,
      evidence: false,
    });
    expect(existsSync(path.join(plain, 'chips'))).toBe(false);
    expect(existsSync(path.join(plain, 'candidates.fgb'))).toBe(false);
    const features = (dir: string): Fc['features'] =>
      (JSON.parse(readFileSync(path.join(dir, 'candidates.geojson'), 'utf8')) as Fc).features;
    const ids = (dir: string): string[] => features(dir).map((f) => f.properties.id);
    expect(features(plain).every((f) => f.properties.chips === undefined)).toBe(true);
    expect(ids(plain)).toEqual(ids(out));
    expect(summary.candidates).toBe(ids(out).length);
  });
});
