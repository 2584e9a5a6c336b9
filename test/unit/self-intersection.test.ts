import { kinks } from '@turf/kinks';
import type { Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_PAIRS, selfIntersection } from '../../src/geo/self-intersection.js';

const firstSelfIntersection = (ring: Position[]): [number, number] | undefined => {
  const x = selfIntersection(ring);
  if (x.kind === 'too-intricate') throw new Error('too intricate');
  return x.kind === 'meets' ? x.at : undefined;
};

/** A seeded generator (mulberry32): the same rings every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const close = (pts: Position[]): Position[] => [...pts, pts[0]!];

/** A star-shaped ring around (97, 25): simple whatever the radii. */
function star(n: number, r: () => number, jitter = 0.5): Position[] {
  return close(
    Array.from({ length: n }, (_, i) => {
      const t = (2 * Math.PI * i) / n;
      const radius = 0.1 * (1 - jitter + jitter * r());
      return [97 + radius * Math.cos(t), 25 + radius * Math.sin(t)];
    }),
  );
}

/** Points in any order: usually crossing, sometimes not; on a coarse grid, so ends often touch. */
function scribble(n: number, r: () => number): Position[] {
  return close(
    Array.from({ length: n }, () => [97 + Math.round(r() * 8) / 80, 25 + Math.round(r() * 8) / 80]),
  );
}

const kinksFirst = (ring: Position[]): [number, number] | undefined =>
  kinks({ type: 'Polygon', coordinates: [ring] }).features[0]?.geometry.coordinates as
    [number, number] | undefined;

describe('selfIntersection: the verdict and point of turf kinks, without testing every pair', () => {
  it('agrees with kinks on 300 seeded rings, simple and crossing, the first point included', () => {
    const r = rng(14);
    let crossing = 0;
    for (let c = 0; c < 300; c++) {
      const ring = c % 2 === 0 ? star(4 + Math.floor(r() * 60), r) : scribble(4 + Math.floor(r() * 12), r);
      const want = kinksFirst(ring);
      expect(firstSelfIntersection(ring), JSON.stringify(ring)).toEqual(want);
      if (want) crossing++;
    }
    // Both kinds were exercised.
    expect(crossing).toBeGreaterThan(50);
    expect(crossing).toBeLessThan(250);
  });

  it('the cases kinks decides by its own rules: neighbours and the closing pair are not crossings, a touch is', () => {
    const square = close([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]);
    expect(firstSelfIntersection(square)).toBeUndefined();
    const bowTie = close([
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ]);
    expect(firstSelfIntersection(bowTie)).toEqual([0.5, 0.5]);
    // A ring that comes back to one of its vertices (two squares meeting at a corner).
    const figureEight = close([
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 1],
      [2, 2],
      [1, 2],
      [1, 1],
      [0, 1],
    ]);
    expect(firstSelfIntersection(figureEight)).toEqual(kinksFirst(figureEight));
    expect(firstSelfIntersection(figureEight)).toBeDefined();
  });

  it('decides a 200,000-vertex ring, simple and with one crossing', () => {
    const ring = star(200_000, rng(43), 0.001);
    expect(firstSelfIntersection(ring)).toBeUndefined();
    // Swap two neighbouring vertices of a circle far from the ring's start: one small bow-tie.
    const crossed = star(200_000, rng(43), 0);
    [crossed[100_000], crossed[100_001]] = [crossed[100_001]!, crossed[100_000]!];
    expect(firstSelfIntersection(crossed)).toBeDefined();
  });

  it('a ring whose segment boxes overlap by the million is refused as too intricate, within the pair budget', () => {
    // A star whose 100,000 spikes all reach its centre: simple, but every spike's box overlaps.
    const spikes = close(
      Array.from({ length: 200_000 }, (_, i) => {
        const t = (2 * Math.PI * i) / 200_000;
        const r = i % 2 === 0 ? 0.2 : 0.002;
        return [97.4 + r * Math.cos(t), 25.5 + r * Math.sin(t)];
      }),
    );
    expect(selfIntersection(spikes)).toEqual({ kind: 'too-intricate', pairs: MAX_SEGMENT_PAIRS });
    // The same shape, small: decided (simple), as kinks decides it.
    const small = spikes.filter((_, i) => i % 1000 === 0);
    expect(selfIntersection(small)).toEqual({ kind: 'simple' });
    expect(kinksFirst(small)).toBeUndefined();
  });
});
