/**
 * Randomised worlds carry the hard negatives real Kachin has, each named by its own truth class,
 * and their mine sites carry the real pool count. Scene level (no rasters), so it is quick.
 */
import { describe, expect, it } from 'vitest';
import { evalWorldConfig, smallWorldConfig } from '../../src/fixtures/world/config.js';
import { drawDomain } from '../../src/fixtures/world/domain.js';
import { layoutArea } from '../../src/fixtures/world/layout.js';
import { buildScene, type Scene } from '../../src/fixtures/world/scene.js';
import { sceneTruth } from '../../src/fixtures/world/truth.js';

function sceneOf(seed: number, randomised: boolean): Scene {
  const config = randomised ? evalWorldConfig(seed) : smallWorldConfig(seed);
  const area = config.areas[0];
  if (!area) throw new Error('no area');
  const l = layoutArea(area, config.tileSize);
  return buildScene(l.area, l.epsg, l.cx, l.cy, seed, {
    priorityBoxes: l.overlaps,
    seamX: l.seamX,
    seasons: config.seasons.length,
    ...(randomised ? { domain: drawDomain(seed), randomised: true } : {}),
  });
}

const SEEDS = Array.from({ length: 12 }, (_, k) => 9100 + k);
const scenes = SEEDS.map((s) => sceneOf(s, true));

describe('hard negatives of randomised worlds', () => {
  it('puts every hard-negative class into some world, each in the truth output', () => {
    const classes = new Set(
      scenes.flatMap((s, k) =>
        sceneTruth(s, evalWorldConfig(SEEDS[k] as number).seasons).map((f) => f.properties.class),
      ),
    );
    for (const cls of [
      'swidden_burnt',
      'swidden_slashed',
      'landslide',
      'toe_pond',
      'fish_ponds',
      'fish_pond',
      'river_bend',
      'new_road',
      'banana',
      'shaded_clearing',
    ])
      expect(classes, cls).toContain(cls);
  });

  it('gives every world dry-season swidden and no ponds on swidden, banana, road or shaded clearings', () => {
    for (const s of scenes) {
      expect(s.features.some((f) => f.kind === 'swidden_burnt' || f.kind === 'swidden_slashed')).toBe(true);
      for (const f of s.features)
        if (['swidden_burnt', 'swidden_slashed', 'banana', 'new_road', 'shaded_clearing'].includes(f.kind))
          expect(f.ponds, f.id).toHaveLength(0);
    }
  });

  it('gives landslides muddy toe ponds and fish farms large regular grids of fish water', () => {
    const slides = scenes.flatMap((s) => s.features.filter((f) => f.kind === 'landslide'));
    expect(slides.length).toBeGreaterThan(0);
    for (const f of slides) {
      expect(f.ponds.length).toBeGreaterThanOrEqual(1);
      expect(f.ponds.every((p) => p.style === 'muddy')).toBe(true);
    }
    const farms = scenes.flatMap((s) => s.features.filter((f) => f.kind === 'fish_ponds'));
    expect(farms.length).toBeGreaterThan(0);
    for (const f of farms) {
      expect(f.ponds.length).toBeGreaterThanOrEqual(6);
      expect(f.ponds.every((p) => p.style === 'fish')).toBe(true);
      expect(new Set(f.ponds.map((p) => p.angle)).size).toBe(1);
    }
  });

  it('records the real pool count, the 10 m blobs and the spacing of each mine site', () => {
    for (const [k, s] of scenes.entries()) {
      const truth = sceneTruth(s, evalWorldConfig(SEEDS[k] as number).seasons);
      for (const f of s.features.filter((x) => x.kind === 'new_mine')) {
        const t = truth.find((x) => x.id === f.id);
        expect(t?.properties.pond_count).toBe(f.ponds.length);
        const blobs = t?.properties.pool_blobs_10m ?? 0;
        expect(blobs).toBeGreaterThanOrEqual(1);
        expect(blobs).toBeLessThanOrEqual(f.ponds.length);
        expect(truth.filter((x) => x.properties.site_id === f.id)).toHaveLength(f.ponds.length);
      }
    }
  });
});

describe('reference worlds', () => {
  it('keep the old feature kinds: no randomised hard negatives in the demo and test worlds', () => {
    const kinds = new Set(SEEDS.slice(0, 4).flatMap((s) => sceneOf(s, false).features.map((f) => f.kind)));
    for (const k of ['swidden_burnt', 'swidden_slashed', 'banana', 'new_road', 'shaded_clearing'])
      expect(kinds.has(k as never)).toBe(false);
  });
});
