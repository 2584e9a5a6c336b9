/**
 * Provider profiles against the recorded real responses of Earth Search (Collection 1 and legacy
 * L2A), the Planetary Computer and the CDSE in ../shared/data: asset keys, hosts, ids, offsets,
 * search dialect and paging, each read from the provider's own bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { declaredOffsetDn } from '../../src/catalog/offset-decision.js';
import { dedupeItems } from '../../src/catalog/dedupe.js';
import { parseS2Item, validateItems } from '../../src/catalog/item.js';
import type { JsonFetcher, JsonRequestInit } from '../../src/catalog/json-fetcher.js';
import {
  chooseCatalogue,
  parseProviderName,
  profileByName,
  providerForStac,
  resolveProfile,
} from '../../src/catalog/providers.js';
import { searchStac } from '../../src/catalog/stac-client.js';
import { InvalidInputError } from '../../src/errors.js';
import { assetPolicy, parseAllowHost } from '../../src/run/asset-policy.js';
import { sharedData, warnSkipped } from '../helpers/shared-data.js';

const C1 = sharedData('stac-earth-search-c1-responses');
const PC = sharedData('stac-planetary-computer-responses');
const CDSE = sharedData('stac-cdse-responses');
warnSkipped('the recorded Earth Search Collection-1 profile tests', C1);
warnSkipped('the recorded Planetary Computer profile tests', PC);
warnSkipped('the recorded CDSE profile test', CDSE);

type Json = Record<string, unknown>;
const read = (dir: string, file: string): Json =>
  JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Json;
const features = (doc: Json): Json[] => doc['features'] as Json[];

const ES_SEARCH = new URL('https://earth-search.aws.element84.com/v1/search');
const PC_SEARCH = new URL('https://planetarycomputer.microsoft.com/api/stac/v1/search');

describe('choosing a profile', () => {
  it('recognises the provider from --stac and defaults Earth Search to Collection 1', () => {
    const es = chooseCatalogue(new URL('https://earth-search.aws.element84.com/v1'));
    expect([es.provider, es.collection, es.profile.profile]).toEqual([
      'earth-search',
      'sentinel-2-c1-l2a',
      'c1-l2a',
    ]);
    const legacy = chooseCatalogue(
      new URL('https://earth-search.aws.element84.com/v1'),
      undefined,
      'sentinel-2-l2a',
    );
    expect(legacy.profile.profile).toBe('l2a');
    const pc = chooseCatalogue(new URL('https://planetarycomputer.microsoft.com/api/stac/v1'));
    expect([pc.provider, pc.collection, pc.profile.profile]).toEqual([
      'planetary-computer',
      'sentinel-2-l2a',
      'pc',
    ]);
    // Any other host: Earth Search's shape; --provider overrides.
    expect(chooseCatalogue(new URL('http://127.0.0.1:9/v1')).profile.profile).toBe('c1-l2a');
    expect(
      chooseCatalogue(new URL('http://127.0.0.1:9/api/stac/v1'), 'planetary-computer').profile.profile,
    ).toBe('pc');
    // A local file without --collection: every collection it holds.
    expect(chooseCatalogue(undefined).collection).toBeUndefined();
  });

  it('says why the CDSE is not supported yet, and rejects unknown providers', () => {
    expect(() => providerForStac(new URL('https://stac.dataspace.copernicus.eu/v1'))).toThrow(
      /JPEG 2000.*SigV4/,
    );
    expect(() => parseProviderName('cdse')).toThrow(InvalidInputError);
    expect(() => parseProviderName('sentinelhub')).toThrow(/expected earth-search or planetary-computer/);
    expect(() => profileByName('nope')).toThrow(/c1-l2a, l2a, pc/);
  });

  it('keeps each profile to a closed list of https asset hosts, plus what --allow-host names', () => {
    const stac = new URL('https://earth-search.aws.element84.com/v1');
    const c1 = assetPolicy({ stac, hosts: profileByName('c1-l2a').assetHosts });
    const l2a = assetPolicy({ stac, hosts: profileByName('l2a').assetHosts });
    const c1Cog = new URL(
      'https://e84-earth-search-sentinel-data.s3.us-west-2.amazonaws.com/sentinel-2-c1-l2a/x/B04.tif',
    );
    expect(c1(c1Cog)).toBe(true);
    expect(l2a(c1Cog)).toBe(false);
    expect(c1(new URL('http://e84-earth-search-sentinel-data.s3.us-west-2.amazonaws.com/x'))).toBe(false);
    expect(c1(new URL('https://sentinel2l2a01.blob.core.windows.net/x'))).toBe(false);
    // Loopback only when named, and then with its port.
    const local = new URL('http://127.0.0.1:4567/assets/B04.tif');
    expect(c1(local)).toBe(false);
    const named = assetPolicy({ stac, hosts: [], extraHosts: [parseAllowHost('127.0.0.1:4567')] });
    expect(named(local)).toBe(true);
    expect(named(new URL('http://127.0.0.1:4568/assets/B04.tif'))).toBe(false);
    const bucket = assetPolicy({ stac, hosts: [], extraHosts: [parseAllowHost('My-Bucket.example.org')] });
    expect(bucket(new URL('https://my-bucket.example.org/a.tif'))).toBe(true);
    expect(bucket(new URL('http://my-bucket.example.org/a.tif'))).toBe(false);
    expect(() => parseAllowHost('http://x/')).toThrow(/--allow-host/);
    expect(() => parseAllowHost('x:99999')).toThrow(/--allow-host/);
  });
});

describe.skipIf(!C1.available)('Earth Search, recorded (stac-earth-search-c1-responses)', () => {
  it('reads the full Collection-1 item: keys, host, B12, tile from the T-prefixed id, -0.1 offset', () => {
    const raw = read(C1.path, 'item-c1-l2a-S2B_T24MWV_20250731T130245_L2A.extracted.json');
    const profile = profileByName('c1-l2a');
    const item = parseS2Item(raw, ES_SEARCH, profile);
    expect(item.id).toMatch(profile.idPattern);
    expect(item.gridCode).toBe('MGRS-24MWV');
    expect(item.profile).toBe('c1-l2a');
    expect(item.assets.swir22?.href.pathname).toMatch(/B12\.tif$/);
    const allow = assetPolicy({ stac: new URL(ES_SEARCH.origin), hosts: profile.assetHosts });
    for (const a of Object.values(item.assets)) expect(allow(a.href)).toBe(true);
    expect(declaredOffsetDn(item, 'red')).toMatchObject({ offsetDn: -1000, source: 'raster:bands' });
  });

  it('a Collection-1 item without baseline or raster metadata still gets the offset, whatever its date', () => {
    const raw = read(C1.path, 'item-c1-l2a-S2B_T24MWV_20250731T130245_L2A.extracted.json');
    const props = raw['properties'] as Json;
    delete props['s2:processing_baseline'];
    props['datetime'] = '2020-01-10T05:35:49Z';
    for (const a of Object.values(raw['assets'] as Record<string, Json>)) delete a['raster:bands'];
    const asC1 = parseS2Item(raw, ES_SEARCH, profileByName('c1-l2a'));
    expect(declaredOffsetDn(asC1, 'red')).toMatchObject({ offsetDn: -1000 });
    // The same bytes under the legacy profile fall back on the date: no offset before 2022.
    const asLegacy = parseS2Item(raw, ES_SEARCH, profileByName('l2a'));
    expect(declaredOffsetDn(asLegacy, 'red')).toMatchObject({ offsetDn: 0, source: 'date' });
  });

  it('every c1 id of the recorded pages fits the profile, and the legacy ids fit theirs', () => {
    const all = [
      ...features(read(C1.path, 'search-cql2-filter-page1.json')),
      ...features(read(C1.path, 'search-cql2-filter-page2.json')),
    ];
    const c1 = all.filter((f) => f['collection'] === 'sentinel-2-c1-l2a');
    const legacy = all.filter((f) => f['collection'] === 'sentinel-2-l2a');
    expect(c1.length).toBeGreaterThan(3);
    for (const f of c1) expect(f['id']).toMatch(profileByName('c1-l2a').idPattern);
    for (const f of legacy) expect(f['id']).toMatch(profileByName('l2a').idPattern);
    // Parsed per collection: both kinds of item are usable from one mixed page.
    const page2 = features(read(C1.path, 'search-cql2-filter-page2.json')).filter((f) =>
      String(f['collection']).endsWith('l2a'),
    );
    const v = validateItems(page2, ES_SEARCH, 'earth-search');
    expect(v.skipped).toEqual([]);
    expect(new Set(v.ok.map((i) => i.profile))).toEqual(new Set(['c1-l2a', 'l2a']));
  });

  it('the 2020 legacy scene at baselines 02.14 and 05.00: offsets 0 and -1000, the reprocessing kept', () => {
    const zero = parseS2Item(read(C1.path, 'item-sentinel-2-l2a-S2A_32TMT_20200305_0_L2A.json'), ES_SEARCH);
    const one = parseS2Item(read(C1.path, 'item-sentinel-2-l2a-S2A_32TMT_20200305_1_L2A.json'), ES_SEARCH);
    expect(zero.profile).toBe('l2a');
    expect(declaredOffsetDn(zero, 'nir').offsetDn).toBe(0);
    expect(declaredOffsetDn(one, 'nir').offsetDn).toBe(-1000);
    expect(dedupeItems([zero, one]).kept.map((i) => i.id)).toEqual(['S2A_32TMT_20200305_1_L2A']);
  });

  it('sends the cloud bound as `query`, never `filter`, and re-checks it on what comes back', async () => {
    // The recorded server ignored a CQL2 filter: page 1 holds cloud cover 56.8 against <= 40.
    const page1 = read(C1.path, 'search-cql2-filter-page1.json');
    const page2 = read(C1.path, 'search-cql2-filter-page2.json');
    const calls: { body: unknown }[] = [];
    const fetcher: JsonFetcher = {
      getJson(_url: URL, init: JsonRequestInit = {}) {
        calls.push({ body: init.body });
        return Promise.resolve(structuredClone(calls.length === 1 ? page1 : { ...page2, links: [] }));
      },
    };
    const r = await searchStac(
      {
        root: new URL('https://earth-search.aws.element84.com/v1'),
        search: { url: ES_SEARCH, query: false },
        collections: [],
        datetime: parseDateWindow('2025-07-31', '2025-07-31').span,
        maxCloud: 40,
        dialect: profileByName('c1-l2a').search,
      },
      fetcher,
    );
    const first = calls[0]?.body as Json;
    expect(first['query']).toEqual({ 'eo:cloud_cover': { lte: 40 } });
    expect(first['filter']).toBeUndefined();
    // The next body is sent verbatim (the server's, without the ignored filter).
    expect(calls[1]?.body).toEqual({
      next: '2025-07-31T13:03:25.899000Z,S2B_T24MVV_20250731T130245_L2A,sentinel-2-c1-l2a',
    });
    const clouds = r.items.map((i) => ((i as Json)['properties'] as Json)['eo:cloud_cover']);
    expect(clouds.every((c) => c === undefined || (c as number) <= 40)).toBe(true);
    expect(r.filteredOut).toBeGreaterThan(0);
  });

  it('pages the legacy 2020 search until its items complete numberMatched (10 + 6 of 16), sending the recorded next token verbatim', async () => {
    const pages = [
      'search-s2-l2a-2020-page1.json',
      'search-s2-l2a-2020-page2.json',
      'search-s2-l2a-2020-page3-empty.json',
    ].map((f) => read(C1.path, f));
    const bodies: unknown[] = [];
    const fetcher: JsonFetcher = {
      getJson: (_u: URL, init: JsonRequestInit = {}) => {
        bodies.push(init.body);
        return Promise.resolve(structuredClone(pages[bodies.length - 1] ?? {}));
      },
    };
    const r = await searchStac(
      {
        root: new URL('https://earth-search.aws.element84.com/v1'),
        search: { url: ES_SEARCH, query: true },
        collections: ['sentinel-2-l2a'],
        bbox: [9, 47, 10, 48],
        datetime: parseDateWindow('2020-03-01', '2020-03-05').span,
        dialect: profileByName('l2a').search,
      },
      fetcher,
    );
    expect(r.pages).toBe(2);
    expect(r.items.length + r.filteredOut).toBe(16);
    // The second request carries exactly the token the first recorded page links to.
    const next = ((pages[0] as Json)['links'] as Json[]).find((l) => l['rel'] === 'next');
    expect((bodies[1] as Json)['next']).toBe((next?.['body'] as Json)['next']);
    expect(bodies).toHaveLength(2);
  });
});

describe.skipIf(!PC.available)('Planetary Computer, recorded (stac-planetary-computer-responses)', () => {
  it('reads the full 2020 item: B02..SCL keys, tile from s2:mgrs_tile, offset 0 from baseline 02.12', () => {
    const raw = read(PC.path, 'item-S2B_MSIL2A_20200705T101559_R065_T32TMT_20200825T083452.json');
    const profile = profileByName('pc');
    const item = parseS2Item(raw, PC_SEARCH, profile);
    expect(item.id).toMatch(profile.idPattern);
    expect(item.gridCode).toBe('MGRS-32TMT');
    expect(item.platform).toBe('sentinel-2b');
    expect(item.assets.red.href.pathname).toMatch(/_B04_10m\.tif$/);
    expect(item.assets.swir16.href.pathname).toMatch(/_B11_20m\.tif$/);
    expect(item.assets.swir22?.href.pathname).toMatch(/_B12_20m\.tif$/);
    expect(item.assets.scl.href.pathname).toMatch(/_SCL_20m\.tif$/);
    expect(item.assets.red.offset).toBeUndefined(); // no raster metadata at all
    expect(declaredOffsetDn(item, 'red')).toMatchObject({ offsetDn: 0, source: 'processing_baseline' });
    const allow = assetPolicy({ stac: new URL(PC_SEARCH.origin), hosts: profile.assetHosts });
    for (const a of Object.values(item.assets)) expect(allow(a.href)).toBe(true);
    // Under Earth Search's keys the same item has none of the bands.
    expect(() => parseS2Item(raw, PC_SEARCH, resolveProfile('earth-search'))).toThrow(/missing asset "blue"/);
  });

  it('the 2023 search page: every item usable, baseline 05.09 gives the +1000 offset', () => {
    const page = read(PC.path, 'search-limit10-page1.json');
    const v = validateItems(features(page), PC_SEARCH, 'planetary-computer');
    expect(v.skipped).toEqual([]);
    expect(v.ok).toHaveLength(10);
    for (const item of v.ok) expect(declaredOffsetDn(item, 'nir').offsetDn).toBe(-1000);
  });

  it('posts the recorded next body (with its token) as it is, and stops at a page without next', async () => {
    const page1 = read(PC.path, 'search-limit10-page1.json');
    const last = read(PC.path, 'search-datetime-2019-01-01-first3.json');
    const bodies: unknown[] = [];
    const fetcher: JsonFetcher = {
      getJson(_u: URL, init: JsonRequestInit = {}) {
        bodies.push(init.body);
        return Promise.resolve(structuredClone(bodies.length === 1 ? page1 : last));
      },
    };
    const r = await searchStac(
      {
        root: new URL('https://planetarycomputer.microsoft.com/api/stac/v1'),
        search: { url: PC_SEARCH, query: true },
        collections: ['sentinel-2-l2a'],
        datetime: parseDateWindow('2019-01-01', '2023-12-31').span,
        dialect: profileByName('pc').search,
      },
      fetcher,
    );
    expect(r.pages).toBe(2);
    expect(bodies[1]).toEqual({
      limit: 10,
      collections: ['sentinel-2-l2a'],
      token: 'next:sentinel-2-l2a:S2B_MSIL2A_20230901T070629_R106_T48XVL_20230901T121932',
    });
    expect(r.items).toHaveLength(13);
  });
});

describe.skipIf(!CDSE.available)('CDSE, recorded (stac-cdse-responses)', () => {
  it('its items hold no COG minewatch could read under any supported profile', () => {
    const raw = read(CDSE.path, 'item-S2A_MSIL2A_20241107T113311_N0511_R080_T32VKR_20241107T123948.json');
    const assets = raw['assets'] as Record<string, Json>;
    expect(String(assets['B04_10m']?.['type'])).toMatch(/jp2/);
    expect(String(assets['B04_10m']?.['href'])).toMatch(/^s3:\/\//);
    for (const name of ['earth-search', 'planetary-computer'] as const) {
      expect(() =>
        parseS2Item(raw, new URL('https://stac.dataspace.copernicus.eu/v1/search'), resolveProfile(name)),
      ).toThrow(/missing asset/);
    }
  });
});
