import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockEvidence, type BlockEvidence } from '../../src/detect/block-evidence.js';
import type { Observation } from '../../src/detect/block-input.js';
import { compactBlockEvidence } from '../../src/detect/compact-block-evidence.js';
import { EvidenceScratch } from '../../src/detect/evidence-scratch.js';
import { needsBlueToRestore } from '../../src/detect/look-status.js';
import { compactEvidence } from '../../src/detect/evidence-plane.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import { WasmEvidenceScratch } from '../../src/detect/wasm-scratch.js';
import { blockKernelsModule } from '../../src/run/block-kernels-module.js';
import { referenceBlockEvidence } from '../helpers/reference-block-evidence.js';

// Reflectances (blue green red nir swir16) of the ground the detector tells apart: forest, bare
// laterite, turquoise and dark water, cloud. Drawing pixels from these (plus noise) reaches the
// clearing and pond branches; uniform noise alone rarely would.
const SPECTRA = [
  [0.03, 0.057, 0.028, 0.34, 0.19],
  [0.085, 0.125, 0.205, 0.27, 0.36],
  [0.17, 0.18, 0.11, 0.05, 0.025],
  [0.047, 0.046, 0.045, 0.05, 0.048],
  [0.5, 0.5, 0.5, 0.55, 0.4],
] as const;
// Mostly clear classes, with cloud (8, 9), shadow, nodata and undefined classes mixed in.
const SCL_CLASSES = [4, 4, 4, 5, 5, 6, 2, 7, 11, 3, 8, 9, 10, 0, 1, 12, 200];

interface LookSpec {
  seed: number;
  offsetDn: number;
}

/** A pseudo-random look from a seed: pixels drawn from SPECTRA with noise, some DNs 0. */
function look(w: number, h: number, spec: LookSpec): Observation {
  let s = spec.seed | 1;
  const rand = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const n = w * h;
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const bands = [0, 1, 2, 3].map(() => new Uint16Array(n));
  const dn = (r: number): number =>
    rand() < 0.01
      ? 0
      : Math.max(0, Math.min(65535, Math.round(r * 10000 + (rand() - 0.5) * 300) - spec.offsetDn));
  for (let i = 0; i < n; i++) {
    const sp = SPECTRA[Math.floor(rand() * SPECTRA.length)]!;
    for (let b = 0; b < 4; b++) bands[b]![i] = dn(sp[b]!);
  }
  const swir16 = new Uint16Array(w2 * h2);
  const scl = new Uint8Array(w2 * h2);
  for (let q = 0; q < w2 * h2; q++) {
    swir16[q] = dn(SPECTRA[Math.floor(rand() * SPECTRA.length)]![4]);
    scl[q] = SCL_CLASSES[Math.floor(rand() * SCL_CLASSES.length)]!;
  }
  const [blue, green, red, nir] = bands as [Uint16Array, Uint16Array, Uint16Array, Uint16Array];
  return { blue, green, red, nir, swir16, scl, offsetDn: spec.offsetDn };
}

const lookSpec = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
  offsetDn: fc.constantFrom(0, -1000),
});

function expectSame(a: BlockEvidence, b: BlockEvidence): void {
  for (const k of Object.keys(b) as (keyof BlockEvidence)[]) expect(a[k], k).toEqual(b[k]);
}

describe('fused blockEvidence', () => {
  it('matches the per-date-plane reference bit for bit, for one look or several per season', () => {
    const scratch = new EvidenceScratch(); // shared across cases, as a worker shares it across blocks
    // The scan workers' scratch: planes in WebAssembly memory and the compiled one-look kernel.
    const wasm = new WasmEvidenceScratch(blockKernelsModule());
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 23 }),
        fc.array(lookSpec, { minLength: 1, maxLength: 4 }),
        fc.array(lookSpec, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        (w, h, before, after, radius) => {
          const input = {
            width: w,
            height: h,
            before: before.map((s) => look(w, h, s)),
            after: after.map((s) => look(w, h, s)),
          };
          const p = { ...DEFAULT_PARAMS, backgroundRadius: radius };
          const reference = referenceBlockEvidence(input, p);
          expectSame(blockEvidence(input, p, scratch), reference);
          // The worker's compact form: same as compacting the reference's dense planes.
          expect(compactBlockEvidence(input, p, scratch)).toEqual(compactEvidence(reference));
          expectSame(blockEvidence(input, p, wasm), reference);
          expect(compactBlockEvidence(input, p, wasm)).toEqual(compactEvidence(reference));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds evidence in these inputs at all, so the comparison above is not of empty planes', () => {
    const input = {
      width: 48,
      height: 48,
      before: [look(48, 48, { seed: 7, offsetDn: 0 })],
      after: [look(48, 48, { seed: 9, offsetDn: -1000 }), look(48, 48, { seed: 11, offsetDn: -1000 })],
    };
    const ev = blockEvidence(input, { ...DEFAULT_PARAMS, backgroundRadius: 3 });
    expect(ev.clearing.some((v) => v === 1)).toBe(true);
    expect(ev.pondF.some((v) => v > 0)).toBe(true);
    expect(ev.restored.some((v) => v > 0)).toBe(true);
    expectSame(ev, referenceBlockEvidence(input, { ...DEFAULT_PARAMS, backgroundRadius: 3 }));
  });

  it('a before look needs no green, and its blue only where needsBlueToRestore says so', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 1, max: 23 }),
        fc.array(lookSpec, { minLength: 1, maxLength: 3 }),
        fc.array(lookSpec, { minLength: 1, maxLength: 3 }),
        (w, h, beforeSpecs, afterSpecs) => {
          const before = beforeSpecs.map((s) => look(w, h, s));
          const after = afterSpecs.map((s) => look(w, h, s));
          const full = blockEvidence({ width: w, height: h, before, after }, DEFAULT_PARAMS);
          // What the worker decodes for a before look: no green, blue only when needed.
          const lean = before.map(({ green: _green, blue, ...rest }) =>
            needsBlueToRestore(rest, w, h) ? { ...rest, blue } : rest,
          );
          expectSame(blockEvidence({ width: w, height: h, before: lean, after }, DEFAULT_PARAMS), full);
          const wasm = new WasmEvidenceScratch(blockKernelsModule());
          expectSame(blockEvidence({ width: w, height: h, before: lean, after }, DEFAULT_PARAMS, wasm), full);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('judges a before look on red, NIR, SWIR and SCL: a zero green or blue there is not "no data"', () => {
    const w = 8;
    const h = 8;
    const drawn = look(w, h, { seed: 3, offsetDn: 0 });
    // No SCL cloud, so blue has nothing to decide (no pixel can be restored as water).
    const before = { ...drawn, scl: drawn.scl.map((c) => (c === 8 || c === 9 ? 4 : c)) };
    const after = look(w, h, { seed: 5, offsetDn: 0 });
    const zeroed = { ...before, blue: new Uint16Array(w * h), green: new Uint16Array(w * h) };
    const a = blockEvidence({ width: w, height: h, before: [before], after: [after] }, DEFAULT_PARAMS);
    const b = blockEvidence({ width: w, height: h, before: [zeroed], after: [after] }, DEFAULT_PARAMS);
    expect(b.clearBefore.some((v) => v > 0)).toBe(true);
    expectSame(b, a);
  });

  it('refuses an after look without its blue or green band', () => {
    const w = 4;
    const h = 4;
    const { green: _green, ...noGreen } = look(w, h, { seed: 1, offsetDn: 0 });
    expect(() =>
      blockEvidence({ width: w, height: h, before: [noGreen], after: [noGreen] }, DEFAULT_PARAMS),
    ).toThrow(/after season: every look needs its blue and green/);
  });

  it('needsBlueToRestore: only SCL cloud over data with NIR below 0.15 needs blue', () => {
    const w = 2;
    const h = 2;
    const red = new Uint16Array(4).fill(500);
    const nir = new Uint16Array(4).fill(3000);
    const scl = new Uint8Array([9]);
    const o = { red, nir, scl, offsetDn: 0 };
    expect(needsBlueToRestore(o, w, h)).toBe(false); // bright cloud
    nir[3] = 1400;
    expect(needsBlueToRestore(o, w, h)).toBe(true); // dark enough to be water
    expect(needsBlueToRestore({ ...o, offsetDn: 1000 }, w, h)).toBe(false); // 0.24 once offset
    scl[0] = 4;
    expect(needsBlueToRestore(o, w, h)).toBe(false); // not flagged cloud
    scl[0] = 8;
    red[3] = 0;
    expect(needsBlueToRestore(o, w, h)).toBe(false); // red has no data there
  });
});
