/**
 * STAC API Item Search, paged, for Earth Search v1 and any API of the same shape. No well-kept
 * JavaScript STAC client exists, so this is ours; it follows pystac-client's behaviour where the spec is
 * loose, and guards against what bit it (RELIABILITY.md §2.3):
 * - a response without a `features` array, or not JSON, is "bad STAC response", never "0 items" (A3);
 * - a `next` link that repeats an earlier request is a paging loop, and pages are capped (A4, A5);
 * - a server that ignores a parameter is caught by re-applying the filters client-side.
 * It returns raw items; parsing, de-duplication and harmonisation are the caller's next steps.
 */
import { StacUnavailableError } from '../errors.js';
import { datetimeParam, rawItemMatches, type SearchFilters } from './filters.js';
import type { JsonFetcher, JsonRequestInit } from './json-fetcher.js';

export interface StacSearchParams extends SearchFilters {
  /** STAC API root (landing page), e.g. https://earth-search.aws.element84.com/v1 */
  root: URL;
  /** The search endpoint, when already known (skips the landing page). */
  search?: StacSearchEndpoint;
  /** Page size asked for; default 100. */
  limit?: number;
  /** Default POST (bodies carry `intersects` without URL-length limits). */
  method?: 'GET' | 'POST';
  /** More pages than this is an error, not a silent truncation; default 200. */
  maxPages?: number;
}

export interface StacSearchEndpoint {
  url: URL;
  /** The API declares the `query` extension, so `eo:cloud_cover` can be filtered server-side. */
  query: boolean;
}

export interface StacSearchResult {
  /** Raw items that pass the filters, in server order. */
  items: unknown[];
  pages: number;
  /** Requests this search made (the landing page included). */
  requests: number;
  /** Items the server returned that the client-side filters removed (a server ignoring a parameter). */
  filteredOut: number;
  /** `numberMatched` of the first page, when the server gives it. */
  matched?: number;
}

export const DEFAULT_LIMIT = 100;
export const DEFAULT_MAX_PAGES = 200;
/** A next link longer than this (href + body) is "growing" (pystac-client #850). */
const MAX_REQUEST_CHARS = 64 * 1024;

type Json = Record<string, unknown>;

function asObject(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (err instanceof Error && err.name === 'AbortError');
}

function detailOf(err: unknown): string {
  const d = (err as { detail?: unknown } | null)?.detail;
  if (typeof d === 'string') return d;
  return err instanceof Error ? err.message : String(err);
}

/** One request; every failure becomes a `StacUnavailableError` naming the URL, except an abort. */
async function request(
  fetcher: JsonFetcher,
  url: URL,
  init: JsonRequestInit,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const what = `${init.method ?? 'GET'} ${url.href}`;
  try {
    return await fetcher.getJson(url, { ...init, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (isAbort(err, signal)) throw err;
    const kind = (err as { kind?: unknown } | null)?.kind;
    if (kind === 'not-json' || kind === 'too-large' || err instanceof SyntaxError) {
      throw new StacUnavailableError(`bad STAC response from ${what}: ${detailOf(err)}`, { cause: err });
    }
    throw new StacUnavailableError(`STAC API unavailable: ${what}: ${detailOf(err)}`, { cause: err });
  }
}

function httpUrl(href: unknown, base: URL, what: string): URL {
  let url: URL | undefined;
  if (typeof href === 'string') {
    try {
      url = new URL(href, base);
    } catch {
      url = undefined;
    }
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new StacUnavailableError(
      `bad STAC response from ${base.href}: ${what} ${JSON.stringify(href)} is not an http(s) URL`,
    );
  }
  return url;
}

/** A link's `method`, upper case; GET when absent (STAC API default). */
function methodOf(link: Json): string {
  const m = link['method'];
  return typeof m === 'string' ? m.toUpperCase() : m === undefined ? 'GET' : JSON.stringify(m);
}

function links(doc: Json): Json[] {
  const l = doc['links'];
  return Array.isArray(l) ? l.map(asObject).filter((x): x is Json => x !== undefined) : [];
}

/** `<root>/search`, keeping the root's path (`/v1` + `/search`, not `/search`). */
function defaultSearchUrl(root: URL): URL {
  const url = new URL(root.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/search`;
  url.search = '';
  url.hash = '';
  return url;
}

/** Reads the landing page for the `search` link (preferring one for `method`) and the query extension. */
export async function resolveSearch(
  root: URL,
  fetcher: JsonFetcher,
  method: 'GET' | 'POST' = 'POST',
  signal?: AbortSignal,
): Promise<StacSearchEndpoint> {
  const landing = asObject(await request(fetcher, root, { method: 'GET' }, signal));
  if (!landing)
    throw new StacUnavailableError(
      `bad STAC response from GET ${root.href}: the landing page is not a JSON object`,
    );
  const search = links(landing).filter((l) => l['rel'] === 'search');
  const link = search.find((l) => methodOf(l) === method) ?? search[0];
  const url = link ? httpUrl(link['href'], root, 'search link') : defaultSearchUrl(root);
  const conforms = landing['conformsTo'];
  const query =
    Array.isArray(conforms) && conforms.some((c) => typeof c === 'string' && /item-search#query$/.test(c));
  return { url, query };
}

interface PageRequest {
  method: 'GET' | 'POST';
  url: URL;
  body?: Json;
}

function firstRequest(
  p: StacSearchParams,
  endpoint: StacSearchEndpoint,
  method: 'GET' | 'POST',
): PageRequest {
  const limit = p.limit ?? DEFAULT_LIMIT;
  const query =
    endpoint.query && p.maxCloud !== undefined ? { 'eo:cloud_cover': { lte: p.maxCloud } } : undefined;
  const datetime = datetimeParam(p.datetime);
  if (method === 'POST') {
    const body: Json = { collections: p.collections, datetime, limit };
    if (p.intersects) body['intersects'] = p.intersects;
    else if (p.bbox) body['bbox'] = p.bbox;
    if (query) body['query'] = query;
    return { method, url: endpoint.url, body };
  }
  const url = new URL(endpoint.url.href);
  url.searchParams.set('collections', p.collections.join(','));
  url.searchParams.set('datetime', datetime);
  url.searchParams.set('limit', String(limit));
  if (p.intersects) url.searchParams.set('intersects', JSON.stringify(p.intersects));
  else if (p.bbox) url.searchParams.set('bbox', p.bbox.join(','));
  if (query) url.searchParams.set('query', JSON.stringify(query));
  return { method, url };
}

/** JSON with sorted keys, so two equal bodies compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = asObject(v);
  if (!o) return JSON.stringify(v) ?? 'null';
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

function requestKey(r: PageRequest): string {
  return `${r.method} ${r.url.href} ${r.body === undefined ? '' : canonical(r.body)}`;
}

/** The request a `next` link asks for (STAC API: GET by default; POST with `body`, merged if `merge`). */
function nextRequest(link: Json, prev: PageRequest, page: number): PageRequest {
  const method = methodOf(link);
  const url = httpUrl(link['href'], prev.url, `next link of page ${page}`);
  if (method === 'GET') return { method, url };
  if (method !== 'POST') {
    throw new StacUnavailableError(
      `bad STAC response from ${prev.url.href}: next link of page ${page} has method ${method}`,
    );
  }
  const body = link['body'];
  if (body === undefined) return { method, url, body: prev.body ?? {} };
  const obj = asObject(body);
  if (!obj)
    throw new StacUnavailableError(
      `bad STAC response from ${prev.url.href}: next link of page ${page} has a body that is not an object`,
    );
  return { method, url, body: link['merge'] === true ? { ...(prev.body ?? {}), ...obj } : obj };
}

/** Runs one search through every page. Throws `StacUnavailableError` (naming the URL) on any failure. */
export async function searchStac(
  params: StacSearchParams,
  fetcher: JsonFetcher,
  signal?: AbortSignal,
): Promise<StacSearchResult> {
  const method = params.method ?? 'POST';
  const maxPages = params.maxPages ?? DEFAULT_MAX_PAGES;
  let requests = 0;
  let endpoint = params.search;
  if (!endpoint) {
    endpoint = await resolveSearch(params.root, fetcher, method, signal);
    requests++;
  }
  const items: unknown[] = [];
  let filteredOut = 0;
  let matched: number | undefined;
  const receivedIds = new Set<string>();
  let unnamed = 0;
  const seen = new Set<string>();
  let req: PageRequest | undefined = firstRequest(params, endpoint, method);
  let pages = 0;
  while (req) {
    signal?.throwIfAborted();
    seen.add(requestKey(req));
    const init: JsonRequestInit =
      req.body === undefined ? { method: req.method } : { method: req.method, body: req.body };
    const doc = asObject(await request(fetcher, req.url, init, signal));
    requests++;
    pages++;
    const features = doc?.['features'];
    if (!doc || !Array.isArray(features)) {
      throw new StacUnavailableError(
        `bad STAC response from ${req.method} ${req.url.href}: no "features" array (page ${pages})`,
      );
    }
    if (pages === 1 && typeof doc['numberMatched'] === 'number') matched = doc['numberMatched'];
    for (const f of features) {
      // Distinct ids: a server that repeats items across pages has not completed its count yet.
      const id = asObject(f)?.['id'];
      if (typeof id === 'string') receivedIds.add(id);
      else unnamed++;
      if (rawItemMatches(f, params)) items.push(f);
      else filteredOut++;
    }
    const next = links(doc).find((l) => l['rel'] === 'next');
    if (!next) break;
    // A page that completes the count the server matched ends the search: the `next` link an
    // API such as Earth Search still gives there leads to an empty page, one round trip for
    // nothing. Only an exact match of distinct items stops it (more than matched: the count is
    // wrong, and the links are followed), and only while every page repeats the first page's count.
    if (matched !== undefined && receivedIds.size + unnamed === matched && doc['numberMatched'] === matched)
      break;
    const following = nextRequest(next, req, pages);
    if (seen.has(requestKey(following))) {
      throw new StacUnavailableError(
        `paging loop at page ${pages}: the next link repeats an earlier request (${following.method} ${following.url.href})`,
      );
    }
    if (requestKey(following).length > MAX_REQUEST_CHARS) {
      throw new StacUnavailableError(
        `bad STAC response from ${req.url.href}: the next link of page ${pages} is over ${MAX_REQUEST_CHARS} characters`,
      );
    }
    if (pages >= maxPages) {
      throw new StacUnavailableError(
        `STAC search at ${endpoint.url.href} has more than ${maxPages} pages; narrow the search (area, dates) or raise the page cap`,
      );
    }
    req = following;
  }
  return { items, pages, requests, filteredOut, ...(matched !== undefined ? { matched } : {}) };
}
