import path from 'node:path';
import { fromFile } from 'geotiff';
import { describe, expect, it } from 'vitest';
import {
  decideOffset,
  declaredOffsetDn,
  MIN_VALID_PIXELS,
  parseBaseline,
} from '../../src/catalog/offset-decision.js';
import { darkDnEvidence } from '../../src/catalog/offset-evidence.js';
import { SHARED_DATA_REQUIRED, sharedData, warnSkipped } from '../helpers/shared-data.js';

const CONGO_DATA = sharedData('s2-l2a-majortom-congo-33NZA-baseline0400/B08.tif');
const CONGO = path.dirname(CONGO_DATA.path);
warnSkipped('the Congo chip offset check', CONGO_DATA);

interface Facts {
  datetime: Date;
  processingBaseline: string | undefined;
  assets: { nir?: { scale?: number; offset?: number }; swir16?: { scale?: number; offset?: number } };
}

function facts(date: string, baseline: string | undefined, nir?: { scale?: number; offset?: number }): Facts {
  return { datetime: new Date(date), processingBaseline: baseline, assets: nir ? { nir } : {} };
}

const DECLARES_OFFSET = { scale: 0.0001, offset: -0.1 };
const DECLARES_NONE = { scale: 0.0001, offset: 0 };
const DARK = { darkDnP01: 240, validPixels: 200_000 }; // clear water with no offset
const LIFTED = { darkDnP01: 1240, validPixels: 200_000 }; // the same water with the +1000 offset

describe('parseBaseline', () => {
  it('reads NN.NN and nothing else', () => {
    expect(parseBaseline('02.14')).toBe(214);
    expect(parseBaseline('04.00')).toBe(400);
    expect(parseBaseline('05.10')).toBe(510);
    expect(parseBaseline('N0400')).toBeUndefined();
    expect(parseBaseline(undefined)).toBeUndefined();
  });
});

describe('declaredOffsetDn', () => {
  it('takes raster:bands first: offset -0.1 with scale 0.0001 is -1000 DN, 0 is 0', () => {
    expect(declaredOffsetDn(facts('2020-12-28T04:00:00Z', '02.14', DECLARES_OFFSET), 'nir')).toMatchObject({
      offsetDn: -1000,
      source: 'raster:bands',
    });
    expect(declaredOffsetDn(facts('2024-01-23T04:00:00Z', '05.10', DECLARES_NONE), 'nir')).toMatchObject({
      offsetDn: 0,
      source: 'raster:bands',
    });
    // A scale alone means offset 0 (the raster extension's default).
    expect(declaredOffsetDn(facts('2024-01-23T04:00:00Z', '05.10', { scale: 0.0001 }), 'nir').offsetDn).toBe(
      0,
    );
  });

  it.each([
    ['02.14', 0],
    ['03.01', 0],
    ['04.00', -1000],
    ['05.09', -1000],
    ['05.10', -1000],
  ] as const)('without raster:bands, baseline %s declares %i', (baseline, dn) => {
    // The date points the other way each time, so only the baseline can give this answer.
    const date = dn === 0 ? '2023-06-01T00:00:00Z' : '2021-06-01T00:00:00Z';
    const d = declaredOffsetDn(facts(date, baseline), 'nir');
    expect(d).toMatchObject({ offsetDn: dn, source: 'processing_baseline' });
    expect(d.reason).toContain(baseline);
  });

  it('without raster:bands or a baseline, the date decides (from 2022-01-25)', () => {
    expect(declaredOffsetDn(facts('2022-01-24T23:59:59Z', undefined), 'nir')).toMatchObject({
      offsetDn: 0,
      source: 'date',
    });
    expect(declaredOffsetDn(facts('2022-01-25T00:00:00Z', undefined), 'nir')).toMatchObject({
      offsetDn: -1000,
      source: 'date',
    });
    const d = declaredOffsetDn(facts('2023-01-01T00:00:00Z', 'unknown'), 'nir');
    expect(d).toMatchObject({ offsetDn: -1000, source: 'date' });
    expect(d.reason).toMatch(/"unknown" unreadable/);
  });

  it('ignores raster:bands it cannot interpret, and says so', () => {
    const odd = declaredOffsetDn(
      facts('2023-01-01T00:00:00Z', '05.09', { scale: 0.0001, offset: -0.2 }),
      'nir',
    );
    expect(odd).toMatchObject({ offsetDn: -1000, source: 'processing_baseline' });
    expect(odd.reason).toMatch(/-2000 DN, neither 0 nor -1000: ignored/);
    const unscaled = declaredOffsetDn(facts('2021-01-01T00:00:00Z', '02.14', { scale: 1, offset: 0 }), 'nir');
    expect(unscaled).toMatchObject({ offsetDn: 0, source: 'processing_baseline' });
    expect(unscaled.reason).toMatch(/scale 1 .* ignored/);
  });

  it('reads the band asked for', () => {
    const f: Facts = {
      datetime: new Date('2024-01-01T00:00:00Z'),
      processingBaseline: '05.10',
      assets: { nir: DECLARES_NONE, swir16: DECLARES_OFFSET },
    };
    expect(declaredOffsetDn(f, 'nir').offsetDn).toBe(0);
    expect(declaredOffsetDn(f, 'swir16').offsetDn).toBe(-1000);
  });
});

describe('decideOffset', () => {
  it('agrees when pixels match the declaration, both ways', () => {
    const old = decideOffset(facts('2021-02-07T04:00:00Z', '02.14', DECLARES_NONE), DARK);
    expect(old).toMatchObject({
      offsetDn: 0,
      declared: 0,
      source: 'raster:bands',
      agreed: true,
      pixels: 'no-offset',
    });
    const recent = decideOffset(facts('2024-02-02T04:00:00Z', '05.10', DECLARES_OFFSET), LIFTED);
    expect(recent).toMatchObject({
      offsetDn: -1000,
      declared: -1000,
      agreed: true,
      pixels: 'offset-or-bright',
    });
    expect(recent.reason).toMatch(/^pixels agree/);
  });

  it('pixels win over a declared offset the DNs cannot carry (Earth Search #71)', () => {
    const d = decideOffset(facts('2025-08-08T04:00:00Z', '05.11', DECLARES_OFFSET), DARK);
    expect(d).toMatchObject({ offsetDn: 0, declared: -1000, source: 'raster:bands', agreed: false });
    expect(d.reason).toMatch(/pixels override .*below 900, impossible with the \+1000 BOA offset; using 0/);
  });

  it('pixels win over a missing offset on a baseline >= 04.00 product (Earth Search #66)', () => {
    const d = decideOffset(facts('2024-01-23T04:00:00Z', '05.10', DECLARES_NONE), LIFTED);
    expect(d).toMatchObject({ offsetDn: -1000, declared: 0, source: 'raster:bands', agreed: false });
    expect(d.reason).toMatch(/pixels override .*baseline 05.10 allows the offset; using -1000/);
  });

  it('does not add an offset to a bright scene from a baseline that predates it', () => {
    for (const baseline of ['02.14', '03.01']) {
      const d = decideOffset(facts('2021-12-01T04:00:00Z', baseline, DECLARES_NONE), LIFTED);
      expect(d).toMatchObject({ offsetDn: 0, declared: 0, agreed: true, pixels: 'offset-or-bright' });
      expect(d.reason).toMatch(/predates BOA_ADD_OFFSET: a bright scene/);
    }
    // With no baseline the date rules: before 2022-01-25 the offset cannot be there either.
    expect(decideOffset(facts('2021-12-01T04:00:00Z', undefined), LIFTED).offsetDn).toBe(0);
    expect(decideOffset(facts('2022-03-01T04:00:00Z', undefined, DECLARES_NONE), LIFTED).offsetDn).toBe(
      -1000,
    );
  });

  it('keeps the declaration with too few valid pixels, and says so', () => {
    for (const declared of [DECLARES_NONE, DECLARES_OFFSET]) {
      const d = decideOffset(facts('2024-01-23T04:00:00Z', '05.10', declared), {
        darkDnP01: declared === DECLARES_NONE ? 1240 : 240,
        validPixels: MIN_VALID_PIXELS - 1,
      });
      expect(d.offsetDn).toBe(d.declared);
      expect(d).toMatchObject({ agreed: true, pixels: 'too-few-pixels' });
      expect(d.reason).toMatch(/^only 999 valid pixels .*no pixel check: keeping declared/);
    }
    expect(
      decideOffset(facts('2024-01-23T04:00:00Z', '05.10'), { darkDnP01: NaN, validPixels: 0 }).pixels,
    ).toBe('too-few-pixels');
  });

  it('keeps the declaration when the dark percentile is between 900 and 1000', () => {
    const d = decideOffset(facts('2024-01-23T04:00:00Z', '05.10', DECLARES_NONE), {
      darkDnP01: 950,
      validPixels: 5000,
    });
    expect(d).toMatchObject({ offsetDn: 0, agreed: true, pixels: 'inconclusive' });
  });

  it('falls back to the baseline when raster:bands are missing', () => {
    const d = decideOffset(facts('2024-01-23T04:00:00Z', '05.10'), LIFTED);
    expect(d).toMatchObject({
      offsetDn: -1000,
      declared: -1000,
      source: 'processing_baseline',
      agreed: true,
    });
  });
});

describe('darkDnEvidence', () => {
  it('takes the 1st percentile of valid, clear DNs', () => {
    const dn = new Uint16Array(1000);
    for (let i = 0; i < dn.length; i++) dn[i] = 1000 + i; // 1000..1999
    dn[0] = 0; // nodata
    dn[1] = 5; // masked out below
    const e = darkDnEvidence(dn, (i) => i !== 1);
    expect(e.validPixels).toBe(998);
    // sorted valid values start at 1002; floor(0.01 * 997) = 9 -> 1011
    expect(e.darkDnP01).toBe(1011);
    expect(darkDnEvidence(new Uint16Array(10))).toEqual({ darkDnP01: NaN, validPixels: 0 });
  });
});

describe.skipIf(!CONGO_DATA.available)('real baseline 04.00 chip (Congo, 33NZA, 2022-07-06)', () => {
  it('decideOffset finds -1000 from its NIR pixels, even when the item declares no offset', async () => {
    const tiff = await fromFile(path.join(CONGO, 'B08.tif'));
    let dn: Uint16Array;
    try {
      const image = await tiff.getImage();
      dn = (await image.readRasters({ samples: [0], interleave: true })) as unknown as Uint16Array;
    } finally {
      await tiff.close();
    }
    const evidence = darkDnEvidence(dn);
    expect(evidence.validPixels).toBeGreaterThan(1_000_000);
    expect(evidence.darkDnP01).toBeGreaterThanOrEqual(1000);
    const when = '2022-07-06T08:56:11Z';
    const misdeclared = decideOffset(facts(when, '04.00', DECLARES_NONE), evidence);
    expect(misdeclared).toMatchObject({
      offsetDn: -1000,
      declared: 0,
      agreed: false,
      pixels: 'offset-or-bright',
    });
    const plain = decideOffset(facts(when, '04.00'), evidence);
    expect(plain).toMatchObject({ offsetDn: -1000, declared: -1000, agreed: true });
  });
});

it.skipIf(!SHARED_DATA_REQUIRED)('has the Congo chip when the shared data is required', () => {
  expect(CONGO_DATA.available, CONGO_DATA.reason).toBe(true);
});
