/**
 * Pool layouts against the real Pang War labels (2,497 pools): nearest-neighbour spacing
 * p10 / median / p90 of 11 / 15.2 / 27 m, 65 % of sites with >= 3 pools, 39 % with >= 10, the
 * largest 42; pools 5-30 m and never overlapping.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/fixtures/world/rng.js';
import {
  PANG_WAR,
  drawPoolCount,
  layPools,
  layoutRadius,
  mergedBlobCount,
  nearestNeighbourDistances,
  type LaidPool,
} from '../../src/fixtures/world/pool-layout.js';

function quantile(sorted: readonly number[], p: number): number {
  const i = p * (sorted.length - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (i - lo);
}

const SITES = 400;
const layouts: LaidPool[][] = [];
const counts: number[] = [];
for (let k = 0; k < SITES; k++) {
  const r = new Rng(77, `site${k}`);
  const n = drawPoolCount(r.fork('count'));
  counts.push(n);
  layouts.push(layPools(r.fork('pools'), n));
}

describe('pool layouts like Pang War', () => {
  it('lays out every pool it was asked for, 5-30 m, with no two overlapping', () => {
    layouts.forEach((pools, k) => {
      expect(pools.length).toBe(counts[k]);
      for (const p of pools) {
        expect(2 * p.hw).toBeGreaterThanOrEqual(PANG_WAR.poolSideMin - 1e-9);
        expect(2 * p.hw).toBeLessThanOrEqual(PANG_WAR.poolSideMax + 1e-9);
      }
      for (let i = 0; i < pools.length; i++)
        for (let j = i + 1; j < pools.length; j++) {
          const a = pools[i] as LaidPool;
          const b = pools[j] as LaidPool;
          const apart = Math.abs(a.u - b.u) >= a.hw + b.hw || Math.abs(a.v - b.v) >= a.hh + b.hh;
          expect(apart, `site ${k} pools ${i} ${j}`).toBe(true);
        }
    });
  });

  it('spaces nearest neighbours like the labels (median 15.2 m, p10 11 m, p90 27 m)', () => {
    const nn = layouts.flatMap((p) => nearestNeighbourDistances(p)).sort((a, b) => a - b);
    expect(nn.length).toBeGreaterThan(1000);
    expect(Math.abs(quantile(nn, 0.5) - PANG_WAR.spacingMedian)).toBeLessThan(1.5);
    expect(Math.abs(quantile(nn, 0.1) - PANG_WAR.spacingP10)).toBeLessThan(1.5);
    expect(Math.abs(quantile(nn, 0.9) - PANG_WAR.spacingP90)).toBeLessThan(3);
  });

  it('draws site sizes like the labels: 208/318 with >= 3 pools, 125/318 with >= 10, none above 42', () => {
    const share = (min: number): number => counts.filter((c) => c >= min).length / counts.length;
    expect(Math.abs(share(3) - PANG_WAR.sitesAtLeast3 / PANG_WAR.sites)).toBeLessThan(0.06);
    expect(Math.abs(share(10) - PANG_WAR.sitesAtLeast10 / PANG_WAR.sites)).toBeLessThan(0.06);
    expect(Math.max(...counts)).toBeLessThanOrEqual(PANG_WAR.largestSite);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
  });
});

describe('mergedBlobCount and layoutRadius', () => {
  const pool = (u: number, v: number, side = 10): LaidPool => ({ u, v, hw: side / 2, hh: side / 2 });
  it('merges pools closer than one 10 m pixel edge to edge and keeps farther ones apart', () => {
    expect(mergedBlobCount([])).toBe(0);
    expect(mergedBlobCount([pool(0, 0)])).toBe(1);
    expect(mergedBlobCount([pool(0, 0), pool(15, 0)])).toBe(1); // 5 m apart
    expect(mergedBlobCount([pool(0, 0), pool(25, 0)])).toBe(2); // 15 m apart
    // A chain merges transitively: 0-15-30 one blob, 60 its own.
    expect(mergedBlobCount([pool(0, 0), pool(15, 0), pool(30, 0), pool(60, 0)])).toBe(2);
  });
  it('measures the radius to the farthest pool corner', () => {
    expect(layoutRadius([pool(0, 0), pool(30, 40, 10)])).toBeCloseTo(Math.hypot(35, 45), 9);
  });
});
