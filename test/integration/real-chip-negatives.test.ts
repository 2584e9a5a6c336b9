/**
 * Real Sentinel-2 scenes that hold no rare-earth mine must give no candidate, through the same
 * kernels and products a scan runs (blockEvidence -> detectTile -> buildProducts), on the real
 * DNs of ../shared/data. None of this is trivially empty: before == after would find nothing for
 * free, so each case makes the detector look hard.
 *  - Punjab, the real pair of dates both ways. June is post-harvest fallow, August monsoon crops
 *    (NDVI > 0.7, "forest" to the detector), so August -> June is real vegetation turned to bare
 *    ground with irrigation water about: the harvest, not a mine.
 *  - Laos (dry season, hills, the Mekong) and Congo (baseline 04.00, +1000 DN offset, hazy):
 *    the real scene as the after season against a before in which every pixel was forest (a
 *    closed-canopy spectrum), so every real non-forest pixel counts as new clearing and the
 *    pond and site tests must reject the real water, shadow, soil, roads and fields they see.
 * Each stress case also asserts that the pond stage was fed (cleared pixels, pond pixels
 * examined), so it cannot pass by seeing nothing. Three of them are known false positives today
 * (see below), pinned with `it.fails`. The chips carry no SCL: every 20 m cell is SCL 4 (vegetation,
 * i.e. clear), and the detector's own radiometry decides. B12 is not read (the detector judges
 * ponds on B11 alone then, as for items without swir22).
 */
import { describe, expect, it } from 'vitest';
import { blockEvidence, type BlockEvidence } from '../../src/detect/block-evidence.js';
import type { Observation } from '../../src/detect/block-input.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import type { Products } from '../../src/detect/product-properties.js';
import {
  loadRealChip,
  realChipsAvailability,
  type LoadedChip,
  type RealChipId,
} from '../helpers/real-chips.js';
import { SHARED_DATA_REQUIRED } from '../helpers/shared-data.js';
import { productsOfBlock } from '../helpers/block-products.js';

const CHIPS: RealChipId[] = ['punjabJune', 'punjabAugust', 'laos', 'congo'];
const availability = realChipsAvailability(CHIPS);
if (!availability.available) console.warn(`skipping the real-chip negatives: ${availability.reason}`);

async function chip(id: RealChipId): Promise<LoadedChip> {
  const loaded = await loadRealChip(id);
  if (!loaded.available) throw new Error(`real chip ${id}: ${loaded.reason}`);
  return loaded.chip;
}

/** The detector's view of a chip: 10 m bands, B11 on the 20 m grid, every cell clear. */
function observation(c: LoadedChip): { look: Observation; width: number; height: number } {
  const { blue, green, red, nir, swir16 } = c.bands;
  const width = red.width;
  const height = red.height;
  const w20 = (width + 1) >> 1;
  const h20 = (height + 1) >> 1;
  if (swir16.width !== w20 || swir16.height !== h20)
    throw new Error(`${c.spec.id}: B11 is ${swir16.width}x${swir16.height}, not ${w20}x${h20}`);
  const u16 = (a: ArrayLike<number>): Uint16Array => Uint16Array.from(a);
  return {
    width,
    height,
    look: {
      blue: u16(blue.data),
      green: u16(green.data),
      red: u16(red.data),
      nir: u16(nir.data),
      swir16: u16(swir16.data),
      scl: new Uint8Array(w20 * h20).fill(4),
      offsetDn: c.spec.encoding.boaAddOffset,
    },
  };
}

/**
 * A before in which every pixel was closed-canopy tropical forest (reflectance of
 * docs/reflectance.md's forest: blue 0.03, green 0.057, red 0.028, NIR 0.34, B11 0.19), in the
 * chip's own DN encoding: nothing had been cleared yet.
 */
function allForest(look: Observation, width: number, height: number): Observation {
  const dn = (reflectance: number): number => Math.round(reflectance * 10000) - look.offsetDn;
  const plane = (reflectance: number, n: number): Uint16Array => new Uint16Array(n).fill(dn(reflectance));
  const n10 = width * height;
  return {
    blue: plane(0.03, n10),
    green: plane(0.057, n10),
    red: plane(0.028, n10),
    nir: plane(0.34, n10),
    swir16: plane(0.19, look.swir16.length),
    scl: look.scl.slice(),
    offsetDn: look.offsetDn,
  };
}

/** Runs `f` once, on first use (a case's detection feeds two tests). */
function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

interface Seen {
  products: Products;
  clearedPixels: number;
  pondPixels: number;
}

function detect(before: Observation, after: Observation, width: number, height: number): Seen {
  // Two looks a season, as the scan composites them (the same scene twice: a real second date
  // is what Punjab's case is for).
  const ev: BlockEvidence = blockEvidence(
    { width, height, before: [before, before], after: [after, after] },
    DEFAULT_PARAMS,
  );
  const products = productsOfBlock(ev);
  const count = (a: Uint8Array): number => a.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
  return { products, clearedPixels: count(ev.clearing), pondPixels: count(ev.pondF) };
}

function describeSeen(s: Seen): string {
  const c = s.products.candidates.map((f) => {
    const p = f.properties;
    return `${p.id} confidence ${p.confidence} ponds ${p.pond_count} (turquoise ${p.turquoise_ponds}, dark ${p.dark_ponds})`;
  });
  return `${s.clearedPixels} cleared px, ${s.pondPixels} pond px, ${s.products.clearings.length} clearings, ${s.products.ponds.length} ponds; candidates: ${c.join('; ') || 'none'}`;
}

describe.skipIf(!availability.available && !SHARED_DATA_REQUIRED)('real scenes without mines', () => {
  it('Punjab, June -> August (fallow to monsoon crops, irrigation water): no candidate', async () => {
    const june = observation(await chip('punjabJune'));
    const august = observation(await chip('punjabAugust'));
    const grown = detect(june.look, august.look, june.width, june.height);
    expect(grown.products.candidates, describeSeen(grown)).toHaveLength(0);
  });

  // KNOWN FALSE POSITIVES (issue 13), kept running so that the day they stop, this file says so
  // (an `it.fails` whose body passes fails the suite): water in ground that was vegetation
  // before is what a leach-pond site looks like to the detector, and nothing yet tells it from
  // flooded paddies, fish ponds and irrigated harvest. Measured on this commit (the parent's
  // figures in brackets):
  //  - Punjab August -> June: 6,735 cleared px, 62 ponds, 2 candidates (0.53 and 0.83, 2 and 4
  //    ponds, 1 and 2 turquoise) [1 candidate, 0.62];
  //  - Laos after an all-forest before: 440,190 cleared px, 1,682 ponds, 20 candidates [36]
  //    (the Mekong floodplain's paddies and fish ponds);
  //  - Congo after an all-forest before: 1,110,697 cleared px, 48 ponds, 1 candidate (0.999) [1].
  const harvest = once(async () => {
    const june = observation(await chip('punjabJune'));
    const august = observation(await chip('punjabAugust'));
    return detect(august.look, june.look, june.width, june.height);
  });
  it('Punjab, August -> June (monsoon crops harvested): the pond stage is fed', async () => {
    // Monsoon crops cut to fallow are vegetation lost, over a good part of the chip.
    const seen = await harvest();
    expect(seen.clearedPixels, describeSeen(seen)).toBeGreaterThan(1000);
    expect(seen.pondPixels, describeSeen(seen)).toBeGreaterThan(0);
  });
  it.fails(
    'KNOWN FALSE POSITIVE: Punjab, August -> June (monsoon crops harvested): no candidate',
    async () => {
      const seen = await harvest();
      expect(seen.products.candidates, describeSeen(seen)).toHaveLength(0);
    },
  );

  for (const id of ['laos', 'congo'] as const) {
    const stressed = once(async () => {
      const { look, width, height } = observation(await chip(id));
      return detect(allForest(look, width, height), look, width, height);
    });
    it(`${id}, the whole real scene as new ground after an all-forest before: the pond stage is fed`, async () => {
      // Much of the scene counts as cleared, and some of its pixels were taken for new water
      // before the pond and site tests spoke.
      const seen = await stressed();
      expect(seen.clearedPixels, describeSeen(seen)).toBeGreaterThan(10_000);
      expect(seen.pondPixels, describeSeen(seen)).toBeGreaterThan(0);
    });
    it.fails(`KNOWN FALSE POSITIVE: ${id}, the whole real scene as new ground: no candidate`, async () => {
      const seen = await stressed();
      expect(seen.products.candidates, describeSeen(seen)).toHaveLength(0);
    });
  }
});
