/**
 * The generator's rendered pixels, not only its endmember table, must look like real Sentinel-2
 * L2A over tropical forest: forest, water and bare-soil distributions of a clear synthetic scene
 * are compared with the real Laos chip (the nearest real imagery to Kachin we hold).
 */
import { describe, expect, inject, it } from 'vitest';
import { BANDS } from '../../src/fixtures/world/endmembers.js';
import {
  L2A_BASELINE_0400,
  L2A_NO_OFFSET,
  classStatistics,
  realChipStatistics,
  realChipsAvailability,
  type ChipBands,
  type ChipClassStatistics,
} from '../helpers/real-chips.js';
import { SHARED_DATA_REQUIRED } from '../helpers/shared-data.js';
import { assetPath, readBand, readItems } from '../helpers/world.js';

const avail = realChipsAvailability(['laos']);
if (!avail.available && !SHARED_DATA_REQUIRED)
  console.warn(`skipping generated-vs-real comparison: ${avail.reason}`);

describe.skipIf(!avail.available && !SHARED_DATA_REQUIRED)('synthetic world vs the real Laos chip', () => {
  it('matches forest, water and bare-soil reflectance distributions', async () => {
    const real = await realChipStatistics('laos');
    if (!real.available) throw new Error(real.reason);
    const world = inject('smallWorld');
    const items = readItems(world).filter((i) => Number(i.properties['eo:cloud_cover']) < 15);
    expect(items.length).toBeGreaterThan(0);
    const stats: ChipClassStatistics[] = [];
    for (const item of items) {
      const bands = Object.fromEntries(
        await Promise.all(BANDS.map(async (b) => [b, await readBand(assetPath(world, item, b))] as const)),
      ) as unknown as ChipBands;
      // Compare clear land only: blank out pixels Sen2Cor's SCL calls cloud, shadow or cirrus.
      const scl = await readBand(assetPath(world, item, 'scl'));
      const clear = (code: number): boolean =>
        code !== 0 && code !== 3 && code !== 8 && code !== 9 && code !== 10;
      for (const b of BANDS) {
        const band = bands[b];
        const f = band.width / scl.width;
        const data = band.data as Uint16Array;
        for (let i = 0; i < band.height; i++) {
          for (let j = 0; j < band.width; j++) {
            if (!clear(scl.data[Math.floor(i / f) * scl.width + Math.floor(j / f)] as number))
              data[i * band.width + j] = 0;
          }
        }
      }
      const offset = String(item.properties['datetime']) >= '2022-01-25';
      stats.push(classStatistics(bands, offset ? L2A_BASELINE_0400 : L2A_NO_OFFSET));
    }
    const report: string[] = [];
    for (const cls of ['forest', 'water', 'bare'] as const) {
      const r = real.stats.classes[cls].bands;
      expect(r, `real ${cls}`).not.toBeNull();
      for (const b of BANDS) {
        // Median over scenes of each scene's median: robust to one odd scene.
        const meds = stats
          .map((s) => s.classes[cls].bands?.[b].p50)
          .filter((v): v is number => v !== undefined)
          .sort((x, y) => x - y);
        const med = meds[Math.floor(meds.length / 2)] as number;
        const { p10, p90 } = r![b];
        report.push(
          `${cls} ${b}: synthetic p50 ${med.toFixed(4)}, real p10..p90 ${p10.toFixed(4)}..${p90.toFixed(4)}`,
        );
        expect(med, `${cls} ${b}`).toBeGreaterThanOrEqual(p10);
        expect(med, `${cls} ${b}`).toBeLessThanOrEqual(p90);
      }
    }
    if (process.env['MINEWATCH_PRINT_REAL_STATS']) console.log(report.join('\n'));
  });
});
