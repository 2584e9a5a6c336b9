import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { geojson } from 'flatgeobuf';
import type { Feature, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { toFlatGeobuf } from '../../src/formats/flatgeobuf.js';
import { geojsonSeq } from '../../src/formats/geojsonseq.js';
import { gdalAvailability, runOgrinfo } from '../helpers/ogr.js';

const ATTR = 'Contains modified Copernicus Sentinel data 2021, 2024';
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
const features: Feature<Polygon, object>[] = [
  {
    type: 'Feature',
    geometry: sq(97),
    properties: { id: 'a', pond_count: 3, confidence: 0.5, township: null, items: ['x'] },
  },
  {
    type: 'Feature',
    geometry: sq(98),
    properties: { id: 'b', pond_count: 7, confidence: 1, township: 'Chipwi', items: [] },
  },
];

describe('FlatGeobuf and GeoJSONSeq outputs', () => {
  it('round-trips features through FlatGeobuf with typed columns and the attribution', async () => {
    const bytes = toFlatGeobuf(features, ATTR);
    const back = [];
    for await (const f of geojson.deserialize(bytes)) back.push(f);
    expect(back).toHaveLength(2);
    expect(back[0]!.geometry.type).toBe('MultiPolygon');
    expect(back[1]!.properties).toMatchObject({
      id: 'b',
      pond_count: 7,
      township: 'Chipwi',
      attribution: ATTR,
    });
    expect(back[0]!.properties).toMatchObject({ confidence: 0.5, items: '["x"]' });
    expect(back[0]!.properties?.['township']).toBeUndefined(); // null stays absent
  });

  it('writes one Feature per line, each with the attribution', () => {
    const lines = geojsonSeq(features, ATTR).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const f = JSON.parse(lines[1]!) as Feature;
    expect(f.type).toBe('Feature');
    expect(f.properties).toMatchObject({ id: 'b', attribution: ATTR });
    expect(geojsonSeq([], ATTR)).toBe('');
  });

  const gdal = gdalAvailability();
  if (!gdal.ok && !process.env['CI']) console.warn(`skipping ogrinfo checks: ${gdal.reason}`);
  it.skipIf(!gdal.ok && !process.env['CI'])('is read by GDAL ogrinfo, empty layers too', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mw-formats-'));
    const files = {
      'a.fgb': toFlatGeobuf(features, ATTR),
      'empty.fgb': toFlatGeobuf([], ATTR),
      'a.geojsonl': geojsonSeq(features, ATTR),
    };
    for (const [name, data] of Object.entries(files)) writeFileSync(path.join(dir, name), data);
    const counts: Record<string, string> = { 'a.fgb': '2', 'empty.fgb': '0', 'a.geojsonl': '2' };
    for (const name of Object.keys(files)) {
      const r = runOgrinfo(path.join(dir, name));
      expect(r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toContain(`Feature Count: ${counts[name]}`);
    }
    expect(runOgrinfo(path.join(dir, 'a.fgb')).stdout).toMatch(/pond_count: Integer64/);
  });
});
