/**
 * The local catalogue in each provider's shape, asked directly: what the c1-l2a and pc profiles
 * publish, and that pc blobs refuse a request without a valid, unexpired token.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { profileByName } from '../../src/catalog/providers.js';

const world = inject('smallWorld');
let c1: CatalogServer;
let pc: CatalogServer;

type Json = Record<string, unknown>;
const search = async (s: CatalogServer): Promise<Json[]> => {
  const r = await fetch(`${s.url.href.replace(/\/$/, '')}/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ limit: 1000 }),
  });
  return ((await r.json()) as { features: Json[] }).features;
};

beforeAll(async () => {
  c1 = await startCatalogServer({ root: world, basePath: '/v1', profile: 'c1-l2a' });
  pc = await startCatalogServer({ root: world, profile: 'pc', tokenMaxUses: 2 });
});
afterAll(async () => {
  await Promise.all([c1.close(), pc.close()]);
});

describe('serve-catalog profiles', () => {
  it('c1-l2a: Collection-1 ids, one item per acquisition, COGs on the second port only', async () => {
    const items = await search(c1);
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i['id'])).size).toBe(items.length);
    for (const i of items) {
      expect(i['collection']).toBe('sentinel-2-c1-l2a');
      expect(i['id']).toMatch(profileByName('c1-l2a').idPattern);
      const red = (i['assets'] as Record<string, { href: string }>)['red']?.href ?? '';
      expect(new URL(red).origin).toBe(c1.assetsUrl.origin);
    }
    // The asset host serves assets, not the API; the API host still has them too, as the world does.
    expect((await fetch(`${c1.assetsUrl.origin}/v1`)).status).toBe(404);
  });

  it('pc: PC keys and ids without raster metadata; blobs need a valid token, used up after its uses', async () => {
    const items = await search(pc);
    const item = items[0] as Json;
    expect(item['id']).toMatch(profileByName('pc').idPattern);
    const assets = item['assets'] as Record<string, Json>;
    expect(Object.keys(assets)).toEqual(expect.arrayContaining(['B02', 'B03', 'B04', 'B08', 'B11', 'SCL']));
    expect(JSON.stringify(item)).not.toContain('raster:bands');
    expect((item['properties'] as Json)['s2:mgrs_tile']).toMatch(/^\d{2}[A-Z]{3}$/);
    const blob = String(assets['B04']?.['href']);
    const range = { headers: { range: 'bytes=0-15' } };
    expect((await fetch(blob, range)).status).toBe(403);
    expect((await fetch(`${blob}?se=2099-01-01&sig=forged`, range)).status).toBe(403);
    const reply = (await (await fetch(`${pc.url.origin}/api/sas/v1/token/sentinel-2-l2a`)).json()) as Json;
    expect(Date.parse(String(reply['msft:expiry']))).toBeGreaterThan(Date.now());
    const signed = `${blob}?${String(reply['token'])}`;
    expect((await fetch(signed, range)).status).toBe(206);
    expect((await fetch(signed, range)).status).toBe(206);
    expect((await fetch(signed, range)).status).toBe(403); // used up: expired for the client
    expect(pc.tokens.refused).toBe(3);
  });
});
