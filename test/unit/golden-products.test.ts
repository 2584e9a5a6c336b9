/**
 * Golden vector output: a fixed evidence plane through detection, merging and the writer must
 * give exactly the GeoJSON under test/golden/. Run with REGEN=1 to rewrite it after a deliberate
 * change (and review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PondKind } from '../../src/detect/pond-unmixing.js';
import { emptyEvidence, tileEvidenceFromBlock } from '../../src/detect/evidence-plane.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import { buildProducts } from '../../src/detect/sites.js';
import { detectTile } from '../../src/detect/tile-detect.js';
import { featureCollection } from '../../src/formats/feature-collection.js';
import { combineProvenance } from '../../src/formats/provenance.js';

const GOLDEN = path.resolve(__dirname, '../golden/small-site.geojson');
const enc = (ndvi: number): number => Math.round((ndvi + 1) * 127.5);

function products(): string {
  const ev = emptyEvidence(48, 48);
  ev.ndviBefore.fill(enc(0.84));
  ev.ndviAfter.fill(enc(0.82));
  ev.clearBefore.fill(3);
  ev.clearAfter.fill(3);
  ev.validAfter.fill(3);
  ev.firstClearAfter.fill(1);
  // An irregular clearing: a disc with a notch, and a separate swidden patch with no ponds.
  for (let y = 0; y < 48; y++) {
    for (let x = 0; x < 48; x++) {
      const inDisc = (x - 18) ** 2 + (y - 18) ** 2 <= 100 && !(x > 24 && y < 14);
      const inSwidden = x >= 36 && x < 44 && y >= 36 && y < 42;
      if (inDisc || inSwidden) {
        ev.clearing[y * 48 + x] = 1;
        ev.ndviAfter[y * 48 + x] = enc(0.18);
      }
    }
  }
  const ponds: [number, number, number, number][] = [
    [14, 14, 0.9, PondKind.Turquoise],
    [15, 14, 0.4, PondKind.Turquoise],
    [20, 16, 0.7, PondKind.Dark],
    [17, 22, 0.5, PondKind.Turquoise],
    [22, 21, 0.6, PondKind.Turbid],
  ];
  for (const [x, y, f, k] of ponds) {
    ev.pondF[y * 48 + x] = Math.round(f * 255);
    ev.pondKind[y * 48 + x] = k;
  }
  const p = buildProducts(
    [
      {
        tile: 'MGRS-47RMJ',
        grid: { epsg: 32647, originX: 437_000, originY: 2_834_000, pixelSize: 10 },
        detections: detectTile(tileEvidenceFromBlock(ev), DEFAULT_PARAMS),
        beforeItems: ['S2B_47RMJ_20210105_0_L2A'],
        afterItems: [
          { id: 'S2A_47RMJ_20231210_0_L2A', datetime: '2023-12-10T04:03:21.000Z' },
          { id: 'S2B_47RMJ_20240104_0_L2A', datetime: '2024-01-04T04:03:19.000Z' },
        ],
      },
    ],
    [],
    DEFAULT_PARAMS,
  );
  const provenance = combineProvenance([{ synthetic: false, years: [2021, 2023, 2024], attribution: '' }]);
  return [
    featureCollection(p.candidates, provenance, 'candidates'),
    featureCollection(p.clearings, provenance, 'clearings'),
    featureCollection(p.ponds, provenance, 'ponds'),
  ].join('');
}

describe('golden products', () => {
  it('matches test/golden/small-site.geojson', () => {
    const text = products();
    if (process.env['REGEN'] || !existsSync(GOLDEN)) {
      if (process.env['CI'])
        throw new Error(
          `${GOLDEN} is missing in CI; run REGEN=1 npx vitest run test/unit/golden-products.test.ts`,
        );
      writeFileSync(GOLDEN, text);
    }
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    // And what it holds: one candidate with four ponds (five peaks) and a pondless clearing.
    const candidates = JSON.parse(text.split('\n]}\n')[0] + '\n]}') as {
      features: { properties: Record<string, unknown> }[];
    };
    expect(candidates.features).toHaveLength(1);
    expect(candidates.features[0]!.properties).toMatchObject({
      pond_count: 4,
      first_seen: '2024-01-04',
      dark_ponds: 1,
      turbid_ponds: 1,
    });
  });
});
