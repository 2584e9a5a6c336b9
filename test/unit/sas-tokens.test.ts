/**
 * Planetary Computer SAS signing on the recorded token reply and signed-blob HEAD
 * (../shared/data/stac-planetary-computer-responses), with a clock the test moves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JsonFetcher } from '../../src/catalog/json-fetcher.js';
import { EXPIRY_MARGIN_MS, PlanetaryComputerSigner } from '../../src/catalog/sas-tokens.js';
import { StacUnavailableError } from '../../src/errors.js';
import { sharedData, warnSkipped } from '../helpers/shared-data.js';

const PC = sharedData('stac-planetary-computer-responses');
warnSkipped('SAS signing on the recorded token reply', PC);

const STAC = new URL('https://planetarycomputer.microsoft.com/api/stac/v1');
const BLOB = new URL(
  'https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/48/X/VR/2023/05/24/S2B_MSIL2A_20230524T084609_N0509_R107_T48XVR_20230524T120352.SAFE/GRANULE/L2A_T48XVR_A032451_20230524T084603/QI_DATA/T48XVR_20230524T084609_PVI.tif',
);

/** Hands out the replies in turn and counts requests and the URLs asked. */
function tokens(replies: unknown[]): JsonFetcher & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    getJson(url: URL) {
      urls.push(url.href);
      const r = replies[Math.min(urls.length - 1, replies.length - 1)];
      return Promise.resolve(structuredClone(r));
    },
  };
}

const reply = (n: number, expiry: string): Record<string, string> => ({
  'msft:expiry': expiry,
  token: `st=2024-05-13T18%3A15%3A49Z&se=x&sp=rl&sr=c&sig=token${n}%3D`,
});

describe('PlanetaryComputerSigner', () => {
  it.skipIf(!PC.available)('signs exactly as the recorded HEAD that Azure accepted', async () => {
    const recorded = JSON.parse(
      readFileSync(path.join(PC.path, 'sas-token-sentinel2l2a01-sentinel2-l2.json'), 'utf8'),
    ) as { 'msft:expiry': string; token: string };
    const head = readFileSync(path.join(PC.path, 'signed-blob-HEAD.txt'), 'utf8');
    const line = /^HEAD (\S+)$/m.exec(head)?.[1] ?? '';
    const fetcher = tokens([recorded]);
    const signer = new PlanetaryComputerSigner({
      stac: STAC,
      collection: 'sentinel-2-l2a',
      fetcher,
      now: () => Date.parse('2024-05-14T18:15:50Z'), // the HEAD's Date
    });
    const signed = await signer.sign(BLOB);
    expect(signed.url.href).toBe(`${BLOB.href}?${recorded.token}`);
    // The recorded client un-escaped %3A; the same query otherwise.
    expect(decodeURIComponent(signed.url.search)).toBe(decodeURIComponent(new URL(line).search));
    expect(fetcher.urls).toEqual(['https://planetarycomputer.microsoft.com/api/sas/v1/token/sentinel-2-l2a']);
  });

  it('keeps a token until shortly before msft:expiry, then fetches a new one', async () => {
    let now = Date.parse('2026-12-02T10:00:00Z');
    const fetcher = tokens([reply(1, '2026-12-02T10:45:00Z'), reply(2, '2026-12-02T11:30:00Z')]);
    const signer = new PlanetaryComputerSigner({
      stac: STAC,
      collection: 'sentinel-2-l2a',
      fetcher,
      now: () => now,
    });
    const a = await Promise.all([signer.sign(BLOB), signer.sign(BLOB), signer.sign(BLOB)]);
    expect(fetcher.urls).toHaveLength(1); // concurrent signs share one request
    expect(a.every((s) => s.url.search.includes('sig=token1'))).toBe(true);
    now = Date.parse('2026-12-02T10:45:00Z') - EXPIRY_MARGIN_MS - 1;
    expect((await signer.sign(BLOB)).url.search).toContain('sig=token1');
    now += 2;
    expect((await signer.sign(BLOB)).url.search).toContain('sig=token2');
    expect(signer.tokenRequests).toBe(2);
  });

  it('drops the token a 403 refused, but not a newer one', async () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    const fetcher = tokens([reply(1, '2026-12-02T18:00:00Z'), reply(2, '2026-12-02T18:00:00Z')]);
    const signer = new PlanetaryComputerSigner({
      stac: STAC,
      collection: 'sentinel-2-l2a',
      fetcher,
      now: () => now,
    });
    const first = await signer.sign(BLOB);
    signer.refused(first);
    const second = await signer.sign(BLOB);
    expect(second.url.search).toContain('sig=token2');
    signer.refused(first); // a late 403 for the old token
    expect((await signer.sign(BLOB)).url.search).toContain('sig=token2');
    expect(fetcher.urls).toHaveLength(2);
  });

  it('signs only blob hosts and its own origin, never an already signed URL', async () => {
    const fetcher = tokens([reply(1, '2099-01-01T00:00:00Z')]);
    const signer = new PlanetaryComputerSigner({ stac: STAC, collection: 'sentinel-2-l2a', fetcher });
    const unsigned = [
      'https://ai4edatasetspublicassets.blob.core.windows.net/assets/thumb.png',
      'https://e84-earth-search-sentinel-data.s3.us-west-2.amazonaws.com/x/B04.tif',
      `${BLOB.href}?st=a&se=b&sp=rl&sig=c`,
      'http://sentinel2l2a01.blob.core.windows.net/plain-http.tif',
    ];
    for (const u of unsigned) {
      const s = await signer.sign(new URL(u));
      expect(s.url.href).toBe(new URL(u).href);
      expect(s.generation).toBe(-1);
    }
    expect(fetcher.urls).toEqual([]);
    expect(
      (await signer.sign(new URL('https://planetarycomputer.microsoft.com/blobs/a.tif'))).generation,
    ).toBe(1);
  });

  it('a token reply that is not one fails naming the token URL, not the token', async () => {
    const cases: unknown[] = [
      { token: 'st=1&sig=abc' },
      { 'msft:expiry': '2099-01-01T00:00:00Z', token: 'no signature here' },
      { 'msft:expiry': '2000-01-01T00:00:00Z', token: 'st=1&sig=secret%3D' },
      ['not', 'an', 'object'],
    ];
    for (const c of cases) {
      const signer = new PlanetaryComputerSigner({
        stac: STAC,
        collection: 'sentinel-2-l2a',
        fetcher: tokens([c]),
      });
      const err = await signer.sign(BLOB).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StacUnavailableError);
      expect((err as Error).message).toContain('/api/sas/v1/token/sentinel-2-l2a');
      expect((err as Error).message).not.toContain('secret');
    }
  });
});
