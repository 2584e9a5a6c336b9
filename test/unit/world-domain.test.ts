/**
 * Domain randomisation: every randomised world's draws stay inside the documented ranges, the
 * reference domain is exactly the old constants, and the physics the detector may rely on
 * (water ~0 in B12, char and ash bright in B12) holds in every drawn world.
 */
import { describe, expect, it } from 'vitest';
import {
  CLASS_VARIATION,
  DOMAIN_RANGES,
  REFERENCE_DOMAIN,
  drawDomain,
  tiltCoordinate,
} from '../../src/fixtures/world/domain.js';
import { ENDMEMBERS, SURFACE_CLASSES, WORLD_BANDS } from '../../src/fixtures/world/endmembers.js';

const SEEDS = Array.from({ length: 60 }, (_, k) => 1000 + 37 * k);

describe('drawDomain', () => {
  it('draws every scalar inside its documented range', () => {
    for (const seed of SEEDS) {
      const d = drawDomain(seed);
      for (const [key, [lo, hi]] of Object.entries(DOMAIN_RANGES)) {
        const v = d[key as keyof typeof DOMAIN_RANGES];
        expect(v, `${seed} ${key}`).toBeGreaterThanOrEqual(lo);
        expect(v, `${seed} ${key}`).toBeLessThanOrEqual(hi);
      }
    }
  });

  it('moves each class mean only within its brightness and tilt bounds, keeping min <= mean <= max <= 1', () => {
    for (const seed of SEEDS) {
      const t = drawDomain(seed).endmembers;
      for (const cls of SURFACE_CLASSES) {
        const { brightness, tilt } = CLASS_VARIATION[cls];
        for (const b of WORLD_BANDS) {
          const ref = ENDMEMBERS[cls][b];
          const got = t[cls][b];
          const x = Math.abs(tiltCoordinate(b));
          const kMax = (1 + brightness) * (1 + tilt * x);
          const kMin = (1 - brightness) * (1 - tilt * x);
          expect(got.mean, `${seed} ${cls} ${b}`).toBeLessThanOrEqual(ref.mean * kMax + 1e-12);
          expect(got.mean, `${seed} ${cls} ${b}`).toBeGreaterThanOrEqual(
            Math.min(ref.mean * kMin, got.max * 0.98) - 1e-12,
          );
          expect(got.min).toBeLessThanOrEqual(got.mean);
          expect(got.mean).toBeLessThanOrEqual(got.max);
          expect(got.max).toBeLessThanOrEqual(1);
          expect(got.sd).toBeGreaterThan(0);
        }
      }
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(drawDomain(42)).toEqual(drawDomain(42));
    expect(drawDomain(42).endmembers.char.swir22.mean).not.toBe(drawDomain(43).endmembers.char.swir22.mean);
    expect(drawDomain(42).noiseScale).not.toBe(drawDomain(43).noiseScale);
  });

  it('keeps water dark and char, ash and bare soil bright in B12 in every world', () => {
    for (const seed of SEEDS) {
      const t = drawDomain(seed).endmembers;
      for (const water of ['clearWater', 'turbidWater', 'leachPondTurquoise', 'fishPondWater'] as const) {
        expect(t[water].swir22.max, `${seed} ${water}`).toBeLessThan(0.06);
        for (const burnt of ['char', 'ash', 'bareLateriticSoil'] as const)
          expect(t[burnt].swir22.mean, `${seed} ${burnt} vs ${water}`).toBeGreaterThan(
            2 * t[water].swir22.mean,
          );
      }
      // Char is dark in the visible like black plastic: the confusion the hard negatives exercise.
      expect(t.char.red.mean).toBeLessThan(0.07);
      expect(t.leachPondDarkPlastic.red.mean).toBeLessThan(0.07);
    }
  });
});

describe('REFERENCE_DOMAIN', () => {
  it('is the fixed table and the constants a non-randomised world always used', () => {
    expect(REFERENCE_DOMAIN.endmembers).toBe(ENDMEMBERS);
    expect(REFERENCE_DOMAIN).toMatchObject({
      bandCorrelation: 0.7,
      canopyTexture: 0.35,
      bareTexture: 0.3,
      diffuseLight: 0.6,
      illuminationFloor: 0.25,
      hazeMax: 0.006,
      noiseScale: 1,
      gainSpread: 0.03,
      sclPondCloudRate: 0.3,
      sclConfusionRate: 0,
      reliefM: 1300,
    });
  });
});
