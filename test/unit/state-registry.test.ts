import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { reconcile, type Detection } from '../../src/state/registry.js';
import type { CandidateFeature, RegistryEntry } from '../../src/state/store.js';

/** A ~100 m square site at (lon, lat). */
function site(id: string, lon: number, lat: number, props: Record<string, unknown> = {}): CandidateFeature {
  const d = 0.0005;
  const f = turf.polygon(
    [
      [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat],
      ],
    ],
    { id, pond_count: 3, area_m2: 10_000, first_seen: '2024-01-30', ...props },
  );
  return f;
}
const entry = (f: CandidateFeature, tiles = ['T1'], status: 'active' | 'gone' = 'active'): RegistryEntry => ({
  id: f.properties.id,
  status,
  tiles,
  firstRun: 1,
  feature: f,
});
const det = (f: CandidateFeature, tiles = ['T1']): Detection => ({ feature: f, tiles });

describe('reconcile', () => {
  it('a detection overlapping a registered candidate keeps its id and its earliest first_seen', () => {
    const old = entry(site('mw-a', 97, 25));
    const moved = site('mw-b', 97.0002, 25.0001, { first_seen: '2024-02-19' });
    const r = reconcile([old], [det(moved)], new Set(['T1']), 2);
    expect(r.registry.map((e) => e.id)).toEqual(['mw-a']);
    expect(r.registry[0]?.feature.properties.first_seen).toBe('2024-01-30');
    expect(r.changes).toEqual([]);
  });

  it('a detection within 150 m but not overlapping is the same place; 1 km away is a new one', () => {
    const old = entry(site('mw-a', 97, 25));
    const near = site('mw-near', 97.0012, 25); // 70 m east of its edge, 121 m between centroids
    const far = site('mw-far', 97.01, 25);
    const r = reconcile([old], [det(near), det(far)], new Set(['T1']), 2);
    expect(r.registry.map((e) => e.id).sort()).toEqual(['mw-a', 'mw-far']);
    expect(r.changes.map((c) => [c.kind, c.feature.properties.id])).toEqual([['new', 'mw-far']]);
  });

  it('gaining a pond or 10 % area is "grew", with what the registry held before', () => {
    const old = entry(site('mw-a', 97, 25));
    const bigger = site('mw-x', 97, 25, { pond_count: 5 });
    const r = reconcile([old], [det(bigger)], new Set(['T1']), 2);
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]).toMatchObject({ kind: 'grew', previous: { pond_count: 3, area_m2: 10_000 } });
    expect(r.changes[0]?.feature.properties.id).toBe('mw-a');
  });

  it('unmatched candidates are gone only where their tile was scanned again', () => {
    const a = entry(site('mw-a', 97, 25), ['T1']);
    const b = entry(site('mw-b', 98, 26), ['T2']);
    const r = reconcile([a, b], [], new Set(['T1']), 2);
    expect(r.registry.find((e) => e.id === 'mw-a')?.status).toBe('gone');
    expect(r.registry.find((e) => e.id === 'mw-b')?.status).toBe('active');
    expect(r.changes.map((c) => [c.kind, c.feature.properties.id])).toEqual([['gone', 'mw-a']]);
  });

  it('a gone candidate seen again takes its old id back and is reported as new', () => {
    const a = entry(site('mw-a', 97, 25), ['T1'], 'gone');
    const r = reconcile([a], [det(site('mw-z', 97, 25))], new Set(['T1']), 3);
    expect(r.registry).toMatchObject([{ id: 'mw-a', status: 'active' }]);
    expect(r.changes.map((c) => c.kind)).toEqual(['new']);
  });

  it('a new place whose place id is taken elsewhere gets a suffix, never a duplicate id', () => {
    const a = entry(site('mw-a', 97, 25));
    const r = reconcile([a], [det(site('mw-a', 99, 27))], new Set(['T9']), 2);
    expect(r.registry.map((e) => e.id)).toEqual(['mw-a', 'mw-a-2']);
  });

  it('is deterministic whatever the order of the detections', () => {
    const olds = [entry(site('mw-a', 97, 25)), entry(site('mw-b', 97.0008, 25))];
    const dets = [det(site('mw-p', 97.0004, 25)), det(site('mw-q', 97.0009, 25))];
    const one = reconcile(olds, dets, new Set(['T1']), 2);
    const two = reconcile(olds, [...dets].reverse(), new Set(['T1']), 2);
    expect(two).toEqual(one);
  });
});
