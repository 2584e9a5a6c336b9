/**
 * The STAC catalogues minewatch reads real Sentinel-2 L2A from, as data: one profile per provider and
 * collection, saying which asset key holds which band, where the COGs may live, how hrefs are signed,
 * how searches are phrased and how DN become reflectance. Every fact comes from a recorded real
 * response or the provider's documentation (../shared/data/STAC-PROVIDERS.md names each source);
 * nothing here is tuned on the synthetic world. Pure: no I/O.
 *
 * A provider is chosen from the `--stac` host (`providerForStac`), or named with `--provider`; the
 * collection is `--collection`, else the provider's default. The same provider can serve several
 * collections with different shapes (Earth Search's Collection-1 and legacy L2A), so the profile is
 * the (provider, collection) pair.
 */
import { InvalidInputError } from '../errors.js';

/** ESA band names minewatch reads; B12 is optional (older items and some catalogues lack it). */
export const ESA_BANDS = ['B02', 'B03', 'B04', 'B08', 'B11', 'B12', 'SCL'] as const;
export type EsaBand = (typeof ESA_BANDS)[number];

export type ProviderName = 'earth-search' | 'planetary-computer';
export const PROVIDER_NAMES: readonly ProviderName[] = ['earth-search', 'planetary-computer'];

/** How asset hrefs are made readable: as published, or with a Planetary Computer SAS token. */
export type SigningScheme = 'none' | 'planetary-computer-sas';

export interface SearchDialect {
  /**
   * How the cloud-cover bound goes to the server. Earth Search silently ignores a CQL2 `filter`
   * (recorded: search-cql2-filter-page1.json returned cloud cover 56.8 against `<= 40`) and supports
   * the `query` extension; the bound is re-checked on every item client-side either way.
   */
  cloudFilter: 'query';
  // Paging needs no rule of its own: both follow `next` until a page has none (Earth Search gives
  // `next` on short pages and ends with an empty page without one: search-s2-l2a-2020-page3-empty.json;
  // PC posts its token body). An empty page that still offers `next` is followed, so that the loop
  // guard and the page cap see it (RELIABILITY.md row 19).
}

/**
 * How DN become reflectance. One rule for every provider (offset-decision.ts): the item's `raster:bands`
 * offset when it states one (Earth Search: scale 0.0001, offset -0.1 or 0), else
 * `s2:processing_baseline` (>= 04.00: +1000 DN; Planetary Computer publishes no raster metadata at
 * all), else the acquisition date; then the darkest clear pixels check it. A profile only adds what
 * its collection guarantees.
 */
export interface Radiometry {
  /**
   * The lowest processing baseline any item of the collection can have, used when an item omits
   * `s2:processing_baseline`: Collection 1 reprocesses every acquisition, 2015-2021 included, at
   * baseline 05.00 or later, so a pre-2022 C1 item carries the +1000 offset too (CDSE's and Earth
   * Search's 2020 N0500 items declare -0.1). Undefined: infer from the acquisition date.
   */
  minimumBaseline?: string;
}

export interface CollectionProfile {
  /** Short name, as `serve-catalog --profile` and run.json give it. */
  profile: string;
  provider: ProviderName;
  collection: string;
  title: string;
  /** Asset key per ESA band; the optional bands may be absent from an item. */
  assets: Record<EsaBand, string>;
  optionalBands: readonly EsaBand[];
  /** The https hosts this collection's COGs are served from: the default, closed allow-list. */
  assetHosts: readonly string[];
  signing: SigningScheme;
  search: SearchDialect;
  radiometry: Radiometry;
  /** What the collection's item ids look like, for messages and tests (not enforced). */
  idPattern: RegExp;
}

const EARTH_SEARCH_KEYS: Record<EsaBand, string> = {
  B02: 'blue',
  B03: 'green',
  B04: 'red',
  B08: 'nir',
  B11: 'swir16',
  B12: 'swir22',
  SCL: 'scl',
};

const EARTH_SEARCH_DIALECT: SearchDialect = { cloudFilter: 'query' };

export const PROFILES: readonly CollectionProfile[] = [
  {
    profile: 'c1-l2a',
    provider: 'earth-search',
    collection: 'sentinel-2-c1-l2a',
    title: 'Earth Search v1, Sentinel-2 Collection-1 L2A',
    assets: EARTH_SEARCH_KEYS,
    optionalBands: ['B12'],
    // item-c1-l2a-S2B_T24MWV_20250731T130245_L2A.extracted.json: public COGs, no auth.
    assetHosts: ['e84-earth-search-sentinel-data.s3.us-west-2.amazonaws.com'],
    signing: 'none',
    search: EARTH_SEARCH_DIALECT,
    radiometry: { minimumBaseline: '05.00' },
    // {platform}_T{zone}{band}{square}_{datastrip sensing start}_L2A, e.g. S2B_T47RMJ_20240126T040101_L2A.
    idPattern: /^S2[A-D]_T\d{2}[C-HJ-NP-X][A-HJ-NP-Z]{2}_\d{8}T\d{6}_L2A$/,
  },
  {
    profile: 'l2a',
    provider: 'earth-search',
    collection: 'sentinel-2-l2a',
    title: 'Earth Search v1, Sentinel-2 L2A (legacy collection)',
    assets: EARTH_SEARCH_KEYS,
    optionalBands: ['B12'],
    // The COG keys; the `-jp2` twins are requester-pays s3:// and are never read.
    assetHosts: ['sentinel-cogs.s3.us-west-2.amazonaws.com', 'sentinel-cogs.s3.amazonaws.com'],
    signing: 'none',
    search: EARTH_SEARCH_DIALECT,
    // Items mix baselines 02.14 and 05.00+ for the same acquisition (`_0_` and `_1_` ids).
    radiometry: {},
    idPattern: /^S2[A-D]_\d{1,2}[C-HJ-NP-X][A-HJ-NP-Z]{2}_\d{8}_\d+_L2A$/,
  },
  {
    profile: 'pc',
    provider: 'planetary-computer',
    collection: 'sentinel-2-l2a',
    title: 'Microsoft Planetary Computer, Sentinel-2 L2A',
    assets: { B02: 'B02', B03: 'B03', B04: 'B04', B08: 'B08', B11: 'B11', B12: 'B12', SCL: 'SCL' },
    optionalBands: ['B12'],
    // collection-sentinel-2-l2a.json: msft:storage_account sentinel2l2a01, container sentinel2-l2.
    assetHosts: ['sentinel2l2a01.blob.core.windows.net'],
    signing: 'planetary-computer-sas',
    // landing.json declares filter and query; query is the one dialect both providers share.
    search: { cloudFilter: 'query' },
    // No raster:bands anywhere; 2020 items are still baseline 02.12 (ESRI processing).
    radiometry: {},
    // s2:product_uri without .SAFE and without the _Nxxxx baseline segment.
    idPattern: /^S2[A-D]_MSIL2A_\d{8}T\d{6}_R\d{3}_T\d{2}[A-Z]{3}_\d{8}T\d{6}$/,
  },
];

/** Providers minewatch knows of but cannot read yet, with the reason a user is told. */
export const NOT_YET: Readonly<Record<string, string>> = {
  cdse:
    'the Copernicus Data Space Ecosystem is not supported yet: its L2A assets are JPEG 2000 files ' +
    '(not COGs) behind S3 SigV4 keys or an OIDC login (see ../shared/data/STAC-PROVIDERS.md §1, §6)',
};

/** Hosts of the providers' STAC APIs, for recognising `--stac`. */
const STAC_HOSTS: Readonly<Record<string, ProviderName>> = {
  'earth-search.aws.element84.com': 'earth-search',
  'planetarycomputer.microsoft.com': 'planetary-computer',
};
const NOT_YET_HOSTS: Readonly<Record<string, string>> = {
  'stac.dataspace.copernicus.eu': 'cdse',
};

export const DEFAULT_COLLECTION: Readonly<Record<ProviderName, string>> = {
  'earth-search': 'sentinel-2-c1-l2a',
  'planetary-computer': 'sentinel-2-l2a',
};

/** The provider a `--stac` URL belongs to: by host; Earth Search's shape for any other host. */
export function providerForStac(stac: URL): ProviderName {
  const host = stac.hostname.toLowerCase();
  const notYet = NOT_YET_HOSTS[host];
  if (notYet) throw new InvalidInputError(`--stac ${stac.href}: ${NOT_YET[notYet]}`);
  return STAC_HOSTS[host] ?? 'earth-search';
}

export function parseProviderName(value: string): ProviderName {
  const v = value.trim().toLowerCase();
  const notYet = NOT_YET[v];
  if (notYet) throw new InvalidInputError(`--provider ${value}: ${notYet}`);
  const name = PROVIDER_NAMES.find((p) => p === v);
  if (!name) {
    throw new InvalidInputError(
      `--provider ${JSON.stringify(value)}: expected ${PROVIDER_NAMES.join(' or ')}`,
    );
  }
  return name;
}

/** A profile by its short name (`c1-l2a`, `l2a`, `pc`). */
export function profileByName(name: string): CollectionProfile {
  const p = PROFILES.find((x) => x.profile === name);
  if (!p) {
    throw new InvalidInputError(
      `profile ${JSON.stringify(name)}: expected one of ${PROFILES.map((x) => x.profile).join(', ')}`,
    );
  }
  return p;
}

/**
 * The profile of a (provider, collection). A collection the table does not list (a custom
 * catalogue's) gets the provider's default profile under its own id: same asset keys and dialect.
 */
export function resolveProfile(provider: ProviderName, collection?: string): CollectionProfile {
  const id = collection ?? DEFAULT_COLLECTION[provider];
  const known = PROFILES.find((p) => p.provider === provider && p.collection === id);
  if (known) return known;
  const base = PROFILES.find(
    (p) => p.provider === provider && p.collection === DEFAULT_COLLECTION[provider],
  ) as CollectionProfile;
  return { ...base, collection: id, profile: `${base.profile}(${id})` };
}

/** Asset key -> ESA band, for reading an item under a profile. */
export function bandOfAsset(profile: CollectionProfile): Map<string, EsaBand> {
  return new Map(ESA_BANDS.map((b) => [profile.assets[b], b]));
}

/** What a scan reads with: the provider, the collection searched and its profile. */
export interface CatalogueChoice {
  provider: ProviderName;
  /** Undefined only for a local catalogue file scanned without `--collection` (all it holds). */
  collection: string | undefined;
  profile: CollectionProfile;
}

/**
 * `--stac`, `--provider` and `--collection` to a choice. `stacApi` is the API root, or undefined for a
 * local catalogue file (Earth Search's shape; its collection filter only when one is named).
 */
export function chooseCatalogue(
  stacApi: URL | undefined,
  provider?: string,
  collection?: string,
): CatalogueChoice {
  const name =
    provider !== undefined
      ? parseProviderName(provider)
      : stacApi
        ? providerForStac(stacApi)
        : 'earth-search';
  const id = collection ?? (stacApi ? DEFAULT_COLLECTION[name] : undefined);
  return { provider: name, collection: id, profile: resolveProfile(name, id) };
}
