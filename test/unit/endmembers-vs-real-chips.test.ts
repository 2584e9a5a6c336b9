import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA_REQUIRED } from '../helpers/shared-data.js';
import {
  BANDS,
  WORLD_BANDS,
  CLASS_KIND,
  ENDMEMBERS,
  SURFACE_CLASSES,
  applyCloud,
  applyCloudShadow,
  applyThinCirrus,
  dnToReflectance,
  meanSpectrum,
  mixSpectra,
  mndwi,
  ndvi,
  reflectanceToDn,
  sampleSpectrum,
  type Band,
  type Spectrum,
  type SurfaceClass,
} from '../../src/fixtures/world/endmembers.js';
import {
  L2A_BASELINE_0400,
  L2A_NO_OFFSET,
  REAL_CLASSES,
  classStatistics,
  classifyReflectance,
  formatStatsMarkdown,
  loadRealChip,
  percentileSorted,
  realChipStatistics,
  realChipsAvailability,
  type ChipBands,
  type ChipClassStatistics,
  type ClassStats,
  type DnEncoding,
  type Percentiles,
  type RealChipId,
  type RealClass,
} from '../helpers/real-chips.js';

const PRINT_STATS = process.env.MINEWATCH_PRINT_REAL_STATS === '1';

const NEEDED_CHIPS: RealChipId[] = ['laos', 'punjabJune', 'rkh29', 'congo', 'eurosatSeaLake'];
const availability = realChipsAvailability(NEEDED_CHIPS);
if (!availability.available) {
  console.warn(
    `[endmembers-vs-real-chips] real-chip comparison SKIPPED: ${availability.reason}. ` +
      `Put the shared data at ../shared/data next to the repository to run it${SHARED_DATA_REQUIRED ? ' (MINEWATCH_REQUIRE_SHARED=1: this is a failure)' : ''}.`,
  );
}

/** mulberry32: a tiny seeded PRNG so sampling tests are deterministic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectWithin(value: number, lo: number, hi: number, label: string): void {
  expect(value, `${label}: ${value.toFixed(4)} should be >= ${lo.toFixed(4)}`).toBeGreaterThanOrEqual(lo);
  expect(value, `${label}: ${value.toFixed(4)} should be <= ${hi.toFixed(4)}`).toBeLessThanOrEqual(hi);
}

const m = (cls: SurfaceClass): Spectrum => meanSpectrum(cls);

describe('endmember table: internal consistency', () => {
  it('has every class and every band', () => {
    expect(Object.keys(ENDMEMBERS).sort()).toEqual([...SURFACE_CLASSES].sort());
    expect(Object.keys(CLASS_KIND).sort()).toEqual([...SURFACE_CLASSES].sort());
    for (const cls of SURFACE_CLASSES)
      expect(Object.keys(ENDMEMBERS[cls]).sort()).toEqual([...WORLD_BANDS].sort());
  });

  it.each(SURFACE_CLASSES)('%s: 0 <= min < mean < max <= 1 and 0 < sd <= max - min', (cls) => {
    for (const b of BANDS) {
      const r = ENDMEMBERS[cls][b];
      const label = `${cls}.${b}`;
      expect(r.min, label).toBeGreaterThanOrEqual(0);
      expect(r.max, label).toBeLessThanOrEqual(1);
      expect(r.min, label).toBeLessThan(r.mean);
      expect(r.mean, label).toBeLessThan(r.max);
      expect(r.sd, label).toBeGreaterThan(0);
      expect(r.sd, label).toBeLessThanOrEqual(r.max - r.min);
    }
  });

  it('vegetation: evergreen forest NDVI > 0.6, and above degraded forest, which is above cropland', () => {
    expect(ndvi(m('evergreenForest'))).toBeGreaterThan(0.6);
    expect(ndvi(m('degradedForest'))).toBeGreaterThan(0.4);
    expect(ndvi(m('degradedForest'))).toBeLessThan(ndvi(m('evergreenForest')));
    expect(ndvi(m('croplandGreen'))).toBeGreaterThan(0.6);
    expect(ndvi(m('cropland'))).toBeGreaterThan(0.2);
    expect(ndvi(m('cropland'))).toBeLessThan(0.4);
    // vegetation: green peak above red, NIR plateau far above red
    for (const cls of ['evergreenForest', 'degradedForest', 'croplandGreen'] as const) {
      expect(m(cls).green, cls).toBeGreaterThan(m(cls).red);
      expect(m(cls).nir, cls).toBeGreaterThan(4 * m(cls).red);
    }
  });

  it('water: MNDWI > 0 and NDVI < 0; turbid brighter than clear in the visible', () => {
    for (const cls of ['clearWater', 'turbidWater', 'leachPondTurquoise'] as const) {
      expect(mndwi(m(cls)), cls).toBeGreaterThan(0);
      expect(ndvi(m(cls)), cls).toBeLessThan(0);
      expect(ENDMEMBERS[cls].swir16.max, cls).toBeLessThan(0.1);
    }
    for (const b of ['blue', 'green', 'red'] as const) {
      expect(m('turbidWater')[b], b).toBeGreaterThan(m('clearWater')[b]);
    }
  });

  it('turquoise leach pond: blue, green > red; nir, swir16 < 0.1 (whole range); bluer than turbid water', () => {
    const p = m('leachPondTurquoise');
    expect(p.blue).toBeGreaterThan(p.red);
    expect(p.green).toBeGreaterThan(p.red);
    expect(ENDMEMBERS.leachPondTurquoise.nir.max).toBeLessThan(0.1);
    expect(ENDMEMBERS.leachPondTurquoise.swir16.max).toBeLessThan(0.1);
    expect(p.nir).toBeLessThan(p.red);
    expect(p.swir16).toBeLessThan(p.nir);
    expect(p.blue / p.red).toBeGreaterThan(1.3);
    expect(m('turbidWater').blue / m('turbidWater').red).toBeLessThan(1);
    // brighter in blue/green than any natural water endmember
    expect(p.blue).toBeGreaterThan(m('turbidWater').blue);
    expect(p.green).toBeGreaterThan(m('turbidWater').green);
  });

  it('dark plastic pond: low, flat spectrum, SWIR well above water', () => {
    const p = m('leachPondDarkPlastic');
    const vals = BANDS.map((b) => p[b]);
    expect(Math.max(...vals)).toBeLessThan(0.1);
    expect(Math.max(...vals) / Math.min(...vals)).toBeLessThan(1.25);
    expect(p.swir16).toBeGreaterThan(2 * m('clearWater').swir16);
    expect(p.swir16).toBeGreaterThan(2 * m('turbidWater').swir16);
    expect(mndwi(p)).toBeLessThan(0.3);
  });

  it('soils: laterite red > green > blue, swir16 > nir, NDVI < 0.2; landslide scar brighter in blue, less red', () => {
    const lat = m('bareLateriticSoil');
    expect(lat.red).toBeGreaterThan(lat.green);
    expect(lat.green).toBeGreaterThan(lat.blue);
    expect(lat.swir16).toBeGreaterThan(lat.nir);
    expect(ndvi(lat)).toBeLessThan(0.2);
    const scar = m('landslideScar');
    expect(ndvi(scar)).toBeLessThan(0.2);
    expect(scar.blue).toBeGreaterThan(lat.blue);
    expect(scar.red / scar.green).toBeLessThan(lat.red / lat.green);
    expect(ndvi(m('road'))).toBeLessThan(0.2);
    expect(lat.red / lat.green).toBeGreaterThan(1.4);
  });

  it('clouds and shadows: kinds, cloud bright, cirrus small, shadow factor falls with wavelength', () => {
    expect(CLASS_KIND.thinCirrus).toBe('additive');
    expect(CLASS_KIND.cloudShadow).toBe('multiplicative');
    expect(CLASS_KIND.cloud).toBe('surface');
    const c = m('cloud');
    for (const b of BANDS) expect(c[b], b).toBeGreaterThan(0.3);
    expect(c.swir16).toBeLessThan(c.nir);
    for (const b of BANDS) expect(m('thinCirrus')[b], b).toBeLessThan(0.1);
    const s = m('cloudShadow');
    expect(s.blue).toBeGreaterThan(s.green);
    expect(s.green).toBeGreaterThan(s.red);
    expect(s.red).toBeGreaterThan(s.nir);
    expect(s.nir).toBeGreaterThan(s.swir16);
    for (const b of BANDS) expect(ENDMEMBERS.cloudShadow[b].max, b).toBeLessThan(1);
  });

  it('the class means fall in their class under the real-chip rules (test/helpers/real-chips.ts)', () => {
    const expected: Partial<Record<SurfaceClass, RealClass | null>> = {
      evergreenForest: 'forest',
      clearWater: 'water',
      turbidWater: 'water',
      leachPondTurquoise: 'water',
      bareLateriticSoil: 'bare',
      road: 'bare',
      landslideScar: 'bare',
      leachPondDarkPlastic: null,
      degradedForest: null,
    };
    for (const [cls, want] of Object.entries(expected) as [SurfaceClass, RealClass | null][]) {
      const s = m(cls);
      expect(classifyReflectance(s.blue, s.green, s.red, s.nir, s.swir16), cls).toBe(want);
    }
  });
});

describe('endmember helpers', () => {
  it('sampleSpectrum is deterministic, stays in [min, max] and centres on the mean', () => {
    const a = sampleSpectrum('evergreenForest', mulberry32(7));
    const b = sampleSpectrum('evergreenForest', mulberry32(7));
    expect(a).toEqual(b);
    for (const cls of SURFACE_CLASSES) {
      const rng = mulberry32(42);
      const sum: Record<Band, number> = { blue: 0, green: 0, red: 0, nir: 0, swir16: 0 };
      const lo: Record<Band, number> = { blue: 1, green: 1, red: 1, nir: 1, swir16: 1 };
      const hi: Record<Band, number> = { blue: 0, green: 0, red: 0, nir: 0, swir16: 0 };
      const n = 4000;
      for (let i = 0; i < n; i++) {
        const s = sampleSpectrum(cls, rng);
        for (const band of BANDS) {
          sum[band] += s[band];
          lo[band] = Math.min(lo[band], s[band]);
          hi[band] = Math.max(hi[band], s[band]);
        }
      }
      for (const band of BANDS) {
        const r = ENDMEMBERS[cls][band];
        expect(lo[band], `${cls}.${band} min`).toBeGreaterThanOrEqual(r.min);
        expect(hi[band], `${cls}.${band} max`).toBeLessThanOrEqual(r.max);
        expect(Math.abs(sum[band] / n - r.mean), `${cls}.${band}`).toBeLessThan(0.25 * r.sd);
      }
    }
  });

  it('DN encoding round-trips with and without the baseline-04.00 offset', () => {
    expect(reflectanceToDn(0.0345, -1000)).toBe(1345);
    expect(reflectanceToDn(0.0345, 0)).toBe(345);
    expect(dnToReflectance(1345, -1000)).toBeCloseTo(0.0345, 10);
    expect(reflectanceToDn(0, 0)).toBe(1); // DN 0 is nodata
    expect(reflectanceToDn(2, 0)).toBe(20000);
  });

  it('mix, cirrus, shadow and cloud operators', () => {
    const f = m('evergreenForest');
    const w = m('clearWater');
    const half = mixSpectra([
      { spectrum: f, weight: 1 },
      { spectrum: w, weight: 1 },
    ]);
    expect(half.nir).toBeCloseTo((f.nir + w.nir) / 2, 12);
    expect(() => mixSpectra([])).toThrow(RangeError);
    expect(applyThinCirrus(f, m('thinCirrus')).blue).toBeCloseTo(f.blue + m('thinCirrus').blue, 12);
    expect(applyCloudShadow(f, m('cloudShadow')).nir).toBeCloseTo(f.nir * m('cloudShadow').nir, 12);
    expect(applyCloud(f, m('cloud'), 1)).toEqual(m('cloud'));
    expect(applyCloud(f, m('cloud'), 0)).toEqual(f);
  });
});

describe('real-chips helper on synthetic arrays (no shared data needed)', () => {
  /** A 4x4 chip (swir16 2x2) of four 2x2 blocks: forest, clear water, laterite, dark plastic. */
  function blockChip(encoding: DnEncoding): ChipBands {
    const blocks: SurfaceClass[] = [
      'evergreenForest',
      'clearWater',
      'bareLateriticSoil',
      'leachPondDarkPlastic',
    ];
    const make = (w: number, h: number, band: Band): ChipBands[Band] => {
      const data = new Uint16Array(w * h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const block = (y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1);
          const s = m(blocks[block] ?? 'cloud');
          data[y * w + x] = reflectanceToDn(s[band], encoding.boaAddOffset, encoding.quantification);
        }
      }
      return { data, width: w, height: h };
    };
    return {
      blue: make(4, 4, 'blue'),
      green: make(4, 4, 'green'),
      red: make(4, 4, 'red'),
      nir: make(4, 4, 'nir'),
      swir16: make(2, 2, 'swir16'),
    };
  }

  it('recovers the endmember means, with or without the +1000 offset', () => {
    for (const enc of [L2A_NO_OFFSET, L2A_BASELINE_0400]) {
      const st = classStatistics(blockChip(enc), enc);
      expect(st.validPixels).toBe(16);
      expect(st.classes.forest.count).toBe(4);
      expect(st.classes.water.count).toBe(4);
      expect(st.classes.bare.count).toBe(4);
      const want: Record<RealClass, SurfaceClass> = {
        forest: 'evergreenForest',
        water: 'clearWater',
        bare: 'bareLateriticSoil',
      };
      for (const cls of REAL_CLASSES) {
        for (const b of BANDS) {
          expect(st.classes[cls].bands?.[b].p50, `${cls}.${b}`).toBeCloseTo(m(want[cls])[b], 4);
        }
      }
    }
  });

  it('skips nodata pixels and reads offset DN wrongly if told there is no offset', () => {
    const chip = blockChip(L2A_BASELINE_0400);
    (chip.nir.data as Uint16Array)[0] = 0;
    const st = classStatistics(chip, L2A_BASELINE_0400);
    expect(st.validPixels).toBe(15);
    const wrong = classStatistics(blockChip(L2A_BASELINE_0400), L2A_NO_OFFSET);
    expect(wrong.classes.water.count).toBe(0); // +1000 offset flattens every index
  });

  it('percentileSorted matches numpy linear interpolation', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentileSorted(a, 10)).toBeCloseTo(1.9, 12);
    expect(percentileSorted(a, 50)).toBeCloseTo(5.5, 12);
    expect(percentileSorted(a, 90)).toBeCloseTo(9.1, 12);
    expect(percentileSorted(new Float64Array(0), 50)).toBeNaN();
  });

  it('reports available: false with a reason when the data root is missing', async () => {
    const missing = '/nonexistent/minewatch/shared/data';
    const a = realChipsAvailability(['laos'], missing);
    expect(a.available).toBe(false);
    if (!a.available) expect(a.reason).toContain(missing);
    const r = await realChipStatistics('laos', missing);
    expect(r.available).toBe(false);
    const l = await loadRealChip('laos', missing);
    expect(l.available).toBe(false);
  });
});

describe('shared real-chip data', () => {
  it.skipIf(!SHARED_DATA_REQUIRED)('is present when required (a missing ../shared/data fails CI)', () => {
    expect(availability.available, availability.available ? '' : availability.reason).toBe(true);
  });
});

describe.skipIf(!availability.available)('endmembers vs real Sentinel-2 chips', () => {
  const stats = {} as Record<
    'laos' | 'punjabJune' | 'rkh29' | 'congo' | 'eurosatSeaLake',
    ChipClassStatistics
  >;
  let congoRawNdviMedian = Number.NaN;

  beforeAll(async () => {
    const ids = ['laos', 'punjabJune', 'rkh29', 'congo', 'eurosatSeaLake'] as const;
    const results = await Promise.all(ids.map((id) => realChipStatistics(id)));
    ids.forEach((id, i) => {
      const r = results[i];
      if (!r?.available)
        throw new Error(`chip ${id} unavailable: ${r?.available === false ? r.reason : '?'}`);
      stats[id] = r.stats;
      if (PRINT_STATS) console.log(formatStatsMarkdown(`${id} (${r.spec.note})`, r.stats) + '\n');
    });
    const congo = await loadRealChip('congo');
    if (!congo.available) throw new Error(congo.reason);
    congoRawNdviMedian = classStatistics(congo.chip.bands, { ...L2A_NO_OFFSET }).ndviAll?.p50 ?? Number.NaN;
  });

  const cls = (chip: keyof typeof stats, c: RealClass): ClassStats => stats[chip].classes[c];
  const req = (p: Percentiles | null | undefined, what: string): Percentiles => {
    if (p === null || p === undefined) throw new Error(`no ${what} statistics`);
    return p;
  };

  it('the helper reproduces the facts stated in SOURCE.md (offsets, class make-up)', () => {
    // Laos: "NDVI median 0.50" with DN used as-is (no offset).
    expect(req(stats.laos.ndviAll, 'laos NDVI').p50).toBeCloseTo(0.5, 1);
    // Congo baseline 04.00: "Raw NDVI median 0.159; with the offset removed it is 0.235".
    expect(req(stats.congo.ndviAll, 'congo NDVI').p50).toBeCloseTo(0.235, 2);
    expect(congoRawNdviMedian).toBeCloseTo(0.159, 2);
    // 29RKH: "Bare soil: SCL is 99% class 5".
    expect(cls('rkh29', 'bare').fraction).toBeGreaterThan(0.95);
    // EuroSAT SeaLake (13-band L1C file, read by sample index): open water under the water rule.
    expect(cls('eurosatSeaLake', 'water').fraction).toBeGreaterThan(0.95);
    // Enough pixels in every class we compare against.
    expect(cls('laos', 'forest').count).toBeGreaterThan(10_000);
    expect(cls('laos', 'water').count).toBeGreaterThan(5_000);
    expect(cls('laos', 'bare').count).toBeGreaterThan(10_000);
    expect(cls('punjabJune', 'bare').count).toBeGreaterThan(2_000);
  });

  const CASES: { endmember: SurfaceClass; chip: keyof typeof stats; real: RealClass }[] = [
    { endmember: 'evergreenForest', chip: 'laos', real: 'forest' },
    { endmember: 'clearWater', chip: 'laos', real: 'water' },
    { endmember: 'turbidWater', chip: 'laos', real: 'water' },
    { endmember: 'bareLateriticSoil', chip: 'laos', real: 'bare' },
    { endmember: 'road', chip: 'laos', real: 'bare' },
    { endmember: 'landslideScar', chip: 'punjabJune', real: 'bare' },
  ];

  it.each(CASES)('$endmember mean lies in the real $chip $real [p10, p90] in every band', (c) => {
    const real = cls(c.chip, c.real);
    const bands = real.bands;
    if (bands === null) throw new Error(`${c.chip} has no ${c.real} pixels`);
    const s = m(c.endmember);
    for (const b of BANDS)
      expectWithin(s[b], bands[b].p10, bands[b].p90, `${c.endmember}.${b} vs ${c.chip} ${c.real}`);
  });

  it.each(CASES)('$endmember NDVI and MNDWI of the mean lie in the real $chip $real [p10, p90]', (c) => {
    const real = cls(c.chip, c.real);
    const s = m(c.endmember);
    const nd = req(real.ndvi, 'NDVI');
    const mw = req(real.mndwi, 'MNDWI');
    expectWithin(ndvi(s), nd.p10, nd.p90, `${c.endmember} NDVI vs ${c.chip} ${c.real}`);
    expectWithin(mndwi(s), mw.p10, mw.p90, `${c.endmember} MNDWI vs ${c.chip} ${c.real}`);
  });

  it('the endmember sd is not wildly narrower or wider than the real spread (forest, laterite)', () => {
    // p10..p90 of a normal spans 2.56 sd. Allow the endmember to be 4x narrower (one cover type
    // vs a whole chip class) but never wider than the real class. Water is left out: the Laos
    // water class is two populations (clear and very turbid) that clearWater and turbidWater
    // split between them, so its p10..p90 is far wider than either.
    const pairs: [SurfaceClass, keyof typeof stats, RealClass][] = [
      ['evergreenForest', 'laos', 'forest'],
      ['bareLateriticSoil', 'laos', 'bare'],
    ];
    for (const [em, chip, rc] of pairs) {
      const bands = cls(chip, rc).bands;
      if (bands === null) throw new Error(`${chip} has no ${rc}`);
      for (const b of BANDS) {
        const realSpread = bands[b].p90 - bands[b].p10;
        const modelSpread = 2.563 * ENDMEMBERS[em][b].sd;
        expect(modelSpread, `${em}.${b}`).toBeLessThanOrEqual(realSpread);
        expect(modelSpread, `${em}.${b}`).toBeGreaterThanOrEqual(realSpread / 4);
      }
    }
  });
});
