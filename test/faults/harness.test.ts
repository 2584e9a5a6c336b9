/**
 * The harness itself: mode strings, the path-selected `/fault/<mode>/...` URLs of RELIABILITY.md §6,
 * seeded selection, and the canary. If these lie, every row above them lies too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HttpClient, HttpError } from '../../src/io/http.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { faultModes, hashUnit, parseFaultMode, startCanary, urlModes } from './helpers/fault-modes.js';
import { record } from './helpers/harness.js';

const world = inject('smallWorld');
const modes = urlModes();
let server: CatalogServer;
let asset: string;
let bytes: Buffer;

beforeAll(async () => {
  server = await startCatalogServer({ root: world, basePath: '/v1', faults: modes });
  const items = JSON.parse(readFileSync(path.join(world, 'stac', 'items.json'), 'utf8')) as {
    features: { assets: Record<string, { href: string }> }[];
  };
  const file = path.resolve(world, 'stac', items.features[0]!.assets['red']!.href);
  asset = path.relative(world, file);
  bytes = readFileSync(file);
});
afterAll(async () => {
  modes.dispose();
  await server.close();
});

const client = (): HttpClient => new HttpClient({ backoffBaseMs: 1, backoffCapMs: 5 });

describe('fault modes', () => {
  it('parse the mode strings of the matrix', () => {
    expect(parseFaultMode('503x2;retry-after=1')).toEqual({
      action: { kind: 'status', status: 503, retryAfterSeconds: 1 },
      times: 2,
    });
    expect(parseFaultMode('shift:2x1')).toEqual({ action: { kind: 'shift', bytes: 2 }, times: 1 });
    expect(parseFaultMode('stall-after:4096').action).toEqual({ kind: 'stall', afterBytes: 4096 });
    expect(parseFaultMode('reset-midx3').times).toBe(3);
    expect(() => parseFaultMode('teapot')).toThrow(/unknown fault "teapot"/);
  });

  it('serve /fault/<mode>/<asset>: fail N times, then the right bytes', async () => {
    const url = new URL(`/fault/${encodeURIComponent('503x2;retry-after=0')}/${asset}`, server.url);
    const c = client();
    const got = await c.getRange(url, 100, 4195);
    expect(Buffer.from(got).equals(bytes.subarray(100, 4196))).toBe(true);
    expect(c.stats.retries).toBe(2);
    const shortUrl = new URL(`/fault/shortx1/${asset}`, server.url);
    expect(Buffer.from(await client().getRange(shortUrl, 0, 999)).equals(bytes.subarray(0, 1000))).toBe(true);
    const missing = await client()
      .getRange(new URL(`/fault/404/${asset}`, server.url), 0, 9)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HttpError);
    expect((missing as HttpError).status).toBe(404);
    expect(modes.counters.byAction).toMatchObject({ status: 3, short: 1 });
    await record('harness', { row: 'harness', name: 'url modes', injected: modes.counters.injected });
  });

  it('pick the same keys whatever the order, and count every injection', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `GET /a bytes=${i}-${i + 9}`);
    const picked = keys.filter((k) => hashUnit(3, k) < 0.1);
    expect(picked.length).toBeGreaterThan(60);
    expect(picked.length).toBeLessThan(140);
    expect(keys.reverse().filter((k) => hashUnit(3, k) < 0.1)).toEqual(picked.reverse());
    const f = faultModes([{ kinds: ['asset'], maxKeys: 2, action: '500x1' }]);
    server.setFaults(f);
    try {
      const c = client();
      for (let i = 0; i < 4; i++) await c.getRange(new URL(asset, server.url), i * 10, i * 10 + 9);
      expect(f.counters.injected).toBe(2);
      expect(c.stats.retries).toBe(2);
    } finally {
      server.setFaults(modes);
    }
  });

  it('the canary counts every connection', async () => {
    const canary = await startCanary();
    try {
      expect(canary.connections()).toBe(0);
      const res = await fetch(canary.url);
      expect(await res.text()).toBe('canary');
      expect(canary.connections()).toBe(1);
    } finally {
      await canary.close();
    }
  });
});
