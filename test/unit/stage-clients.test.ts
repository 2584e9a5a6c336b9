import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { catalogueOf, scanClients, stacUrl } from '../../src/run/stages/clients.js';

describe('scan stage: clients', () => {
  it('names a local catalogue by its file: URL and an API by its own', () => {
    expect(stacUrl('world/stac/items.json').href).toBe(
      pathToFileURL(path.resolve('world/stac/items.json')).href,
    );
    expect(stacUrl('https://earth-search.aws.element84.com/v1').host).toBe('earth-search.aws.element84.com');
  });

  it('reads a local catalogue of all collections unless one is named', () => {
    expect(catalogueOf({ stac: 'w/stac/items.json' }).collection).toBeUndefined();
    const c = scanClients({ stac: 'w/stac/items.json', concurrency: 2, env: {} });
    expect(c.collectionLabel).toBe('any collection');
    expect(c.signer).toBeUndefined();
  });

  it('allows file: assets only under the local catalogue, and no other host', () => {
    const { allow } = scanClients({ stac: '/data/w/stac/items.json', concurrency: 2, env: {} });
    expect(allow(new URL('file:///data/w/assets/a.tif'))).toBe(true);
    expect(allow(new URL('file:///etc/passwd'))).toBe(false);
    expect(allow(new URL('http://169.254.169.254/latest/meta-data'))).toBe(false);
  });

  it('signs for the Planetary Computer, and only there', () => {
    const pc = scanClients({
      stac: 'https://planetarycomputer.microsoft.com/api/stac/v1',
      concurrency: 2,
      env: {},
    });
    expect(pc.catalogue.profile.signing).toBe('planetary-computer-sas');
    expect(pc.signer?.tokenRequests).toBe(0);
    const es = scanClients({ stac: 'https://earth-search.aws.element84.com/v1', concurrency: 2, env: {} });
    expect(es.signer).toBeUndefined();
  });

  it('refuses a malformed low-speed setting from the environment it is handed', () => {
    expect(() =>
      scanClients({ stac: 'w/stac/items.json', concurrency: 2, env: { MW_HTTP_LOW_SPEED_LIMIT: 'fast' } }),
    ).toThrow(InvalidInputError);
  });
});
