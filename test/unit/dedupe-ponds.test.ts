/**
 * The same pond seen from two overlapping tiles is kept once, the clearer view. The R-tree
 * version must keep exactly the ponds the plain rule keeps: a pond goes when a clearer pond of
 * another tile, itself kept, intersects it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dedupePonds, intersects } from '../../src/detect/clearing-merge.js';
import type { GeoPond } from '../../src/detect/geo-detections.js';

function square(x: number, y: number, side: number, tile: string, maxFraction: number): GeoPond {
  const ring = [
    [x, y],
    [x + side, y],
    [x + side, y + side],
    [x, y + side],
    [x, y],
  ];
  return {
    geometry: { type: 'Polygon', coordinates: [ring] },
    bbox: [x, y, x + side, y + side],
    areaM2: 100,
    waterM2: 100,
    peaks: 1,
    kind: 'turquoise',
    maxFraction,
    tile,
    centroid: [x + side / 2, y + side / 2],
    swir: 'water',
    swirGreen: 0,
    swir16: 0,
    swir22: 0,
    elongation: 1,
    rectangularity: 1,
  };
}

/** The rule stated plainly, quadratic: the reference the indexed version must agree with. */
function referenceDedupe(ponds: GeoPond[]): GeoPond[] {
  const kept: GeoPond[] = [];
  for (const p of [...ponds].sort((a, b) => b.maxFraction - a.maxFraction || a.tile.localeCompare(b.tile)))
    if (!kept.some((k) => k.tile !== p.tile && intersects(k, p))) kept.push(p);
  return kept.sort((a, b) => a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);
}

describe('dedupePonds', () => {
  it('keeps the clearer of two views of one pond from two tiles', () => {
    const dim = square(0, 0, 1, '47QNF', 0.6);
    const clear = square(0.2, 0.2, 1, '47QPF', 0.9);
    expect(dedupePonds([dim, clear])).toEqual([clear]);
  });

  it('never drops a pond for touching another of its own tile', () => {
    const a = square(0, 0, 1, '47QNF', 0.6);
    const b = square(0.5, 0.5, 1, '47QNF', 0.9);
    expect(dedupePonds([a, b])).toHaveLength(2);
  });

  it('a pond dropped as a repeat cannot drop a third one', () => {
    // b repeats a (clearer, other tile) and goes; c overlaps only b, so it stays.
    const a = square(0, 0, 1, 'T1', 0.9);
    const b = square(0.8, 0, 1, 'T2', 0.8);
    const c = square(1.6, 0, 1, 'T1', 0.7);
    expect(dedupePonds([c, b, a])).toEqual([a, c]);
  });

  it('agrees with the plain quadratic rule on random layouts of two or three tiles', () => {
    const pond = fc
      .record({
        x: fc.integer({ min: 0, max: 40 }),
        y: fc.integer({ min: 0, max: 40 }),
        side: fc.integer({ min: 1, max: 6 }),
        tile: fc.constantFrom('T1', 'T2', 'T3'),
        f: fc.integer({ min: 1, max: 20 }),
      })
      .map((r) => square(r.x, r.y, r.side, r.tile, r.f / 20));
    fc.assert(
      fc.property(fc.array(pond, { maxLength: 60 }), (ponds) => {
        expect(dedupePonds(ponds)).toEqual(referenceDedupe(ponds));
      }),
      { numRuns: 200 },
    );
  });
});
