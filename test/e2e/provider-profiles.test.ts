/**
 * The small synthetic world scanned through the local STAC API in each real provider's shape (Earth
 * Search Collection 1 with its COGs on a second host, the legacy L2A, the Planetary Computer with SAS
 * tokens that expire mid-run) and through a real proxy: the built binary, as users call it, must give
 * the same candidates every time, and never write a token anywhere.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { profileByName } from '../../src/catalog/providers.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { runCli, type Ran } from '../helpers/cli-process.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';

const world = inject('smallWorld');
const WINDOWS = ['--before', '2020-12-01/2021-02-28', '--after', '2023-12-01/2024-02-29'];
let tmp: string;
let l2a: CatalogServer;
let c1: CatalogServer;
let pc: CatalogServer;
let proxy: ForwardProxy;

type Json = Record<string, unknown>;
interface RunJson {
  inputs: { collection: string | null; provider: string; profile: string; signing: string };
  items: { before: string[]; after: string[]; skipped: { item: string; reason: string }[] };
  http: { requests: number; sas_token_requests?: number };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
/** The candidates as a place-and-evidence list: everything but the ids of the items that saw them. */
function candidates(out: string): Json[] {
  const fc = readJson<{ features: { geometry: unknown; properties: Json }[] }>(
    path.join(out, 'candidates.geojson'),
  );
  return fc.features.map((f) => {
    const { items: _items, ...rest } = f.properties;
    return { geometry: f.geometry, ...rest };
  });
}
const c1AssetHost = (): string => c1.assetsUrl.host;

async function scan(
  name: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ r: Ran; out: string }> {
  const out = path.join(tmp, name);
  const r = await runCli(['scan', ...args, ...WINDOWS, '--out', out, '--quiet'], env ? { env } : {});
  return { r, out };
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let reference: { r: Ran; out: string };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-providers-'));
  l2a = await startCatalogServer({ root: world, basePath: '/v1', profile: 'l2a' });
  c1 = await startCatalogServer({ root: world, basePath: '/v1', profile: 'c1-l2a' });
  // Every token stops working after 25 blob reads: the scan must refresh on 403 more than once.
  pc = await startCatalogServer({ root: world, profile: 'pc', tokenMaxUses: 25 });
  proxy = await startForwardProxy();
  reference = await scan('l2a', ['--stac', l2a.url.href, '--collection', 'sentinel-2-l2a']);
});
afterAll(async () => {
  await Promise.all([l2a.close(), c1.close(), pc.close(), proxy.close()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('scanning the demo world through each provider profile', () => {
  it('the legacy l2a collection, named explicitly, still works', () => {
    expect(reference.r.stderr).toBe('');
    expect(reference.r.code).toBe(0);
    expect(candidates(reference.out).length).toBeGreaterThan(0);
    const run = readJson<RunJson>(path.join(reference.out, 'run.json'));
    expect(run.inputs).toMatchObject({
      collection: 'sentinel-2-l2a',
      provider: 'earth-search',
      profile: 'l2a',
    });
  });

  it('Collection 1 by default, its COGs on another host allowed by --allow-host: the same candidates', async () => {
    expect(c1.assetsUrl.origin).not.toBe(c1.url.origin);
    const { r, out } = await scan('c1', ['--stac', c1.url.href, '--allow-host', c1AssetHost()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(candidates(out)).toEqual(candidates(reference.out));
    const run = readJson<RunJson>(path.join(out, 'run.json'));
    expect(run.inputs).toMatchObject({
      collection: 'sentinel-2-c1-l2a',
      provider: 'earth-search',
      profile: 'c1-l2a',
    });
    const ids = [...run.items.before, ...run.items.after];
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(profileByName('c1-l2a').idPattern);
    expect(run.items.skipped).toEqual([]);
  });

  it('the Planetary Computer with tokens that expire mid-run: the same candidates, no token in any output', async () => {
    const { r, out } = await scan('pc', ['--stac', pc.url.href, '--provider', 'planetary-computer']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(candidates(out)).toEqual(candidates(reference.out));
    const run = readJson<RunJson>(path.join(out, 'run.json'));
    expect(run.inputs).toMatchObject({
      provider: 'planetary-computer',
      profile: 'pc',
      signing: 'planetary-computer-sas',
    });
    for (const id of run.items.after) expect(id).toMatch(profileByName('pc').idPattern);
    // Tokens were refused (used up) and refreshed, more than once.
    expect(pc.tokens.refused).toBeGreaterThan(0);
    expect(pc.tokens.issued).toBeGreaterThan(2);
    expect(run.http.sas_token_requests).toBe(pc.tokens.issued);
    const sigs = pc.tokens.values.map((t) => new URLSearchParams(t).get('sig') ?? '');
    const texts = [r.stdout, r.stderr, ...filesUnder(out).map((f) => readFileSync(f).toString('latin1'))];
    for (const text of texts) {
      for (const [i, token] of pc.tokens.values.entries()) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(sigs[i]);
        expect(text).not.toContain(encodeURIComponent(sigs[i] ?? ''));
      }
    }
  });

  it('through an HTTP proxy: every request of the run goes through it, with the same candidates', async () => {
    const before = proxy.forwarded.length;
    const { r, out } = await scan('proxied', ['--stac', c1.url.href, '--allow-host', c1AssetHost()], {
      HTTP_PROXY: proxy.url,
      // Set, so loopback is not exempt (curl semantics); the catalogue is on 127.0.0.1.
      NO_PROXY: 'nothing.invalid',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(candidates(out)).toEqual(candidates(reference.out));
    const run = readJson<RunJson>(path.join(out, 'run.json'));
    const through = proxy.forwarded.slice(before);
    expect(through.length).toBe(run.http.requests);
    expect(through.some((u) => u.startsWith(c1.assetsUrl.origin))).toBe(true);
    expect(through.some((u) => u.startsWith(`${c1.url.href}/search`) || u === `${c1.url.href}/search`)).toBe(
      true,
    );
  });

  it('with HTTP_PROXY but no NO_PROXY, loopback catalogues stay direct', async () => {
    const before = proxy.forwarded.length + proxy.tunnels.length;
    const { r } = await scan(
      'direct',
      ['--stac', c1.url.href, '--allow-host', c1AssetHost(), '--no-evidence'],
      {
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: proxy.url,
      },
    );
    expect(r.code).toBe(0);
    expect(proxy.forwarded.length + proxy.tunnels.length - before).toBe(0);
  });
});
