import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockEvidence,
  compactBlockEvidence,
  EvidenceScratch,
  type BlockEvidence,
  type Observation,
} from '../../src/detect/block-evidence.js';
import { compactEvidence } from '../../src/detect/evidence-plane.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
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
});
