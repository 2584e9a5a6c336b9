import { describe, expect, inject, it } from 'vitest';
import { renderScanEvidence } from '../../src/run/stages/evidence.js';
import { outputFiles } from '../../src/run/stages/output-files.js';
import { productsOfNothing, startStages } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: output files', () => {
  it('serialises the products, run.json and a STAC Item and Catalog that list every file', async () => {
    const s = await startStages(world);
    const products = productsOfNothing(s);
    const evidence = await renderScanEvidence([], products, s.opts.aoi, false);
    const files = outputFiles(s.opts, { evidence, products, run: { hello: 'run' }, collectionLabel: 'c-1' });
    expect(Object.keys(files)).toEqual([
      'candidates.geojson',
      'ponds.geojson',
      'clearings.geojson',
      'report.json',
      'report.md',
      'run.json',
      'item.json',
      'catalog.json',
    ]);
    expect(files['run.json']).toBe('{\n  "hello": "run"\n}\n');
    expect(JSON.parse(String(files['report.json']))).toEqual(JSON.parse(JSON.stringify(products.report)));
    const item = JSON.parse(String(files['item.json'])) as {
      id: string;
      properties: Record<string, unknown>;
      assets: Record<string, unknown>;
    };
    expect(item.id).toBe('minewatch-kachin-2020-12-01-2023-12-01');
    expect(item.properties).toMatchObject({
      'minewatch:before': '2020-12-01/2021-02-28',
      'minewatch:candidates': 0,
      'minewatch:stac': s.opts.stac,
      'minewatch:collection': 'c-1',
    });
    const catalog = JSON.parse(String(files['catalog.json'])) as { id: string };
    expect(catalog.id).toBe(`${item.id}-catalog`);
  });

  it('puts the evidence files first, and names the overview in report.md only when drawn', async () => {
    const s = await startStages(world);
    const products = productsOfNothing(s);
    const evidence = { files: { 'overview.png': new Uint8Array([1]) }, candidates: [] };
    const files = outputFiles(s.opts, { evidence, products, run: {}, collectionLabel: 'c' });
    expect(Object.keys(files)[0]).toBe('overview.png');
    const without = outputFiles(s.opts, {
      evidence: { files: {}, candidates: [] },
      products,
      run: {},
      collectionLabel: 'c',
    });
    expect(files['report.md']).not.toEqual(without['report.md']);
  });
});
