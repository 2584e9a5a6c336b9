import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { assessCompleteness } from '../../src/run/completeness.js';
import { scanResult } from '../../src/run/stages/result.js';
import { productsOfNothing, startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: result', () => {
  it('sums the scan up from what the stages made', async () => {
    const s = await startStages(world);
    const products = productsOfNothing(s);
    const skipped = [{ item: 'x', reason: 'r' }];
    const completeness = assessCompleteness({
      found: { before: ['x'], after: [], unparsed: [] },
      used: { before: new Set(), after: new Set() },
      skipped,
      maxLostShare: 0.5,
    });
    const r = scanResult(
      { out: 'out/rel' },
      {
        products,
        found: s.found,
        plan: { tiles: [], skipped: [], blockCount: 7 },
        skipped,
        completeness,
        files: { 'run.json': '{}\n' },
        seconds: 2.5,
        http: { ...s.clients.http.stats, requests: 11, bytes: 1234 },
      },
    );
    expect(r.summary).toEqual({
      out: path.resolve('out/rel'),
      candidates: 0,
      ponds: 0,
      pond_outlines: 0,
      clearings: 0,
      items: {
        before: s.found.before.length,
        after: s.found.after.length,
        skipped: 1,
        dropped: s.found.dropped.length,
      },
      tiles: 0,
      blocks: 7,
      seconds: 2.5,
      requests: 11,
      bytes: 1234,
    });
    expect(r.skipped).toBe(skipped);
    expect(r.completeness).toBe(completeness);
    expect(r.attribution).toBe(products.provenance.attribution);
    expect(r.files).toEqual({ 'run.json': '{}\n' });
  });
});
