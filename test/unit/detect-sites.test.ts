import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import type { BlockEvidence } from '../../src/detect/block-evidence.js';
import { PondKind } from '../../src/detect/pond-unmixing.js';
import { siteConfidence, type SiteEvidence } from '../../src/detect/confidence.js';
import { emptyEvidence, tileEvidenceFromBlock } from '../../src/detect/evidence-plane.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import type { TileContext } from '../../src/detect/geo-detections.js';
import { buildProducts } from '../../src/detect/sites.js';
import { detectTile } from '../../src/detect/tile-detect.js';

const enc = (ndvi: number): number => Math.round((ndvi + 1) * 127.5);

/** A 60x60 evidence plane with a 20x20 clearing at (x0, y0) holding ponds at the given pixels. */
function plane(
  x0: number,
  y0: number,
  ponds: [number, number, number][],
  kind: number = PondKind.Turquoise,
): BlockEvidence {
  const ev = emptyEvidence(60, 60);
  ev.ndviBefore.fill(enc(0.82));
  ev.ndviAfter.fill(enc(0.8));
  ev.clearBefore.fill(2);
  ev.clearAfter.fill(2);
  ev.validAfter.fill(2);
  ev.firstClearAfter.fill(0);
  for (let y = y0; y < y0 + 20; y++) {
    for (let x = x0; x < x0 + 20; x++) {
      ev.clearing[y * 60 + x] = 1;
      ev.ndviAfter[y * 60 + x] = enc(0.15);
    }
  }
  for (const [x, y, f] of ponds) {
    ev.pondF[y * 60 + x] = Math.round(f * 255);
    ev.pondKind[y * 60 + x] = kind;
  }
  return ev;
}

describe('detectTile', () => {
  it('labels one clearing and separates ponds, counting merged neighbours by their peaks', () => {
    // Two single-pixel ponds, and two ponds touching diagonally with two fraction peaks.
    const ev = plane(10, 10, [
      [14, 14, 0.6],
      [24, 14, 0.5],
      [18, 24, 0.9],
      [19, 25, 0.4],
      [20, 26, 0.8],
    ]);
    const det = detectTile(tileEvidenceFromBlock(ev), DEFAULT_PARAMS);
    expect(det.clearings).toHaveLength(1);
    const c = det.clearings[0]!;
    expect(c.changedPixels).toBe(400);
    expect(c.ndviBefore).toBeCloseTo(0.82, 2);
    expect(c.obscuredFraction).toBe(0);
    expect(det.ponds).toHaveLength(3);
    expect(det.ponds.map((p) => p.peaks).sort()).toEqual([1, 1, 2]);
    expect(det.ponds.every((p) => p.clearing === 0)).toBe(true);
    expect(c.ponds).toHaveLength(3);
  });

  it('drops clearings under the minimum size and water blobs too big to be leach ponds', () => {
    const ev = emptyEvidence(60, 60);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) ev.clearing[y * 60 + x] = 1; // 16 px < 20
    for (let y = 30; y < 40; y++) for (let x = 30; x < 40; x++) ev.pondF[y * 60 + x] = 200; // 100 px lake
    const det = detectTile(tileEvidenceFromBlock(ev), DEFAULT_PARAMS);
    expect(det.clearings).toHaveLength(0);
    expect(det.ponds).toHaveLength(0);
  });
});

function ctx(tile: string, epsg: number, originX: number, originY: number, ev: BlockEvidence): TileContext {
  return {
    tile,
    grid: { epsg, originX, originY, pixelSize: 10 },
    detections: detectTile(tileEvidenceFromBlock(ev), DEFAULT_PARAMS),
    beforeItems: [`S2A_${tile}_20210105_0_L2A`],
    afterItems: [{ id: `S2A_${tile}_20240105_0_L2A`, datetime: '2024-01-05T04:02:11.000Z' }],
  };
}

describe('buildProducts', () => {
  const ponds: [number, number, number][] = [
    [14, 14, 0.7],
    [24, 14, 0.6],
    [18, 24, 0.8],
  ];

  it('makes one candidate from a clearing with ponds, with RFC 7946 geometry and the contract properties', () => {
    const p = buildProducts(
      [ctx('47RMJ', 32647, 430_000, 2_840_000, plane(10, 10, ponds))],
      [],
      DEFAULT_PARAMS,
    );
    expect(p.candidates).toHaveLength(1);
    const c = p.candidates[0]!;
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
    ])
      expect(c.properties).toHaveProperty(k);
    expect(c.properties.area_m2).toBe(40_000);
    expect(c.properties.pond_count).toBe(3);
    expect(c.properties.first_seen).toBe('2024-01-05');
    expect(c.properties.confidence).toBeGreaterThan(0.5);
    expect(turf.booleanClockwise(turf.polygonToLine(c.geometry as never) as never)).toBe(false);
    expect(Math.abs(turf.area(c.geometry) - 40_000)).toBeLessThan(400); // geodesic vs UTM area
    expect(p.ponds).toHaveLength(3);
    expect(p.ponds.every((q) => q.properties.clearing_id === p.clearings[0]!.properties.id)).toBe(true);
  });

  it('merges the same ground seen from two overlapping tiles into one candidate', () => {
    // Tile B's grid starts 100 m east and 100 m south of tile A's: the same clearing at a shifted pixel.
    const aPonds = ponds.map(([x, y, f]) => [x + 10, y + 10, f] as [number, number, number]);
    const a = ctx('47RLJ', 32647, 400_000, 2_870_000, plane(20, 20, aPonds));
    const b = ctx('47RMJ', 32647, 400_100, 2_869_900, plane(10, 10, ponds));
    const p = buildProducts([a, b], [], DEFAULT_PARAMS);
    expect(p.candidates).toHaveLength(1);
    expect(p.candidates[0]!.properties.tiles).toEqual(['47RLJ', '47RMJ']);
    expect(p.candidates[0]!.properties.pond_count).toBe(3);
    expect(p.ponds).toHaveLength(3);
  });

  it('keeps a clearing without ponds as evidence only, and names the township', () => {
    const township = { name: 'Chipwi', geometry: turf.bboxPolygon([97, 25, 99, 27]).geometry };
    const p = buildProducts(
      [ctx('47RMJ', 32647, 430_000, 2_840_000, plane(10, 10, []))],
      [township],
      DEFAULT_PARAMS,
    );
    expect(p.candidates).toHaveLength(0);
    expect(p.clearings).toHaveLength(1);
    expect(p.clearings[0]!.properties.township).toBe('Chipwi');
  });

  it('gives ids from the place, so the same place keeps its id', () => {
    const one = buildProducts(
      [ctx('47RMJ', 32647, 430_000, 2_840_000, plane(10, 10, ponds))],
      [],
      DEFAULT_PARAMS,
    );
    const two = buildProducts(
      [ctx('47RMJ', 32647, 430_000, 2_840_000, plane(10, 10, ponds))],
      [],
      DEFAULT_PARAMS,
    );
    expect(two.candidates[0]!.properties.id).toBe(one.candidates[0]!.properties.id);
    expect(one.candidates[0]!.properties.id).toMatch(/^mw-\d+\.\d{4}N-\d+\.\d{4}E$/);
  });
});

describe('siteConfidence', () => {
  const base: SiteEvidence = {
    ponds: 6,
    turquoiseOrDarkShare: 1,
    meanPondFraction: 0.7,
    clearedHa: 4,
    ndviBefore: 0.82,
    clearBefore: 2,
    clearAfter: 2,
    obscuredFraction: 0,
    corroboration: 'strong',
  };
  it('stays in 0..1 and rises with each kind of evidence', () => {
    // The raw score rises strictly with each kind of evidence; the calibrated confidence is
    // isotonic in it (flat where the fitted table is flat: at the top it saturates), so it never
    // rises when evidence is taken away.
    const raw = (e: SiteEvidence): number => siteConfidence(e, false);
    const c = siteConfidence(base);
    expect(c).toBeGreaterThan(0.9);
    expect(c).toBeLessThanOrEqual(1);
    const weaker: SiteEvidence[] = [
      { ...base, ponds: 2 },
      { ...base, obscuredFraction: 0.9 },
      { ...base, clearAfter: 0.5, clearBefore: 0.5 },
      { ...base, ndviBefore: 0.6 },
    ];
    for (const e of weaker) {
      expect(raw(e)).toBeLessThan(raw(base));
      expect(siteConfidence(e)).toBeLessThanOrEqual(c);
    }
    expect(raw({ ...base, turquoiseOrDarkShare: 0 })).toBeLessThan(raw(base) - 0.15); // fish-pond colour
    expect(siteConfidence({ ...base, turquoiseOrDarkShare: 0 })).toBeLessThan(c);
    expect(
      siteConfidence({ ...base, turquoiseOrDarkShare: 0, ndviBefore: 0.6, clearedHa: 1.5 }),
    ).toBeLessThan(0.5);
    expect(
      siteConfidence({
        ...base,
        ponds: 0,
        turquoiseOrDarkShare: 0,
        meanPondFraction: 0,
        clearedHa: 0,
        ndviBefore: 0,
        clearBefore: 0,
        clearAfter: 0,
      }),
    ).toBeGreaterThanOrEqual(0);
  });
});
