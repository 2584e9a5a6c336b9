import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mndwiInto, ndviInto, normalizedDifference } from '../reference/indices.js';
import { dnToReflectance } from '../../src/raster/dn-to-reflectance.js';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

describe('normalizedDifference', () => {
  it('computes (a - b) / (a + b)', () => {
    expect(normalizedDifference(0.5, 0.1)).toBeCloseTo(0.4 / 0.6, 12);
    expect(normalizedDifference(0.1, 0.5)).toBeCloseTo(-0.4 / 0.6, 12);
    expect(normalizedDifference(0.3, 0.3)).toBe(0);
  });

  it('is NaN for NaN inputs and non-positive denominators', () => {
    expect(normalizedDifference(NaN, 0.2)).toBeNaN();
    expect(normalizedDifference(0.2, NaN)).toBeNaN();
    expect(normalizedDifference(0, 0)).toBeNaN();
    expect(normalizedDifference(-0.05, 0.02)).toBeNaN();
  });

  it('stays within [-1, 1] for any non-negative inputs, and clamps negative reflectances', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (a, b) => {
          const v = normalizedDifference(a, b);
          if (a + b > 0) expect(v >= -1 && v <= 1).toBe(true);
          else expect(v).toBeNaN();
        },
      ),
    );
    expect(normalizedDifference(0.5, -0.1)).toBe(1); // raw 1.5 after the -0.1 offset
  });
});

describe('ndviInto', () => {
  it('writes NDVI per pixel, NaN where either band is nodata, always in [-1, 1] in Float32', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.float({ min: 0, max: 1, noNaN: true }),
            fc.float({ min: 0, max: 1, noNaN: true }),
            fc.integer({ min: 0, max: 3 }),
          ),
          { minLength: 1, maxLength: 50 },
        ),
        (px) => {
          const red = f32(px.map(([r, , k]) => (k === 1 ? NaN : r)));
          const nir = f32(px.map(([, n, k]) => (k === 2 ? NaN : n)));
          const out = ndviInto(red, nir, new Float32Array(px.length));
          px.forEach(([r, n, k], i) => {
            const v = out[i]!;
            if (k === 1 || k === 2 || Math.fround(r) + Math.fround(n) <= 0) expect(v).toBeNaN();
            else {
              expect(v >= -1 && v <= 1).toBe(true);
              expect(v).toBeCloseTo((n - r) / (n + r), 5);
            }
          });
        },
      ),
    );
  });

  it('rejects arrays that are too short', () => {
    expect(() => ndviInto(new Float32Array(4), new Float32Array(3), new Float32Array(4))).toThrow(RangeError);
  });
});

describe('mndwiInto', () => {
  it('upsamples the 20 m swir16 by indexing, including odd sizes', () => {
    const w = 5;
    const h = 3;
    const w2 = 3; // ceil(5 / 2)
    const green = new Float32Array(w * h).fill(0.3);
    green[2 * w + 4] = NaN; // nodata in green
    const swir = f32([0.1, 0.2, 0.3, 0.5, NaN, 0.7]); // 3 x 2
    const out = mndwiInto(green, w, h, swir, w2, new Float32Array(w * h));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = swir[(y >> 1) * w2 + (x >> 1)]!;
        const g = green[y * w + x]!;
        const v = out[y * w + x]!;
        if (Number.isNaN(s) || Number.isNaN(g)) expect(v).toBeNaN();
        else expect(v).toBeCloseTo((g - s) / (g + s), 6);
      }
    }
    expect(out[0]).toBeCloseTo(0.5, 6); // (0.3 - 0.1) / 0.4
    expect(out[2 * w + 2]).toBeNaN(); // swir16 nodata at (2, 1) of the 20 m grid
  });

  it('rejects a 20 m grid that does not cover the 10 m grid', () => {
    expect(() => mndwiInto(new Float32Array(25), 5, 5, new Float32Array(6), 2, new Float32Array(25))).toThrow(
      /row length/,
    );
    expect(() => mndwiInto(new Float32Array(25), 5, 5, new Float32Array(6), 3, new Float32Array(25))).toThrow(
      /swir16/,
    );
  });
});

describe('dnToReflectance', () => {
  it('applies scale and the baseline-04.00 offset, NaN for DN 0', () => {
    const out = dnToReflectance(Uint16Array.from([1500, 0, 1000, 11000]), 0.0001, -0.1, new Float32Array(4));
    expect(out[0]).toBeCloseTo(0.05, 7);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(0, 7);
    expect(out[3]).toBeCloseTo(1.0, 6);
  });

  it('without an offset is DN / 10000, and honours a custom nodata', () => {
    const out = dnToReflectance(Uint16Array.from([1500, 0, 65535]), 0.0001, 0, new Float32Array(3), 65535);
    expect(out[0]).toBeCloseTo(0.15, 7);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeNaN();
  });

  it('rejects non-finite scale or offset', () => {
    expect(() => dnToReflectance(new Uint16Array(1), NaN, 0, new Float32Array(1))).toThrow(RangeError);
  });
});
