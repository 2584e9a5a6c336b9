/**
 * The evidence outputs of a real scan of the small world: chips for every candidate referenced by
 * relative path, overlays per tile, report.html, and FlatGeobuf / GeoJSONSeq copies GDAL reads.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { runScan } from '../../src/run/scan.js';
import { scanWorldFile } from '../helpers/cli-process.js';
import { gdalAvailability, runOgrinfo } from '../helpers/ogr.js';

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
        expect(meta.width).toBeGreaterThanOrEqual(200);
        expect(meta.width).toBeLessThanOrEqual(600);
      }
      expect(chips!['before_item']).toMatch(/_2021\d{4}_/);
      expect(chips!['after_item']).toMatch(/_202[34]\d{4}_/);
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

  it('writes report.html with the attribution and the table', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/Contains modified Copernicus Sentinel data (\d{4}, )*2024/);
    expect(html).toContain('<table id="townships">');
    expect(html).toContain('ISP-Myanmar');
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
      before: { start: '2020-12-01', end: '2021-02-28' },
      after: { start: '2023-12-01', end: '2024-02-29' },
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
