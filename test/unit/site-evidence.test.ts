/**
 * The site rules of src/detect/site-evidence.ts: which clearings' ponds can make a site, and the
 * corroboration each mix of pond kinds and SWIR verdicts earns.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { GeoPond } from '../../src/detect/geo-detections.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import { siteEvidence } from '../../src/detect/site-evidence.js';
import type { SwirVerdict } from '../../src/detect/pond-swir.js';

const clearing = { areaM2: 40_000, ndviBefore: 0.82, clearBefore: 2, clearAfter: 2, obscuredFraction: 0 };

function pond(
  kind: GeoPond['kind'],
  swir: SwirVerdict,
  peaks = 1,
  shape = { elongation: 1, rectangularity: 1 },
): GeoPond {
  return {
    geometry: { type: 'Polygon', coordinates: [] },
    bbox: [0, 0, 0, 0],
    areaM2: 100 * peaks,
    waterM2: 60 * peaks,
    peaks,
    kind,
    maxFraction: 0.8,
    tile: 'MGRS-47RMJ',
    centroid: [98, 26],
    swir,
    swirGreen: NaN,
    swir16: NaN,
    swir22: NaN,
    ...shape,
  };
}

const p = DEFAULT_PARAMS;

describe('siteEvidence: which ponds can make a site', () => {
  it('needs minPondsPerSite pond peaks, unless the one pond is turquoise and SWIR water', () => {
    expect(siteEvidence(clearing, [], p)).toBeUndefined();
    expect(siteEvidence(clearing, [pond('turquoise', 'water')], p)?.corroboration).toBe('strong');
    // Turquoise alone is not enough when SWIR could not judge it, nor a lone dark or turbid pool.
    for (const [kind, swir] of [
      ['turquoise', 'unknown'],
      ['turquoise', 'flat-dark'],
      ['dark', 'water'],
      ['turbid', 'water'],
    ] as const)
      expect(siteEvidence(clearing, [pond(kind, swir)], p), `${kind} ${swir}`).toBeUndefined();
    // One pond blob holding two water-fraction peaks meets the count as two ponds do.
    expect(siteEvidence(clearing, [pond('dark', 'water', 2)], p)?.ponds).toBe(2);
  });
});

describe('siteEvidence: corroboration', () => {
  it('strong for a turquoise pond or a SWIR-water dark one; partial for dug SWIR-flat dark; none for char-like dark', () => {
    expect(
      siteEvidence(clearing, [pond('turquoise', 'unknown'), pond('turbid', 'water')], p)?.corroboration,
    ).toBe('strong');
    expect(siteEvidence(clearing, [pond('dark', 'water'), pond('dark', 'unknown')], p)?.corroboration).toBe(
      'strong',
    );
    expect(
      siteEvidence(clearing, [pond('dark', 'flat-dark'), pond('dark', 'flat-dark')], p)?.corroboration,
    ).toBe('partial');
    // Ragged flat-dark patches (char, a shadow band) are not a dug sheet.
    const ragged = { elongation: 4, rectangularity: 0.5 };
    expect(
      siteEvidence(clearing, [pond('dark', 'flat-dark', 1, ragged), pond('dark', 'flat-dark', 1, ragged)], p)
        ?.corroboration,
    ).toBe('none');
    expect(siteEvidence(clearing, [pond('dark', 'unknown'), pond('dark', 'unknown')], p)?.corroboration).toBe(
      'none',
    );
  });

  it('none when leach kinds are under minLeachShare of the peaks: a stray turquoise pool among fish ponds', () => {
    const fishFarm = [pond('turquoise', 'water'), pond('turbid', 'water'), pond('turbid', 'water')];
    expect(siteEvidence(clearing, fishFarm, p)?.corroboration).toBe('none');
    expect(siteEvidence(clearing, fishFarm.slice(0, 2), p)?.corroboration).toBe('strong');
  });

  it('for any mix: below the share, never corroborated; the colour share stays in 0..1', () => {
    const kinds = fc.constantFrom<GeoPond['kind']>('turquoise', 'dark', 'turbid');
    const verdicts = fc.constantFrom<SwirVerdict>('water', 'flat-dark', 'not-water', 'unknown');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(kinds, verdicts, fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 12 }),
        (spec) => {
          const ponds = spec.map(([k, v, n]) => pond(k, v, n));
          const e = siteEvidence(clearing, ponds, p);
          if (!e) return;
          const peaks = ponds.reduce((s, q) => s + q.peaks, 0);
          const leach = ponds
            .filter(
              (q) =>
                q.kind === 'turquoise' ||
                (q.kind === 'dark' && (q.swir === 'water' || q.swir === 'flat-dark')),
            )
            .reduce((s, q) => s + q.peaks, 0);
          if (leach / peaks < p.minLeachShare) expect(e.corroboration).toBe('none');
          expect(e.turquoiseOrDarkShare).toBeGreaterThanOrEqual(0);
          expect(e.turquoiseOrDarkShare).toBeLessThanOrEqual(1);
          expect(e.ponds).toBe(peaks);
        },
      ),
    );
  });
});
