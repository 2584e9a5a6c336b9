import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import { assessCompleteness } from '../../src/run/completeness.js';
import { decideOffsets } from '../../src/run/stages/decide-offsets.js';
import { closeAssets, openAssets } from '../../src/run/stages/open-assets.js';
import { runRecord, type RunRecordInput } from '../../src/run/stages/provenance.js';
import { productsOfNothing, startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

async function record(signer?: { tokenRequests: number }): Promise<Record<string, unknown>> {
  const s = await startStages(world);
  const assets = await openAssets({ items: s.items, allow: s.clients.allow, open: s.open, io: s.io });
  const decided = await decideOffsets(s.items, assets, s.io);
  await closeAssets(assets.opened);
  const input: RunRecordInput = {
    software: { version: '9.9.9', algorithm_version: '2', node: 'v20.0.0' },
    clients: { ...s.clients, signer },
    products: productsOfNothing(s),
    params: DEFAULT_PARAMS,
    found: s.found,
    skipped: [{ item: 'x', reason: 'cannot read its COGs: HTTP 404' }],
    completeness: assessCompleteness({
      found: { before: s.found.before.map((i) => i.id), after: s.found.after.map((i) => i.id), unparsed: [] },
      used: { before: new Set(), after: new Set() },
      skipped: [],
      maxLostShare: 0.5,
    }),
    offsets: decided.offsets,
    usable: decided.usable,
    timings: {
      stages: { search: 0.1, headers: 0.2 },
      total: 1.5,
      clock: { read: 1.23456, compute: 0, assemble: 0, detect: 0 },
      evidence: {},
    },
  };
  return runRecord(
    { ...s.opts, allowHosts: [{ host: '127.0.0.1', port: 8080 }, { host: 'example.org' }] },
    input,
  );
}

describe('scan stage: provenance (run.json)', () => {
  it('records the inputs, the items, offsets sorted by item, SWIR bands and timings, in a fixed order', async () => {
    const run = await record();
    expect(Object.keys(run)).toEqual([
      'software',
      'inputs',
      'parameters',
      'items',
      'completeness',
      'offsets',
      'swir',
      'tiles',
      'counts',
      'timings_s',
      'http',
      'attribution',
    ]);
    expect(run['software']).toEqual({
      name: 'minewatch',
      version: '9.9.9',
      algorithm_version: '2',
      node: 'v20.0.0',
    });
    expect(run['inputs']).toMatchObject({
      collection: 'sentinel-2-l2a',
      allow_hosts: ['127.0.0.1:8080', 'example.org'],
      aoi: 'kachin',
      before: { start: '2020-12-01', end: '2021-02-28' },
      max_cloud: 60,
      concurrency: 8,
    });
    const offsets = Object.keys(run['offsets'] as object);
    expect(offsets).toEqual([...offsets].sort((a, b) => a.localeCompare(b)));
    expect(offsets.length).toBeGreaterThan(1);
    expect((run['items'] as { skipped: unknown[] }).skipped).toEqual([
      { item: 'x', reason: 'cannot read its COGs: HTTP 404' },
    ]);
    expect(run['swir']).toMatchObject({ used: expect.stringMatching(/^B11/) as unknown });
    expect(run['timings_s']).toEqual({
      search: 0.1,
      headers: 0.2,
      total: 1.5,
      block_stages_summed: { read: 1.235, compute: 0, assemble: 0, detect: 0 },
      evidence_stages: {},
    });
    expect(run['completeness']).toMatchObject({ complete: false });
    expect(run['counts']).toEqual({ candidates: 0, ponds: 0, clearings: 0 });
    expect(run['http']).not.toHaveProperty('sas_token_requests');
  });

  it('counts SAS tokens only when the scan signs', async () => {
    expect((await record({ tokenRequests: 3 }))['http']).toMatchObject({ sas_token_requests: 3 });
  });
});
