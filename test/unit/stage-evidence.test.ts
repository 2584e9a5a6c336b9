import { describe, expect, inject, it } from 'vitest';
import { renderScanEvidence } from '../../src/run/stages/evidence.js';
import { productsOfNothing, startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: evidence', () => {
  it('draws nothing when told not to, and hands the candidates back as they are', async () => {
    const s = await startStages(world);
    const products = productsOfNothing(s);
    const e = await renderScanEvidence([], products, s.opts.aoi, false);
    expect(e).toEqual({ files: {}, candidates: products.candidates, warnings: [], timings_s: {} });
  });

  it('draws the report page of a scan in memory, and times its parts', async () => {
    const s = await startStages(world);
    const e = await renderScanEvidence([], productsOfNothing(s), s.opts.aoi, true);
    expect(Object.keys(e.files)).toContain('report.html');
    expect(Object.keys(e.timings_s).length).toBeGreaterThan(0);
  });
});
