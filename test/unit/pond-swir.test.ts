/**
 * The pond SWIR test (src/detect/pond-swir.ts): a 20 m cell mixing bare ground with a material,
 * unmixed against its land background, must say water for water and wet liners, flat-dark for a
 * dry black sheet, and not-water for char, ash and shadow, at any pond share from a quarter of
 * the cell up, with and without B12.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  cellMaterial,
  decodeImplied,
  encodeImplied,
  poolCells,
  swirComposite,
  swirVerdict,
  SWIR_UNKNOWN,
  type SwirComposite,
} from '../../src/detect/pond-swir.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';

interface Spectrum {
  green: number;
  nir: number;
  swir16: number;
  swir22: number;
}

const W = 18; // 9 x 9 cells of 20 m: the centre cell and a full background box (r2 = 4)
const WATER_NIR = 0.04;

/**
 * A block of bare ground `bg` whose centre 20 m cell is (1 - f) bg + f m, B12 optional. With
 * `speckle`, one 10 m pixel of every other cell outside the centre's neighbours is that material
 * (a char field around the pond): those cells are not pure land.
 */
function scene(
  bg: Spectrum,
  m: Spectrum,
  f: number,
  withB12: boolean,
  speckle?: Spectrum,
): ReturnType<typeof cellMaterial> {
  const n = W * W;
  const green = new Float32Array(n).fill(bg.green);
  const nir = new Float32Array(n).fill(bg.nir);
  // Red from the ground's NDVI of ~0.3 (bare, residue); the pond test only needs it bare.
  const red = new Float32Array(n).fill(bg.nir * 0.55);
  const w2 = W / 2;
  const s16 = new Float32Array(w2 * w2).fill(bg.swir16);
  const s22 = new Float32Array(w2 * w2).fill(bg.swir22);
  const mix = (b: number, v: number): number => (1 - f) * b + f * v;
  const c = 4;
  for (let y = 2 * c; y < 2 * c + 2; y++)
    for (let x = 2 * c; x < 2 * c + 2; x++) {
      green[y * W + x] = mix(bg.green, m.green);
      nir[y * W + x] = mix(bg.nir, m.nir);
    }
  s16[c * w2 + c] = mix(bg.swir16, m.swir16);
  s22[c * w2 + c] = mix(bg.swir22, m.swir22);
  if (speckle)
    for (let cy = 0; cy < w2; cy++)
      for (let cx = 0; cx < w2; cx++) {
        if ((Math.abs(cx - c) <= 1 && Math.abs(cy - c) <= 1) || (cx + cy) % 2 !== 0) continue;
        const k = 2 * cy * W + 2 * cx;
        green[k] = speckle.green;
        nir[k] = speckle.nir;
        red[k] = speckle.nir * 0.9;
        s16[cy * w2 + cx] = 0.75 * bg.swir16 + 0.25 * speckle.swir16;
        s22[cy * w2 + cx] = 0.75 * bg.swir22 + 0.25 * speckle.swir22;
      }
  const sw: SwirComposite = { w2, h2: w2, swir16: s16, swir22: withB12 ? s22 : undefined };
  return cellMaterial({ green, red, nir }, sw, W, W, c, c, 4, WATER_NIR, DEFAULT_PARAMS.landNirMin);
}

const verdictOf = (bg: Spectrum, m: Spectrum, f: number, withB12: boolean): string =>
  swirVerdict(poolCells([scene(bg, m, f, withB12)]));

/** Bare cleared ground: laterite to grey soil, some residue (published ranges, docs/reflectance.md). */
const ground = fc.record({
  green: fc.double({ min: 0.08, max: 0.16, noNaN: true }),
  nir: fc.double({ min: 0.2, max: 0.33, noNaN: true }),
  swir16: fc.double({ min: 0.22, max: 0.42, noNaN: true }),
  swir22: fc.double({ min: 0.14, max: 0.32, noNaN: true }),
});
const share = fc.double({ min: 0.25, max: 1, noNaN: true });
const b12 = fc.boolean();

/** Clear, turbid and turquoise water; wet black liner under leachate. NIR near the water NIR. */
const water = fc.record({
  green: fc.double({ min: 0.035, max: 0.2, noNaN: true }),
  nir: fc.constant(WATER_NIR),
  swir16: fc.double({ min: 0.0, max: 0.02, noNaN: true }),
  swir22: fc.double({ min: 0.0, max: 0.015, noNaN: true }),
});
/**
 * Charcoal and burnt soil: dark in the visible and NIR, brighter with wavelength (SWIR 1.6-3.5 x
 * green, 0.05-0.15), B12 at least B11 (low NBR2).
 */
const char = fc
  .record({
    green: fc.double({ min: 0.02, max: 0.045, noNaN: true }),
    ratio: fc.double({ min: 1.6, max: 3.5, noNaN: true }),
    b12: fc.double({ min: 1, max: 1.2, noNaN: true }),
  })
  .map(({ green, ratio, b12 }) => {
    const swir16 = Math.min(0.15, Math.max(0.05, green * ratio));
    return { green, nir: WATER_NIR, swir16, swir22: swir16 * b12 };
  });
/** Dry carbon-black polyethylene: flat ~0.03-0.06 from the visible to SWIR. */
const sheet = fc.double({ min: 0.03, max: 0.06, noNaN: true }).chain((v) =>
  fc.record({
    green: fc.double({ min: v * 0.95, max: v * 1.05, noNaN: true }),
    nir: fc.constant(WATER_NIR),
    swir16: fc.double({ min: v * 0.95, max: v * 1.05, noNaN: true }),
    swir22: fc.double({ min: v * 0.9, max: v * 1.05, noNaN: true }),
  }),
);

describe('pond SWIR verdict on linear mixtures', () => {
  it('unmixing recovers the material exactly for a material at the water NIR', () => {
    fc.assert(
      fc.property(ground, water, share, (bg, m, f) => {
        const c = scene(bg, m, f, true);
        // Float32 planes: exact to ~1e-6 in f, ~1e-5 in the implied reflectance.
        expect(Math.abs(c.f20 - f)).toBeLessThan(1e-5);
        expect(Math.abs(c.swir16 - m.swir16)).toBeLessThan(1e-4);
        expect(Math.abs(c.swir22 - m.swir22)).toBeLessThan(1e-4);
        expect(Math.abs(c.green - m.green)).toBeLessThan(1e-4);
      }),
    );
  });

  it('water and wet liners are water', () => {
    fc.assert(
      fc.property(ground, water, share, b12, (bg, m, f, withB12) => {
        expect(verdictOf(bg, m, f, withB12)).toBe('water');
      }),
    );
  });

  it('char and burnt soil are not water', () => {
    fc.assert(
      fc.property(ground, char, share, b12, (bg, m, f, withB12) => {
        expect(verdictOf(bg, m, f, withB12)).toBe('not-water');
      }),
    );
  });

  it('cells of the background holding any non-land pixel (a char field) are left out of it', () => {
    // Each speckled cell's mean NIR stays above landNirMin, so only the per-pixel test keeps
    // the char out of the ground the pond is unmixed against: the material must come out as
    // it does with a clean background.
    fc.assert(
      fc.property(ground, char, char, share, b12, (bg, m, speck, f, withB12) => {
        const clean = scene(bg, m, f, withB12);
        const speckled = scene(bg, m, f, withB12, speck);
        expect(speckled.f20).toBeCloseTo(clean.f20, 9);
        expect(speckled.swir16).toBeCloseTo(clean.swir16, 9);
        expect(verdictOf(bg, m, f, withB12)).toBe('not-water');
      }),
    );
  });

  it('ash and slash (bright in SWIR) are not water', () => {
    fc.assert(
      fc.property(ground, share, b12, (bg, f, withB12) => {
        // Grey ash dark enough in NIR to pass the pond test at all; white ash is brighter still.
        const ash = { green: 0.07, nir: 0.06, swir16: 0.15, swir22: 0.14 };
        expect(verdictOf(bg, ash, f, withB12)).toBe('not-water');
      }),
    );
  });

  // Deep shade (NIR down to the water NIR or below). Partial shade mixed into a cell (k ~ 0.35 at
  // f ~ 0.4) is spectrally the same as dark water over a smaller share in these four bands; only
  // its extent (shadows are larger than a 40-pixel pond) tells it apart, not this test.
  it('deep shadow (the ground scaled down, SWIR more than the visible) is never water', () => {
    fc.assert(
      fc.property(
        ground,
        fc.double({ min: 0.01, max: 0.045, noNaN: true }),
        share,
        b12,
        (bg, shadeNir, f, withB12) => {
          const k = shadeNir / bg.nir;
          // Skylight keeps more of the visible than of SWIR in shadow (endmembers.ts cloudShadow).
          const shade = {
            green: bg.green * k * 1.4,
            nir: shadeNir,
            swir16: bg.swir16 * k * 0.75,
            swir22: bg.swir22 * k * 0.75,
          };
          // Deep shade unmixes flat (flat-dark), SWIR-bright, or too faint to judge: never water.
          expect(verdictOf(bg, shade, f, withB12)).not.toBe('water');
        },
      ),
    );
  });

  it('a dry black sheet is flat-dark: neither water nor char', () => {
    fc.assert(
      fc.property(ground, sheet, share, b12, (bg, m, f, withB12) => {
        expect(verdictOf(bg, m, f, withB12)).toBe('flat-dark');
      }),
    );
  });

  it('B12 catches burnt ground that B11 alone leaves unsure', () => {
    // Burnt soil whose B11 is modest but whose B12 rose (low NBR2): char-like only at 2.2 um.
    const bg = { green: 0.12, nir: 0.25, swir16: 0.3, swir22: 0.2 };
    const burnt = { green: 0.045, nir: WATER_NIR, swir16: 0.06, swir22: 0.1 };
    expect(verdictOf(bg, burnt, 0.6, false)).toBe('flat-dark');
    expect(verdictOf(bg, burnt, 0.6, true)).toBe('not-water');
  });

  it('too little pond in the cells is unknown, not a verdict', () => {
    const bg = { green: 0.12, nir: 0.25, swir16: 0.3, swir22: 0.2 };
    const m = { green: 0.03, nir: WATER_NIR, swir16: 0.1, swir22: 0.1 };
    expect(verdictOf(bg, m, 0.12, true)).toBe('unknown');
    // Pooling cells adds their shares: two such cells are still too little, two of 0.15 enough.
    const cells = [scene(bg, m, 0.15, true), scene(bg, m, 0.15, true)];
    expect(swirVerdict(poolCells(cells))).toBe('not-water');
  });
});

describe('SWIR encoding and composite', () => {
  it('round-trips implied reflectance to 0.0015 and keeps unknown apart', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.3, max: 0.459, noNaN: true }), (v) => {
        const b = encodeImplied(v);
        expect(b).not.toBe(SWIR_UNKNOWN);
        expect(Math.abs(decodeImplied(b) - v)).toBeLessThanOrEqual(0.0015 + 1e-9);
      }),
    );
    expect(encodeImplied(NaN)).toBe(SWIR_UNKNOWN);
    expect(decodeImplied(SWIR_UNKNOWN)).toBeNaN();
  });

  it('composites B11 and B12 over clear looks only, B12 from the looks that have it', () => {
    const look = (dn: number, scl: number, b12?: number): Parameters<typeof swirComposite>[0][number] => ({
      swir16: new Uint16Array([dn]),
      ...(b12 === undefined ? {} : { swir22: new Uint16Array([b12]) }),
      scl: new Uint8Array([scl]),
      offsetDn: 0,
    });
    // SCL 4 vegetation and 5 bare are clear; 9 is cloud high probability.
    const c = swirComposite([look(300, 4, 100), look(500, 5), look(9000, 9, 9000)], 2, 2);
    expect(c.swir16[0]).toBeCloseTo(0.04, 6);
    expect(c.swir22?.[0]).toBeCloseTo(0.01, 6);
    expect(swirComposite([look(300, 4)], 2, 2).swir22).toBeUndefined();
  });

  it('takes the median of the clear looks in any order, odd and even counts', () => {
    const looks = (dns: number[]): Parameters<typeof swirComposite>[0] =>
      dns.map((dn) => ({ swir16: new Uint16Array([dn]), scl: new Uint8Array([4]), offsetDn: 0 }));
    // Every order of five distinct values gives the middle one; four give the mean of the middle two.
    for (const order of [
      [900, 100, 500, 300, 700],
      [100, 300, 500, 700, 900],
      [900, 700, 500, 300, 100],
      [500, 900, 100, 700, 300],
    ])
      expect(swirComposite(looks(order), 2, 2).swir16[0]).toBeCloseTo(0.05, 6);
    expect(swirComposite(looks([800, 200, 600, 400]), 2, 2).swir16[0]).toBeCloseTo(0.05, 6);
    expect(swirComposite(looks([400, 400, 100]), 2, 2).swir16[0]).toBeCloseTo(0.04, 6);
  });
});
