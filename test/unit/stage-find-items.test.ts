import path from 'node:path';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { describe, expect, inject, it } from 'vitest';
import { NoItemsFoundError } from '../../src/errors.js';
import { scanClients } from '../../src/run/stages/clients.js';
import { findScanItems } from '../../src/run/stages/find-items.js';
import { smallWorldOptions } from '../helpers/scan-stages.js';

const world = inject('smallWorld');

describe('scan stage: find items', () => {
  it('finds both windows of a local catalogue', async () => {
    const opts = smallWorldOptions(world);
    const found = await findScanItems(opts, scanClients({ ...opts, env: {} }));
    expect(found.source).toBe('local');
    expect(found.before.length).toBeGreaterThan(0);
    expect(found.after.length).toBeGreaterThan(0);
    for (const i of found.before) expect(i.datetime.getUTCFullYear()).toBeLessThanOrEqual(2021);
    for (const i of found.after) expect(i.datetime.getUTCFullYear()).toBeGreaterThanOrEqual(2023);
  });

  it('takes the items a re-scan already found, without reading the catalogue', async () => {
    const opts = smallWorldOptions(world);
    const clients = scanClients({ ...opts, env: {} });
    const found = await findScanItems(opts, clients);
    const missing = { ...opts, stac: path.join(world, 'no-such-catalogue.json'), found };
    expect(await findScanItems(missing, clients)).toBe(found);
  });

  it('ends the scan when a window has no item, naming the window, the AOI and the cloud limit', async () => {
    const opts = { ...smallWorldOptions(world), after: parseDateWindow('2019-01-01', '2019-01-31') };
    const err = await findScanItems(opts, scanClients({ ...opts, env: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoItemsFoundError);
    expect((err as Error).message).toMatch(
      /^no sentinel-2-l2a items found in .*items\.json for the after window 2019-01-01\/2019-01-31 over AOI kachin with eo:cloud_cover <= 60$/,
    );
  });
});
