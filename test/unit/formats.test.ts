/**
 * The vector formats people open: FlatGeobuf with named layers and typed columns, GeoJSONSeq,
 * candidates.csv and candidates.kml, all MultiPolygon with valid rings after rounding, all
 * carrying the provenance; GDAL reads each one with nothing on stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { geojson } from 'flatgeobuf';
import type { Feature, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { candidatesCsv } from '../../src/formats/csv.js';
import { CANDIDATE_PROPERTIES } from '../../src/formats/dictionary.js';
import { toFlatGeobuf } from '../../src/formats/flatgeobuf.js';
import { geojsonSeq } from '../../src/formats/geojsonseq.js';
import { candidatesKml } from '../../src/formats/kml.js';
import { publishedGeometry } from '../../src/formats/layer.js';
import { combineProvenance } from '../../src/formats/provenance.js';
import { gdalAvailability, runOgrinfo } from '../helpers/ogr.js';

const REAL = combineProvenance([{ synthetic: false, years: [2021, 2024], attribution: '' }]);
const SYNTHETIC = combineProvenance([{ synthetic: true, years: [2021, 2024], attribution: '' }]);
const sq = (x: number): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, 25],
      [x + 0.01, 25],
      [x + 0.01, 25.01],
      [x, 25.01],
      [x, 25],
    ],
  ],
});
const features: Feature<Polygon, Record<string, unknown>>[] = [
  {
    type: 'Feature',
    geometry: sq(97),
    properties: { id: 'a', pond_count: 3, confidence: 0.5, township: null, items: ['x'], first_seen: null },
  },
  {
    type: 'Feature',
    geometry: sq(98),
    properties: {
      id: 'b',
      pond_count: 7,
      confidence: 1,
      township: 'Chipwi',
      items: ['p', 'q'],
      first_seen: '2024-01-05',
      chips: {
        before: 'chips/b-before.png',
        after: 'chips/b-after.png',
        ndvi_change: 'chips/b-ndvi-change.png',
      },
    },
  },
];

describe('the published geometry', () => {
  it('is a MultiPolygon without the repeated vertex rounding leaves, ring closed', () => {
    const g = publishedGeometry({
      type: 'Polygon',
      coordinates: [
        [
          [97, 25],
          [97.000000001, 25], // the same vertex once rounded to 7 decimals
          [97.01, 25],
          [97.01, 25.01],
          [97, 25],
        ],
      ],
    });
    expect(g.type).toBe('MultiPolygon');
    expect(g.coordinates[0]![0]).toEqual([
      [97, 25],
      [97.01, 25],
      [97.01, 25.01],
      [97, 25],
    ]);
  });

  it('drops a ring rounding collapses to a line, and refuses a non-areal geometry', () => {
    const sliver: Polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [97, 25],
          [97.00000001, 25.00000001],
          [97, 25.00000002],
          [97, 25],
        ],
      ],
    };
    expect(publishedGeometry(sliver).coordinates).toEqual([]);
    expect(() => publishedGeometry({ type: 'Point', coordinates: [97, 25] })).toThrow(/areas/);
  });
});

describe('FlatGeobuf, GeoJSONSeq, CSV and KML outputs', () => {
  it('round-trips features through FlatGeobuf: MultiPolygons, typed columns, the attribution', async () => {
    const bytes = toFlatGeobuf('candidates', features, REAL, CANDIDATE_PROPERTIES);
    const back = [];
    for await (const f of geojson.deserialize(bytes)) back.push(f);
    expect(back).toHaveLength(2);
    expect(back.every((f) => f.geometry.type === 'MultiPolygon')).toBe(true);
    expect(back[1]!.properties).toMatchObject({
      id: 'b',
      pond_count: 7,
      township: 'Chipwi',
      attribution: REAL.attribution,
      items: '["p","q"]',
    });
    expect(back[1]!.properties?.['synthetic']).toBeUndefined();
    expect(back[0]!.properties?.['township']).toBeUndefined(); // null stays absent
  });

  it('writes one Feature per line, each with the provenance', () => {
    const lines = geojsonSeq(features, SYNTHETIC).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const f = JSON.parse(lines[1]!) as Feature;
    expect(f.geometry.type).toBe('MultiPolygon');
    expect(f.properties).toMatchObject({ id: 'b', attribution: SYNTHETIC.attribution, synthetic: true });
    expect(geojsonSeq([], REAL)).toBe('');
  });

  it('writes candidates.csv: the centroid, every property, chips and provenance per row', () => {
    const rows = candidatesCsv(features, SYNTHETIC).trimEnd().split('\n');
    expect(rows[0]!.split(',').slice(0, 3)).toEqual(['id', 'longitude', 'latitude']);
    expect(rows[0]).toContain('chip_before');
    expect(rows[0]!.endsWith(',attribution,synthetic')).toBe(true);
    const b = rows[2]!.split(',');
    expect(b[0]).toBe('b');
    expect(Number(b[1])).toBeCloseTo(98.005, 5);
    expect(Number(b[2])).toBeCloseTo(25.005, 5);
    expect(rows[2]).toContain('p;q');
    expect(rows[2]).toContain('chips/b-after.png');
    expect(candidatesCsv(features, REAL)).not.toMatch(/synthetic/i);
  });

  it('writes candidates.kml with the chips in each balloon and the provenance', () => {
    const kml = candidatesKml(
      features,
      (f) => (f.properties['chips'] ? [{ label: 'after', path: 'chips/b-after.png' }] : []),
      SYNTHETIC,
    );
    expect(kml.startsWith('<?xml')).toBe(true);
    expect((kml.match(/<Placemark>/g) ?? []).length).toBe(2);
    expect(kml).toContain('&#x3C;img src="chips/b-after.png"');
    expect(kml).toContain('SYNTHETIC DATA');
    const real = candidatesKml(features, () => [], REAL);
    expect(real).toContain(REAL.attribution);
    expect(real).not.toMatch(/synthetic/i);
  });

  const gdal = gdalAvailability();
  if (!gdal.ok && !process.env['CI']) console.warn(`skipping ogrinfo checks: ${gdal.reason}`);
  it.skipIf(!gdal.ok && !process.env['CI'])(
    'is read by GDAL with typed, named layers, and copied to GeoPackage without -nlt',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'mw-formats-'));
      const files = {
        'candidates.fgb': toFlatGeobuf('candidates', features, REAL, CANDIDATE_PROPERTIES),
        'empty.fgb': toFlatGeobuf('ponds', [], REAL),
        'a.geojsonl': geojsonSeq(features, REAL),
        'candidates.kml': candidatesKml(features, () => [], REAL),
        'candidates.csv': candidatesCsv(features, REAL),
      };
      for (const [name, data] of Object.entries(files)) writeFileSync(path.join(dir, name), data);
      const counts: Record<string, string> = {
        'candidates.fgb': '2',
        'empty.fgb': '0',
        'a.geojsonl': '2',
        'candidates.kml': '2',
        'candidates.csv': '2',
      };
      for (const name of Object.keys(files)) {
        const r = runOgrinfo(path.join(dir, name));
        expect(r.stderr, name).toBe('');
        expect(r.code, name).toBe(0);
        expect(r.stdout, name).toContain(`Feature Count: ${counts[name]}`);
      }
      const fgb = runOgrinfo(path.join(dir, 'candidates.fgb')).stdout;
      expect(fgb).toMatch(/Layer name: candidates/);
      expect(fgb).toMatch(/Geometry: Multi Polygon/);
      expect(fgb).toMatch(/pond_count: Integer64/);
      expect(fgb).toMatch(/first_seen: DateTime/);
      expect(fgb).toMatch(/items: String/); // a JSON column (GDAL 3.7+ says "String (JSON)")
      const gpkg = path.join(dir, 'out.gpkg');
      const r = spawnSync('ogr2ogr', ['-f', 'GPKG', gpkg, path.join(dir, 'candidates.fgb')], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );
});
