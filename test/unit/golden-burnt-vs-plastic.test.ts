/**
 * Two goldens from spectra to products (blockEvidence -> detectTile -> buildProducts):
 *  - a burnt swidden clearing, char patches dark and flat in the visible like black plastic (the
 *    10 m pond test takes them for dark ponds), bright in SWIR as charcoal is: no candidate;
 *  - a site of black-lined ponds holding leachate (wet liners: dark in the visible, water-dark in
 *    SWIR), the same layout: a candidate, its ponds SWIR-confirmed.
 * The plastic site's products are compared with test/golden/dark-plastic-site.geojson; REGEN=1
 * rewrites it after a deliberate change (review the diff).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockEvidence } from '../../src/detect/block-evidence.js';
import type { Observation } from '../../src/detect/block-input.js';
import { PondKind } from '../../src/detect/pond-unmixing.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import type { Products } from '../../src/detect/product-properties.js';
import { featureCollection } from '../../src/formats/feature-collection.js';
import { combineProvenance } from '../../src/formats/provenance.js';
import { productsOfBlock } from '../helpers/block-products.js';

const GOLDEN = path.resolve(__dirname, '../golden/dark-plastic-site.geojson');
const W = 64;
type Spec = [number, number, number, number, number, number]; // blue green red nir B11 B12

// Reflectances from docs/reflectance.md and the literature (charcoal brightens with wavelength).
const FOREST: Spec = [0.03, 0.057, 0.028, 0.34, 0.19, 0.095];
const BURNT_GROUND: Spec = [0.06, 0.075, 0.09, 0.17, 0.24, 0.22];
const CHAR: Spec = [0.03, 0.034, 0.033, 0.045, 0.1, 0.11];
const LATERITE: Spec = [0.085, 0.125, 0.205, 0.27, 0.36, 0.29];
const WET_BLACK_LINER: Spec = [0.036, 0.042, 0.036, 0.035, 0.012, 0.008];

/** Pond (or char) patches of 2 x 2 pixels, 30 m apart on a terrace grid inside the clearing. */
const inPatch = (x: number, y: number): boolean =>
  x >= 22 && x < 42 && y >= 22 && y < 42 && x % 3 < 2 && y % 3 < 2 && (x + y) % 6 < 4;
const inClearing = (x: number, y: number): boolean => (x - 32) ** 2 + (y - 32) ** 2 <= 17 ** 2;

function look(paint: (x: number, y: number) => Spec, withB12: boolean): Observation {
  const n = W * W;
  const w2 = W / 2;
  const bands = [0, 1, 2, 3].map(() => new Uint16Array(n));
  const s16 = new Float64Array(w2 * w2);
  const s22 = new Float64Array(w2 * w2);
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) {
      const s = paint(x, y);
      for (let b = 0; b < 4; b++) bands[b]![y * W + x] = Math.round(s[b]! * 10000);
      s16[(y >> 1) * w2 + (x >> 1)]! += s[4] / 4;
      s22[(y >> 1) * w2 + (x >> 1)]! += s[5] / 4;
    }
  return {
    blue: bands[0]!,
    green: bands[1]!,
    red: bands[2]!,
    nir: bands[3]!,
    swir16: Uint16Array.from(s16, (v) => Math.round(v * 10000)),
    ...(withB12 ? { swir22: Uint16Array.from(s22, (v) => Math.round(v * 10000)) } : {}),
    scl: new Uint8Array(w2 * w2).fill(4),
    offsetDn: 0,
  };
}

function run(ground: Spec, patch: Spec, withB12: boolean): { products: Products; darkPixels: number } {
  const paint = (x: number, y: number): Spec => (!inClearing(x, y) ? FOREST : inPatch(x, y) ? patch : ground);
  const before = [look(() => FOREST, withB12), look(() => FOREST, withB12)];
  const after = [look(paint, withB12), look(paint, withB12)];
  const ev = blockEvidence({ width: W, height: W, before, after }, DEFAULT_PARAMS);
  const darkPixels = ev.pondKind.reduce((s, k) => s + (k === PondKind.Dark ? 1 : 0), 0);
  const products = productsOfBlock(ev);
  return { products, darkPixels };
}

describe('burnt swidden vs dark-plastic site, from spectra', () => {
  for (const withB12 of [true, false]) {
    it(`a burnt swidden clearing with char patches is no candidate (${withB12 ? 'B11 + B12' : 'B11 only'})`, () => {
      const { products, darkPixels } = run(BURNT_GROUND, CHAR, withB12);
      // The hard case it is: the visible/NIR pond test does take the char for dark ponds...
      expect(darkPixels).toBeGreaterThan(10);
      // ...and SWIR throws them out: no pond, no candidate.
      expect(products.ponds).toHaveLength(0);
      expect(products.candidates).toHaveLength(0);
      expect(products.clearings.length).toBeGreaterThan(0);
    });

    it(`a site of wet black-lined ponds is a candidate, SWIR-confirmed (${withB12 ? 'B11 + B12' : 'B11 only'})`, () => {
      const { products } = run(LATERITE, WET_BLACK_LINER, withB12);
      expect(products.candidates).toHaveLength(1);
      const c = products.candidates[0]!.properties;
      expect(c.turquoise_ponds).toBe(0);
      expect(c.dark_ponds).toBe(c.pond_count);
      expect(c.swir_confirmed_ponds).toBeGreaterThan(0);
      expect(c.confidence).toBeGreaterThanOrEqual(DEFAULT_PARAMS.minConfidence);
      expect(c.pool_estimate_low).toBeLessThanOrEqual(c.pool_estimate);
      expect(c.pool_estimate).toBeLessThanOrEqual(c.pool_estimate_high);
    });
  }

  it('the dark-plastic site matches test/golden/dark-plastic-site.geojson', () => {
    const { products: p } = run(LATERITE, WET_BLACK_LINER, true);
    const provenance = combineProvenance([{ synthetic: false, years: [2021, 2023, 2024], attribution: '' }]);
    const text = [
      featureCollection(p.candidates, provenance, 'candidates'),
      featureCollection(p.ponds, provenance, 'ponds'),
    ].join('');
    if (process.env['REGEN'] || !existsSync(GOLDEN)) {
      if (process.env['CI'])
        throw new Error(`${GOLDEN} is missing in CI; run REGEN=1 npx vitest run ${__filename}`);
      writeFileSync(GOLDEN, text);
    }
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
