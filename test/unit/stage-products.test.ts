import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import * as turf from '../../src/geo/turf.js';
import { loadReferences } from '../../src/report/references.js';
import { assessCompleteness } from '../../src/run/completeness.js';
import { scannedTiles, scanProductsOf, type Products } from '../../src/run/stages/products.js';
import { runToExecuted, type StagesRun } from '../helpers/scan-stages.js';

const world = inject('smallWorld');
let r: StagesRun;
let products: Products;

beforeAll(async () => {
  r = await runToExecuted(world);
  const { found } = r;
  products = scanProductsOf(r.opts, {
    tiles: r.plan.tiles,
    contexts: r.ran.contexts,
    collectionLabel: 'sentinel-2-l2a',
    software: { version: '9.9.9', algorithm_version: '2' },
    params: DEFAULT_PARAMS,
    references: loadReferences(),
    offsets: r.decided.offsets,
    itemsUsed: r.decided.usable.size,
    completeness: assessCompleteness({
      found: { before: found.before.map((i) => i.id), after: found.after.map((i) => i.id), unparsed: [] },
      used: { before: new Set(found.before.map((i) => i.id)), after: new Set(found.after.map((i) => i.id)) },
      skipped: [],
      maxLostShare: 0.5,
    }),
  });
});

describe('scan stage: products', () => {
  it('finds the small world’s mine sites in the scanned tile, every product inside the AOI', () => {
    expect(products.candidates.length).toBeGreaterThan(0);
    expect(products.ponds.length).toBeGreaterThan(0);
    for (const f of [...products.candidates, ...products.ponds, ...products.clearings])
      expect(turf.booleanIntersects(f.geometry as never, r.opts.aoi.geometry)).toBe(true);
  });

  it('reports what it found, with the windows, the source and the software it is handed', () => {
    const { report } = products;
    expect(report.software).toEqual({ name: 'minewatch', version: '9.9.9', algorithm_version: '2' });
    expect(report.totals.ponds).toBe(products.candidates.reduce((s, c) => s + c.properties.pond_count, 0));
    expect(products.windows).toEqual({
      before: { start: '2020-12-01', end: '2021-02-28' },
      after: { start: '2023-12-01', end: '2024-02-29' },
    });
    expect(products.provenance.synthetic).toBe(true);
    expect(products.provenance.years).toEqual(
      [
        ...new Set(
          products.scannedTiles
            .flatMap((t) => [...t.before, ...t.after])
            .map((i) => i.datetime.getUTCFullYear()),
        ),
      ].sort(),
    );
  });

  it('keeps in the scanned tiles only the items whose pixels fed the tile, and drops tiles that did not run', () => {
    const tp = r.plan.tiles[0]!;
    const ctx = r.ran.contexts[0]!;
    const dropped = tp.after[0]!.id;
    const without = { ...ctx, afterItems: ctx.afterItems.filter((a) => a.id !== dropped) };
    const [scanned] = scannedTiles([tp], [without]);
    expect(scanned!.after.map((i) => i.id)).toEqual(tp.after.map((i) => i.id).filter((id) => id !== dropped));
    expect(scanned!.before.map((i) => i.id)).toEqual(
      tp.before.map((i) => i.id).filter((id) => ctx.beforeItems.includes(id)),
    );
    expect(scannedTiles([tp], [])).toEqual([]);
  });
});
