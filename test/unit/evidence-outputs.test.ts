import { describe, expect, it } from 'vitest';
import type { CandidateProperties } from '../../src/detect/sites.js';
import { renderEvidence } from '../../src/report/evidence-outputs.js';
import { TileCache } from '../../src/report/imagery-reader.js';
import { loadReferences } from '../../src/report/references.js';
import { buildReport } from '../../src/report/report.js';

const ATTR = 'Contains modified Copernicus Sentinel data 2021, 2024';

describe('TileCache', () => {
  it('loads a tile once, evicts the least recently used past its byte budget, forgets failures', async () => {
    const cache = new TileCache(3);
    let loads = 0;
    const load = (v: number) => () => {
      loads++;
      return Promise.resolve(Uint8Array.of(v));
    };
    await cache.get('a', 1, load(1));
    await cache.get('b', 1, load(2));
    expect(await cache.get('a', 1, load(9))).toEqual(Uint8Array.of(1)); // hit; a is now newest
    await cache.get('c', 1, load(3));
    await cache.get('d', 1, load(4)); // over budget: b (least recently used) goes
    expect(loads).toBe(4);
    expect(cache.has('a')).toBe(true);
    expect(cache.has('b')).toBe(false);
    await expect(cache.get('e', 1, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await Promise.resolve();
    expect(cache.has('e')).toBe(false);
  });
});

describe('renderEvidence', () => {
  it('never fails the scan for a candidate it cannot chip: it warns and still writes the rest', async () => {
    const props = {
      id: 'mw-25.0000N-97.0000E',
      confidence: 0.9,
      pond_count: 3,
      township: 'Chipwi',
      tiles: ['MGRS-47RMJ'],
    } as unknown as CandidateProperties;
    const geometry = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [97, 25],
          [97.001, 25],
          [97.001, 25.001],
          [97, 25],
        ],
      ],
    };
    const report = buildReport({
      aoiName: 'test',
      townshipsApproximate: false,
      windows: {
        before: { start: '2020-12-01', end: '2021-02-28' },
        after: { start: '2023-12-01', end: '2024-02-29' },
      },
      candidates: [{ township: 'Chipwi', confidence: 0.9, pond_count: 3 }],
      townships: ['Chipwi'],
      references: loadReferences(),
      yearsScanned: [2021, 2024],
      itemsUsed: 0,
      minConfidence: 0.5,
    });
    const out = await renderEvidence({
      imagery: { opened: new Map(), offsets: new Map() },
      tiles: [],
      candidates: [{ type: 'Feature', geometry, properties: props }],
      ponds: [],
      clearings: [],
      townships: [{ name: 'Chipwi', geometry }],
      report,
      attribution: ATTR,
    });
    expect(out.warnings).toEqual([
      'candidate mw-25.0000N-97.0000E: no chips: tile MGRS-47RMJ was not scanned',
    ]);
    expect(out.candidates[0]!.properties.chips).toBeUndefined();
    expect(Object.keys(out.files).sort()).toEqual([
      'candidates.fgb',
      'candidates.geojsonl',
      'clearings.fgb',
      'clearings.geojsonl',
      'overlays/index.json',
      'ponds.fgb',
      'ponds.geojsonl',
      'report.html',
      'townships.geojson',
    ]);
    expect(String(out.files['report.html'])).toContain(ATTR);
    expect(JSON.parse(String(out.files['overlays/index.json']))).toEqual({ attribution: ATTR, overlays: [] });
  });
});
