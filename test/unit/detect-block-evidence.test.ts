import { describe, expect, it } from 'vitest';
import { blockEvidence } from '../../src/detect/block-evidence.js';
import type { Observation } from '../../src/detect/block-input.js';
import { PondKind } from '../../src/detect/pond-unmixing.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';

const W = 40;
const H = 40;
type Spec = [number, number, number, number, number]; // blue green red nir swir16 reflectance

const FOREST: Spec = [0.03, 0.057, 0.028, 0.34, 0.19];
const LATERITE: Spec = [0.085, 0.125, 0.205, 0.27, 0.36];
const TURQUOISE: Spec = [0.17, 0.18, 0.11, 0.05, 0.025];
const DARK_PLASTIC: Spec = [0.047, 0.046, 0.045, 0.05, 0.048];

/** A scene: `paint(x, y)` gives each pixel's spectrum; DNs with the given offset, all clear. */
function scene(paint: (x: number, y: number) => Spec, offsetDn = 0, scl = 4): Observation {
  const n = W * H;
  const bands = [0, 1, 2, 3].map(() => new Uint16Array(n));
  const swirSum = new Float64Array((W / 2) * (H / 2));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = paint(x, y);
      for (let b = 0; b < 4; b++) bands[b]![y * W + x] = Math.round((s[b] as number) * 10000) - offsetDn;
      swirSum[(y >> 1) * (W / 2) + (x >> 1)]! += s[4] / 4;
    }
  }
  return {
    blue: bands[0]!,
    green: bands[1]!,
    red: bands[2]!,
    nir: bands[3]!,
    swir16: Uint16Array.from(swirSum, (v) => Math.round(v * 10000) - offsetDn),
    scl: new Uint8Array((W / 2) * (H / 2)).fill(scl),
    offsetDn,
  };
}

const mix = (a: Spec, b: Spec, f: number): Spec =>
  a.map((v, i) => (1 - f) * v + f * (b[i] as number)) as Spec;
const inClearing = (x: number, y: number): boolean => x >= 8 && x < 32 && y >= 8 && y < 32;

describe('blockEvidence', () => {
  it('finds forest that became bare ground, and nothing where forest stayed', () => {
    const before = scene(() => FOREST);
    const after = scene((x, y) => (inClearing(x, y) ? LATERITE : FOREST), -1000);
    const ev = blockEvidence({ width: W, height: H, before: [before], after: [after] }, DEFAULT_PARAMS);
    expect(ev.clearing[20 * W + 20]).toBe(1);
    expect(ev.clearing[2 * W + 2]).toBe(0);
    expect(ev.clearing.reduce((s, v) => s + v, 0)).toBe(24 * 24);
  });

  it('unmixes a pond covering 40 % of one pixel in red soil, and types it turquoise', () => {
    const after = scene((x, y) =>
      x === 20 && y === 20 ? mix(LATERITE, TURQUOISE, 0.4) : inClearing(x, y) ? LATERITE : FOREST,
    );
    const ev = blockEvidence(
      { width: W, height: H, before: [scene(() => FOREST)], after: [after] },
      DEFAULT_PARAMS,
    );
    const f = (ev.pondF[20 * W + 20] as number) / 255;
    expect(f).toBeGreaterThan(0.3);
    expect(f).toBeLessThan(0.5);
    expect(ev.pondKind[20 * W + 20]).toBe(PondKind.Turquoise);
    expect(ev.pondF.reduce((s, v) => s + (v > 0 ? 1 : 0), 0)).toBe(1);
  });

  it('types a black-plastic pond as dark, and refuses charred soil and shaded soil as water', () => {
    const after = scene((x, y) => {
      if (x === 12 && y === 12) return DARK_PLASTIC;
      if (x === 25 && y === 25) return LATERITE.map((v) => v * 0.4) as Spec; // burnt: darker, same shape
      if (x === 15 && y === 25) return LATERITE.map((v, i) => v * [0.4, 0.32, 0.27, 0.2, 0.15][i]!) as Spec; // shadow
      return inClearing(x, y) ? LATERITE : FOREST;
    });
    const ev = blockEvidence(
      { width: W, height: H, before: [scene(() => FOREST)], after: [after] },
      DEFAULT_PARAMS,
    );
    expect(ev.pondKind[12 * W + 12]).toBe(PondKind.Dark);
    expect(ev.pondF[25 * W + 25]).toBe(0);
    expect(ev.pondF[25 * W + 15]).toBe(0);
  });

  it('does not call water new when it was water before', () => {
    const water: Spec = [0.04, 0.045, 0.028, 0.016, 0.009];
    const both = (x: number, y: number): Spec =>
      x === 20 && y === 20 ? water : inClearing(x, y) ? LATERITE : FOREST;
    const ev = blockEvidence(
      { width: W, height: H, before: [scene(both)], after: [scene(both)] },
      DEFAULT_PARAMS,
    );
    expect(ev.pondF[20 * W + 20]).toBe(0);
    expect(ev.clearing[20 * W + 20]).toBe(0);
  });

  it('harmonises offsets: the same ground with and without +1000 DN gives the same evidence', () => {
    const paint = (x: number, y: number): Spec =>
      x === 20 && y === 20 ? mix(LATERITE, TURQUOISE, 0.6) : inClearing(x, y) ? LATERITE : FOREST;
    const a = blockEvidence(
      { width: W, height: H, before: [scene(() => FOREST)], after: [scene(paint, 0)] },
      DEFAULT_PARAMS,
    );
    const b = blockEvidence(
      { width: W, height: H, before: [scene(() => FOREST)], after: [scene(paint, -1000)] },
      DEFAULT_PARAMS,
    );
    expect(Buffer.from(b.pondF)).toEqual(Buffer.from(a.pondF));
    expect(Buffer.from(b.clearing)).toEqual(Buffer.from(a.clearing));
    expect(Buffer.from(b.ndviAfter)).toEqual(Buffer.from(a.ndviAfter));
  });

  it('composites over clear observations only, and restores bright ponds that SCL called cloud', () => {
    const paint = (x: number, y: number): Spec =>
      x === 20 && y === 20 ? TURQUOISE : inClearing(x, y) ? LATERITE : FOREST;
    const clear = scene(paint);
    const flagged = scene(paint, 0, 9); // every pixel flagged high-probability cloud
    const cloud = scene(() => [0.55, 0.55, 0.56, 0.6, 0.4], 0, 9); // a real cloud: bright in NIR and SWIR
    const ev = blockEvidence(
      { width: W, height: H, before: [scene(() => FOREST)], after: [clear, flagged, cloud] },
      DEFAULT_PARAMS,
    );
    // The pond pixel is restored from the flagged look; laterite and forest under the flag are not.
    expect(ev.restored[20 * W + 20]).toBe(1);
    expect(ev.restored[10 * W + 10]).toBe(0);
    expect(ev.clearAfter[20 * W + 20]).toBe(2);
    expect(ev.clearAfter[10 * W + 10]).toBe(1);
    expect(ev.validAfter[10 * W + 10]).toBe(3);
    expect(ev.firstClearAfter[10 * W + 10]).toBe(0);
    expect(ev.pondKind[20 * W + 20]).toBe(PondKind.Turquoise);
  });

  it('gives no evidence where a season has no clear look', () => {
    const ev = blockEvidence(
      { width: W, height: H, before: [scene(() => FOREST, 0, 8)], after: [scene(() => LATERITE)] },
      DEFAULT_PARAMS,
    );
    expect(ev.clearing.reduce((s, v) => s + v, 0)).toBe(0);
    expect(ev.clearBefore[0]).toBe(0);
    expect(ev.ndviBefore[0]).toBe(0);
  });
});
