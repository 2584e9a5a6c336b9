/**
 * The scan as outside scripts call it: the built binary, the CLI contract of DESIGN.md, against
 * the real local STAC API serving the small synthetic world, and a local ItemCollection.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as turf from '@turf/turf';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { answerStatus, noFaults } from '../../src/server/faults.js';
import { runCli, type Ran } from '../helpers/cli-process.js';
import { gdalAvailability, runOgrinfo } from '../helpers/ogr.js';
import { outputDigests } from '../helpers/output-digest.js';

const world = inject('smallWorld');
const BEFORE = '2020-12-01/2021-02-28';
const AFTER = '2023-12-01/2024-02-29';
let server: CatalogServer;
let tmp: string;

const scan = (args: string[]): Promise<Ran> => runCli(['scan', ...args]);

beforeAll(async () => {
  server = await startCatalogServer({ root: world, basePath: '/v1' });
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-scan-'));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Geom = Polygon | MultiPolygon;
const readFc = (f: string): FeatureCollection<Geom, Record<string, unknown>> =>
  JSON.parse(readFileSync(f, 'utf8')) as FeatureCollection<Geom, Record<string, unknown>>;

describe('minewatch scan against the local STAC API', () => {
  let out: string;
  let result: Ran;
  beforeAll(async () => {
    out = path.join(tmp, 'api');
    result = await scan([
      '--stac',
      server.url.href,
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      out,
      '--json',
    ]);
  });

  it('exits 0 and prints a JSON summary on stdout', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const last = result.stdout.trim().split('\n').pop() ?? '';
    const summary = JSON.parse(last) as { event: string; candidates: number; requests: number };
    expect(summary.event).toBe('summary');
    expect(summary.candidates).toBeGreaterThan(0);
    expect(summary.requests).toBeGreaterThan(10);
  });

  it('writes RFC 7946 GeoJSON with the contract properties and attribution', () => {
    for (const name of ['candidates', 'ponds', 'clearings']) {
      const text = readFileSync(path.join(out, `${name}.geojson`), 'utf8');
      const fc = JSON.parse(text) as FeatureCollection<Geom> & {
        attribution: string;
        synthetic?: boolean;
        crs?: unknown;
      };
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.crs).toBeUndefined();
      expect(fc.bbox).toHaveLength(4);
      // The small world is generated: its outputs say so, and never claim Copernicus data.
      expect(fc.synthetic).toBe(true);
      expect(fc.attribution).toMatch(/^Synthetic imagery/);
      expect(text).not.toContain('Copernicus');
      expect(fc.features.every((f) => f.geometry.type === 'MultiPolygon')).toBe(true);
      for (const f of fc.features) {
        const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
        for (const poly of polys) {
          expect(turf.booleanClockwise(poly[0]!)).toBe(false);
          for (const [lon, lat] of poly[0]!) {
            expect(Math.abs(lon! * 1e7 - Math.round(lon! * 1e7))).toBeLessThan(1e-6);
            expect(lat).toBeGreaterThan(24);
          }
        }
      }
    }
    const c = readFc(path.join(out, 'candidates.geojson'));
    for (const f of c.features) {
      for (const k of [
        'id',
        'confidence',
        'area_m2',
        'cleared_area_m2',
        'pond_count',
        'pond_area_m2',
        'ndvi_before',
        'ndvi_after',
        'first_seen',
        'township',
        'items',
        'obscured_fraction',
      ])
        expect(f.properties, k).toHaveProperty(k);
      expect(f.properties['confidence']).toBeGreaterThanOrEqual(0.5);
      expect(f.properties['confidence']).toBeLessThanOrEqual(1);
    }
  });

  it('finds the true new mine sites and little else', () => {
    const truth = readFc(path.join(world, 'truth.geojson')).features.filter(
      (f) => f.properties['class'] === 'new_mine',
    );
    const cands = readFc(path.join(out, 'candidates.geojson')).features;
    const hits = cands.filter((c) => truth.some((t) => turf.booleanIntersects(c, t)));
    const found = truth.filter((t) => cands.some((c) => turf.booleanIntersects(c, t)));
    expect(hits.length / cands.length).toBeGreaterThanOrEqual(0.8);
    expect(found.length / truth.length).toBeGreaterThanOrEqual(0.5);
    // The site on the UTM 46/47 seam is reported once, from both tiles.
    const seam = cands.filter((c) => (c.properties['tiles'] as string[]).length > 1);
    expect(seam.length).toBeGreaterThanOrEqual(1);
  });

  it('gives the same candidates as the recorded run (optimisations must not move results)', () => {
    // REGEN=1 rewrites test/golden/small-world-scan.json after a deliberate change in detection.
    const golden = path.resolve(__dirname, '../golden/small-world-scan.json');
    const summary = readFc(path.join(out, 'candidates.geojson')).features.map((f) => ({
      id: f.properties['id'],
      confidence: f.properties['confidence'],
      pond_count: f.properties['pond_count'],
      area_m2: f.properties['area_m2'],
    }));
    if (process.env['REGEN']) writeFileSync(golden, `${JSON.stringify(summary, null, 1)}\n`);
    expect(summary).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
  });

  it('records provenance: items, the misdeclared offset caught from pixels, requests, timings', () => {
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as {
      offsets: Record<string, { agreed: boolean; offsetDn: number; declared: number; reason: string }>;
      items: { dropped: { id: string }[] };
      http: { requests: number; bytes: number };
      timings_s: Record<string, number>;
      software: { version: string };
    };
    const overridden = Object.entries(run.offsets).filter(([, d]) => !d.agreed);
    expect(overridden).toHaveLength(1);
    expect(overridden[0]![1]).toMatchObject({ offsetDn: -1000, declared: 0 });
    expect(run.items.dropped.some((d) => d.id.includes('_0_L2A'))).toBe(true);
    expect(run.http.requests).toBeGreaterThan(0);
    expect(run.timings_s['total']).toBeGreaterThan(0);
    const report = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(report).toContain('Global Witness');
    expect(report).toContain('approximate');
  });

  it('reads only byte ranges: bytes fetched are a fraction of the assets served', () => {
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as {
      http: { byStatus: Record<string, number> };
    };
    expect(run.http.byStatus['206']).toBeGreaterThan(0);
  });

  it('gives the same candidates from the local ItemCollection file', async () => {
    const local = path.join(tmp, 'local');
    const r = await scan([
      '--stac',
      path.join(world, 'stac', 'items.json'),
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      local,
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const ids = (f: string): unknown[] => readFc(f).features.map((x) => x.properties['id']);
    expect(ids(path.join(local, 'candidates.geojson'))).toEqual(ids(path.join(out, 'candidates.geojson')));
    // Every published byte, not just the candidates: chips, overlays, COGs, the copies, the
    // report and the STAC files are those of the recorded run (REGEN=1 rewrites the digests after
    // a deliberate change; review which files moved). The world's folder, wherever the test put
    // it, is a placeholder.
    const golden = path.resolve(__dirname, '../golden/small-world-outputs.json');
    const digests = outputDigests(local, { [path.resolve(world)]: '<world>', [world]: '<world>' });
    if (process.env['REGEN']) writeFileSync(golden, `${JSON.stringify(digests, null, 1)}\n`);
    expect(Object.keys(digests).length).toBeGreaterThan(20);
    expect(digests).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
  });

  const gdal = gdalAvailability();
  if (!gdal.ok && !process.env['CI']) console.warn(`skipping ogrinfo checks: ${gdal.reason}`);
  it.skipIf(!gdal.ok && !process.env['CI'])('is read by GDAL ogrinfo without warnings', () => {
    for (const name of ['candidates', 'ponds', 'clearings']) {
      const r = runOgrinfo(path.join(out, `${name}.geojson`));
      expect(r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
      expect(r.stdout).toMatch(/Feature Count: \d+/);
    }
  });
});

describe('minewatch scan with a broken asset', () => {
  it('skips the item whose band is missing, records why, and still finishes', async () => {
    const items = JSON.parse(readFileSync(path.join(world, 'stac', 'items.json'), 'utf8')) as {
      features: { id: string; properties: { datetime: string } }[];
    };
    const victim = items.features.find(
      (f) => f.properties.datetime >= '2023-12' && f.id.includes('_0_') && f.id.includes('RKJ'),
    )!.id;
    // The header (first 64 KiB) reads fine; every range request for its NIR tiles beyond it answers 404.
    const rangeStart = (h: string | undefined): number => Number(/bytes=(\d+)-/.exec(h ?? '')?.[1] ?? -1);
    server.setFaults({
      onRequest: (ctx) =>
        ctx.kind === 'asset' &&
        ctx.rawPath.includes(`/${victim}/B08.tif`) &&
        rangeStart(ctx.req.headers.range) >= 65536
          ? answerStatus(ctx, 404)
          : undefined,
    });
    try {
      const out = path.join(tmp, 'broken');
      const r = await scan([
        '--stac',
        server.url.href,
        '--before',
        BEFORE,
        '--after',
        AFTER,
        '--out',
        out,
        '--quiet',
      ]);
      expect(r.code).toBe(0);
      const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as {
        items: { skipped: { item: string; reason: string }[] };
      };
      const skip = run.items.skipped.find((s) => s.item === victim);
      expect(skip?.reason).toMatch(/asset "nir".*404/);
      expect(readFc(path.join(out, 'candidates.geojson')).features.length).toBeGreaterThan(0);
    } finally {
      server.setFaults(noFaults);
    }
  });
});

describe('minewatch scan on bad input', () => {
  const oneLine = (s: string): void => {
    expect(s.trim().split('\n')).toHaveLength(1);
    expect(s).toMatch(/^minewatch: /);
  };

  it('refuses an invalid AOI before any request, naming the file', async () => {
    const bowtie = path.join(tmp, 'bowtie.geojson');
    writeFileSync(
      bowtie,
      JSON.stringify({
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
      }),
    );
    server.stats.reset();
    const r = await scan([
      '--stac',
      server.url.href,
      '--aoi',
      bowtie,
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      path.join(tmp, 'x'),
    ]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain(bowtie);
    expect(r.stderr).toContain('intersects itself');
    expect(server.stats.requests).toBe(0);
  });

  it('refuses an empty or reversed date window', async () => {
    const r = await scan([
      '--stac',
      server.url.href,
      '--before',
      '2021-02-28/2020-12-01',
      '--after',
      AFTER,
      '--out',
      path.join(tmp, 'x'),
    ]);
    expect(r.code).toBe(2);
    oneLine(r.stderr);
    expect(r.stderr).toContain('--before');
    const bad = await scan([
      '--stac',
      server.url.href,
      '--before',
      '2026-13-01/2027-01-01',
      '--after',
      AFTER,
      '--out',
      path.join(tmp, 'x'),
    ]);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
  });

  it('says so when the STAC API is unreachable', async () => {
    const r = await scan([
      '--stac',
      'http://127.0.0.1:9/v1',
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      path.join(tmp, 'x'),
    ]);
    expect(r.code).toBe(3);
    oneLine(r.stderr);
    expect(r.stderr).toContain('127.0.0.1:9');
  });

  it('says so when no items are found', async () => {
    const r = await scan([
      '--stac',
      server.url.href,
      '--before',
      '2019-12-01/2020-02-28',
      '--after',
      AFTER,
      '--out',
      path.join(tmp, 'x'),
    ]);
    expect(r.code).toBe(4);
    oneLine(r.stderr);
    expect(r.stderr).toContain('before window');
  });
});
