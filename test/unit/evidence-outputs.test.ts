/**
 * renderEvidence from a tile's quicklook alone (no imagery is read): chips with georeferencing
 * sidecars, overlays, COGs, the other formats and report.html; a candidate whose tile kept no
 * quicklook is warned about and the rest is still written.
 */
import { describe, expect, it } from 'vitest';
import type { CandidateProperties } from '../../src/detect/product-properties.js';
import type { TileDetections } from '../../src/detect/tile-detect.js';
import { toLonLat } from '../../src/geo/utm.js';
import { encodeCog, encodeSparseCog } from '../../src/io/tiff/cog-writer.js';
import { blockQuicklook } from '../../src/report/block-quicklook.js';
import { renderEvidence } from '../../src/report/evidence-outputs.js';
import { combineProvenance } from '../../src/formats/provenance.js';
import { loadReferences } from '../../src/report/references.js';
import { buildReport } from '../../src/report/report.js';
import { TileQuicklookBuilder } from '../../src/report/tile-quicklook.js';

const W = 256;
const grid = { epsg: 32647, originX: 400_000, originY: 2_850_000, pixelSize: 10 };
const n = W * W;
const fill = (v: number): Float32Array => new Float32Array(n).fill(v);

function quicklook() {
  const planes = {
    before: { red: fill(0.03), nir: fill(0.35) },
    after: { blue: fill(0.08), green: fill(0.1), red: fill(0.15), nir: fill(0.25) },
  };
  const pond = 100 * W + 100;
  const b = new TileQuicklookBuilder(W, W);
  b.add(blockQuicklook(planes, [pond], W, W, b.rgbStep), 0, 0);
  const pondF = new Uint8Array(n);
  pondF[pond] = 200;
  const detections = {
    clearings: [
      {
        polygons: [
          [
            [
              [90, 90],
              [110, 90],
              [110, 110],
              [90, 110],
              [90, 90],
            ],
          ],
        ],
        ponds: [0],
      },
    ],
    ponds: [{ peaks: 3 }],
  } as unknown as TileDetections;
  const req = b.cogRequests({ grid, pondF, pondPixels: [pond], metadata: { attribution: 'x' } });
  const cogs = {
    ndviChange: new Uint8Array(encodeCog(req.ndviChange)),
    pondFraction: new Uint8Array(encodeSparseCog(req.pondFraction)),
  };
  return b.build({ tile: 'MGRS-47RMJ', grid, detections, minPonds: 2, cogs });
}

const corner = (x: number, y: number): [number, number] =>
  toLonLat(32647, [grid.originX + x * 10, grid.originY - y * 10]);
const geometry = {
  type: 'Polygon' as const,
  coordinates: [[corner(90, 110), corner(110, 110), corner(110, 90), corner(90, 90), corner(90, 110)]],
};

function props(id: string, tile: string): CandidateProperties {
  return {
    id,
    confidence: 0.9,
    pond_count: 3,
    township: 'Chipwi',
    tiles: [tile],
    cleared_area_m2: 40_000,
  } as unknown as CandidateProperties;
}

describe('renderEvidence', () => {
  it('draws chips, overlays and COGs from the quicklook, and warns about a tile without one', async () => {
    const provenance = combineProvenance([{ synthetic: true, years: [2021, 2024], attribution: '' }]);
    const report = buildReport({
      aoiName: 'test',
      townshipsApproximate: false,
      windows: {
        before: { start: '2020-12-01', end: '2021-02-28' },
        after: { start: '2023-12-01', end: '2024-02-29' },
      },
      source: { stac: 'http://127.0.0.1/v1', collection: 'sentinel-2-l2a' },
      software: { version: '0', algorithm_version: '2' },
      candidates: [],
      townships: ['Chipwi'],
      references: loadReferences(),
      provenance,
      itemsUsed: 2,
      minConfidence: 0.5,
      acquisitions: [],
      parameters: {},
    });
    const out = await renderEvidence({
      tiles: [{ tile: 'MGRS-47RMJ', quicklook: quicklook() }, { tile: 'MGRS-47RLJ' }],
      candidates: [
        { type: 'Feature', geometry, properties: props('mw-a', 'MGRS-47RMJ') },
        { type: 'Feature', geometry, properties: props('mw-b', 'MGRS-47RLJ') },
      ],
      ponds: [],
      clearings: [],
      townships: [{ name: 'Chipwi', geometry }],
      aoi: geometry,
      report,
      provenance,
    });
    expect(out.warnings).toEqual(['candidate mw-b: no chips: tile MGRS-47RLJ kept no quicklook']);
    expect(out.candidates[0]!.properties.chips).toEqual({
      before: 'chips/mw-a-before.png',
      after: 'chips/mw-a-after.png',
      ndvi_change: 'chips/mw-a-ndvi-change.png',
    });
    expect(out.candidates[1]!.properties.chips).toBeUndefined();
    const files = Object.keys(out.files).sort();
    for (const f of [
      'chips/mw-a-before.png',
      'chips/mw-a-before.png.aux.xml',
      'overlays/MGRS-47RMJ-before-ndvi.png',
      'overlays/MGRS-47RMJ-after-true-colour.png',
      'overlays/index.json',
      'rasters/MGRS-47RMJ-ndvi-change.tif',
      'rasters/MGRS-47RMJ-pond-fraction.tif',
      'candidates.fgb',
      'candidates.csv',
      'candidates.kml',
      'townships.geojson',
      'overview.png',
      'report.html',
    ])
      expect(files).toContain(f);
    const aux = String(out.files['chips/mw-a-before.png.aux.xml']);
    expect(aux).toContain('<SRS dataAxisToSRSAxisMapping="1,2">EPSG:32647</SRS>');
    expect(aux).toContain('<MDI key="synthetic">true</MDI>');
    const png = out.files['chips/mw-a-after.png'] as Uint8Array;
    expect(Buffer.from(png.subarray(1, 4)).toString()).toBe('PNG');
    const tif = out.files['rasters/MGRS-47RMJ-pond-fraction.tif'] as Uint8Array;
    expect(Buffer.from(tif.subarray(0, 2)).toString()).toBe('II');
  });
});
