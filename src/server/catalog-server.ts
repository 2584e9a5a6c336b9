/**
 * A local STAC API and asset server that looks to a client like Earth Search v1
 * (https://earth-search.aws.element84.com/v1), serving a generated world folder on 127.0.0.1.
 *
 * API (under `basePath`, e.g. `/v1`): landing page, `/conformance`, `/collections`,
 * `/collections/{id}`, `/collections/{id}/items`, `/collections/{id}/items/{itemId}`, GET|POST `/search`.
 * Assets (outside `basePath`): GET|HEAD `/assets/...` with single byte ranges (see range.ts).
 * Response shapes, error bodies and paging imitate the recorded responses in
 * shared/data/stac-earth-search-responses; see search.ts for ordering and paging.
 */
import { isLoopbackHostHeader } from './host-guard.js';
import { isLoopbackHost } from '../io/loopback.js';
import { realpath } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveAsset } from './asset-path.js';
import { ApiError, BadRequestError, NotFoundError } from './errors.js';
import {
  noFaults,
  type FaultContext,
  type FaultDecision,
  type FaultInjector,
  type RequestKind,
} from './faults.js';
import { sendFile, type AssetTweaks } from './range.js';
import { ItemIndex, type ItemsPage, type PagingOptions } from './search.js';
import type { RawParams } from './search-params.js';
import type { StacCollection, StacLink } from './stac-types.js';
import { bump, createStats, type ServerStats } from './stats.js';
import type { CatalogFolder } from './catalog-folder.js';
import {
  loadCatalogFolder,
  publishCollection,
  publishItem,
  catalogFolderPaths,
  type PublishContext,
} from './catalog-folder.js';
import { shapeWorld, type ServerProfile } from './provider-shapes.js';
import { SasTokens } from './sas-tokens.js';

export type { ServerStats } from './stats.js';
export type { FaultInjector } from './faults.js';

export interface CatalogServerOptions {
  /** World folder: `stac/items.json`, `stac/collection.json`, `assets/`. */
  root: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Prefix of the STAC API, e.g. `/v1`; default '' (API at `/`). Assets are always at `/assets/`. */
  basePath?: string;
  /** Page size when the client sends no `limit`; default 10, like Earth Search. */
  defaultLimit?: number;
  /** Larger limits are clamped to this (stac-server clamps too); default 1000. */
  maxLimit?: number;
  /** Delay added before answering every request, for benchmarks; default 0. */
  latencyMs?: number;
  /** Fault-injection hook; default: no faults. */
  faults?: FaultInjector;
  /** Offer `next` on the last non-empty page, as Earth Search does (default true); see search.ts. */
  trailingEmptyPage?: boolean;
  /** Largest POST body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Which real provider's shape to serve (provider-shapes.ts); default `l2a`. `c1-l2a` serves the
   * assets from a second port (a host of their own, as on the real service); `pc` puts the API at
   * `/api/stac/v1` (unless `basePath` says otherwise), answers `/api/sas/v1/token/<collection>` and
   * refuses blobs without a valid, unexpired token.
   */
  profile?: ServerProfile;
  /** `pc`: token lifetime stated as `msft:expiry`; default 1 h. */
  tokenLifetimeMs?: number;
  /** `pc`: a token stops working after this many blob requests (expiry the client cannot see); default none. */
  tokenMaxUses?: number;
}

export interface CatalogServer {
  /** STAC API root, e.g. `http://127.0.0.1:PORT/v1`, or `http://127.0.0.1:PORT/` without a basePath. */
  url: URL;
  /** Base of asset URLs: `http://127.0.0.1:PORT/assets/` (c1-l2a: the second port). */
  assetsUrl: URL;
  profile: ServerProfile;
  /** `pc`: tokens issued and blob requests refused for want of a valid one. */
  tokens: { issued: number; refused: number; values: string[] };
  stats: ServerStats;
  /** Replaces the fault injector (tests switch faults on and off between runs). */
  setFaults(faults: FaultInjector): void;
  /** Re-reads the world's STAC files; the old catalogue stays in service if the new one is invalid. */
  reload(): Promise<void>;
  /** Stops listening and closes every connection, idle, active or stalled. */
  close(): Promise<void>;
}

const STAC_VERSION = '1.0.0';
const JSON_TYPE = 'application/json; charset=utf-8';
const GEOJSON_TYPE = 'application/geo+json; charset=utf-8';

/** What this server implements, in Earth Search's vocabulary (fields and aggregation are not). */
export const CONFORMS_TO = [
  'https://api.stacspec.org/v1.0.0/core',
  'https://api.stacspec.org/v1.0.0/collections',
  'https://api.stacspec.org/v1.0.0/ogcapi-features',
  'https://api.stacspec.org/v1.0.0/item-search',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#sort',
  'https://api.stacspec.org/v1.0.0/ogcapi-features#query',
  'https://api.stacspec.org/v1.0.0/item-search#sort',
  'https://api.stacspec.org/v1.0.0/item-search#query',
  'https://api.stacspec.org/v1.0.0/item-search#filter',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
];

interface Catalogue {
  collections: Map<string, StacCollection>;
  index: ItemIndex;
}

interface Route {
  kind: RequestKind;
  collectionId?: string;
  itemId?: string;
}

function normaliseBasePath(basePath: string | undefined): string {
  const trimmed = (basePath ?? '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Classifies a raw request path; `undefined` segments (bad percent-encoding) route to `other`. */
function route(rawPath: string, basePath: string): Route {
  if (rawPath.startsWith('/assets/')) return { kind: 'asset' };
  let sub: string;
  if (basePath === '') sub = rawPath;
  else if (rawPath === basePath || rawPath.startsWith(`${basePath}/`)) sub = rawPath.slice(basePath.length);
  else return { kind: 'other' };
  if (sub.length > 1 && sub.endsWith('/')) sub = sub.slice(0, -1);
  if (sub === '' || sub === '/') return { kind: 'landing' };
  let parts: string[];
  try {
    parts = sub.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return { kind: 'other' };
  }
  const [first, id, third, itemId, ...rest] = parts;
  if (rest.length > 0) return { kind: 'other' };
  if (first === 'conformance' && parts.length === 1) return { kind: 'conformance' };
  if (first === 'search' && parts.length === 1) return { kind: 'search' };
  if (first === 'collections') {
    if (parts.length === 1) return { kind: 'collections' };
    if (parts.length === 2) return { kind: 'collection', collectionId: id };
    if (third === 'items' && parts.length === 3) return { kind: 'items', collectionId: id };
    if (third === 'items' && parts.length === 4) return { kind: 'item', collectionId: id, itemId };
  }
  return { kind: 'other' };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

class MethodNotAllowedError extends ApiError {
  constructor(
    method: string,
    readonly allow: string,
  ) {
    super(405, 'MethodNotAllowed', `Method ${method} not allowed`);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError(413, 'PayloadTooLarge', `Request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function queryToParams(query: URLSearchParams): RawParams {
  const out: RawParams = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

/** Starts the server; resolves once it listens. Fails first if the world's STAC files are invalid. */
/** An object store's XML error answer (S3's, Azure's), with its length. */
function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export async function startCatalogServer(opts: CatalogServerOptions): Promise<CatalogServer> {
  const paths = catalogFolderPaths(opts.root);
  const host = opts.host ?? '127.0.0.1';
  const profile = opts.profile ?? 'l2a';
  const basePath = normaliseBasePath(opts.basePath ?? (profile === 'pc' ? '/api/stac/v1' : undefined));
  const sas =
    profile === 'pc' ? new SasTokens(opts.tokenLifetimeMs ?? 3_600_000, opts.tokenMaxUses) : undefined;
  const loopbackBind = isLoopbackHost(host);
  const paging: PagingOptions = {
    defaultLimit: opts.defaultLimit ?? 10,
    maxLimit: opts.maxLimit ?? 1000,
    trailingEmptyPage: opts.trailingEmptyPage ?? true,
  };
  const latencyMs = opts.latencyMs ?? 0;
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  let faults = opts.faults ?? noFaults;
  const stats = createStats();
  const world = shapeWorld(await loadCatalogFolder(paths), profile);
  const assetsRoot = await realpath(paths.assetsDir).catch(() => paths.assetsDir);

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${formatHost(host)}:${port}`;
  // Collection 1's COGs live on a bucket host of their own: here a second port, assets only.
  const assetServer = profile === 'c1-l2a' ? http.createServer() : undefined;
  if (assetServer) {
    await new Promise<void>((resolve, reject) => {
      assetServer.once('error', reject);
      assetServer.listen(0, host, () => {
        assetServer.off('error', reject);
        resolve();
      });
    });
  }
  const assetOrigin = assetServer
    ? `http://${formatHost(host)}:${(assetServer.address() as AddressInfo).port}`
    : origin;
  const apiRoot = `${origin}${basePath}`;
  const rootHref = basePath === '' ? `${origin}/` : apiRoot;
  const searchHref = `${apiRoot}/search`;
  const publishCtx: PublishContext = {
    apiRoot,
    rootHref,
    assetsBase: new URL('/assets/', assetOrigin),
    paths,
  };

  const publish = (w: CatalogFolder): Catalogue => ({
    collections: new Map(w.collections.map((c) => [c.id, publishCollection(c, publishCtx)])),
    index: new ItemIndex(w.items.map((i) => publishItem(i, publishCtx))),
  });
  let catalogue = publish(world);

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    contentType: string,
    transform?: (b: Record<string, unknown>) => unknown,
  ): void => {
    const final =
      transform && typeof body === 'object' && body !== null
        ? transform(structuredClone(body) as Record<string, unknown>) // faults never edit the catalogue
        : body;
    const text = typeof final === 'string' ? final : JSON.stringify(final);
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': String(Buffer.byteLength(text)),
      'Access-Control-Allow-Origin': '*',
    });
    res.end(text);
  };

  const landing = (cat: Catalogue): Record<string, unknown> => ({
    stac_version: STAC_VERSION,
    type: 'Catalog',
    id: 'minewatch-local-stac',
    title: 'minewatch local STAC API',
    description: 'A local imitation of Earth Search v1 serving a generated world',
    links: [
      { rel: 'self', type: 'application/json', href: rootHref },
      { rel: 'root', type: 'application/json', href: rootHref },
      { rel: 'conformance', type: 'application/json', href: `${apiRoot}/conformance` },
      { rel: 'data', type: 'application/json', href: `${apiRoot}/collections` },
      { rel: 'search', type: 'application/geo+json', href: searchHref, method: 'GET' },
      { rel: 'search', type: 'application/geo+json', href: searchHref, method: 'POST' },
      ...[...cat.collections.keys()].map((id) => ({
        rel: 'child',
        type: 'application/geo+json',
        href: `${apiRoot}/collections/${encodeURIComponent(id)}`,
      })),
    ],
    conformsTo: CONFORMS_TO,
  });

  const itemsResponse = (page: ItemsPage, links: StacLink[]): Record<string, unknown> => ({
    type: 'FeatureCollection',
    stac_version: STAC_VERSION,
    stac_extensions: [],
    context: { limit: page.limit, matched: page.matched, returned: page.features.length },
    numberMatched: page.matched,
    numberReturned: page.features.length,
    features: page.features,
    links,
  });

  const nextLink = (href: string, method: string, token: string): StacLink =>
    method === 'POST'
      ? {
          rel: 'next',
          title: 'Next page of Items',
          method: 'POST',
          type: 'application/geo+json',
          href,
          merge: false,
          body: { next: token },
        }
      : {
          rel: 'next',
          title: 'Next page of Items',
          method: 'GET',
          type: 'application/geo+json',
          href: `${href}?next=${encodeURIComponent(token)}`,
        };

  const rootLink: StacLink = { rel: 'root', type: 'application/json', href: rootHref };

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    r: Route,
    query: URLSearchParams,
    transform?: (b: Record<string, unknown>) => unknown,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const cat = catalogue;
    const isRead = method === 'GET' || method === 'HEAD';
    if (r.kind === 'other') throw new NotFoundError();
    if (r.kind === 'search') {
      if (!isRead && method !== 'POST') throw new MethodNotAllowedError(method, 'GET, HEAD, POST');
    } else if (!isRead) {
      throw new MethodNotAllowedError(method, 'GET, HEAD');
    }
    switch (r.kind) {
      case 'landing':
        return sendJson(res, 200, landing(cat), JSON_TYPE, transform);
      case 'conformance':
        return sendJson(res, 200, { conformsTo: CONFORMS_TO }, JSON_TYPE, transform);
      case 'collections': {
        const collections = [...cat.collections.values()];
        const body = {
          collections,
          links: [
            { rel: 'self', type: 'application/json', href: `${apiRoot}/collections`, title: 'Collections' },
            { ...rootLink, title: 'Root Catalog' },
          ],
          context: { page: 1, limit: 100, matched: collections.length, returned: collections.length },
        };
        return sendJson(res, 200, body, JSON_TYPE, transform);
      }
      case 'collection': {
        const c = cat.collections.get(r.collectionId ?? '');
        if (!c) throw new NotFoundError();
        return sendJson(res, 200, c, JSON_TYPE, transform);
      }
      case 'item': {
        if (!cat.collections.has(r.collectionId ?? '')) throw new NotFoundError();
        const item = cat.index.getItem(r.collectionId ?? '', r.itemId ?? '');
        if (!item) throw new NotFoundError();
        return sendJson(res, 200, item, GEOJSON_TYPE, transform);
      }
      case 'items':
      case 'search': {
        stats.searchRequests++;
        let params: RawParams;
        if (method === 'POST') {
          const text = await readBody(req, maxBodyBytes);
          let parsed: unknown = {};
          if (text.trim() !== '') {
            try {
              parsed = JSON.parse(text);
            } catch {
              throw new BadRequestError('Invalid JSON body');
            }
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            throw new BadRequestError('Request body must be a JSON object');
          }
          params = parsed as RawParams;
        } else {
          params = queryToParams(query);
        }
        let links: StacLink[];
        let page: ItemsPage;
        if (r.kind === 'items') {
          const id = r.collectionId ?? '';
          if (!cat.collections.has(id)) throw new NotFoundError();
          page = cat.index.search(params, paging, id);
          const itemsHref = `${apiRoot}/collections/${encodeURIComponent(id)}/items`;
          links = [
            ...(page.next ? [nextLink(itemsHref, 'GET', page.next)] : []),
            rootLink,
            { rel: 'self', type: 'application/geo+json', href: itemsHref },
            {
              rel: 'collection',
              type: 'application/json',
              href: `${apiRoot}/collections/${encodeURIComponent(id)}`,
            },
          ];
        } else {
          page = cat.index.search(params, paging);
          links = [
            ...(page.next ? [nextLink(searchHref, method === 'POST' ? 'POST' : 'GET', page.next)] : []),
            rootLink,
          ];
        }
        stats.itemsReturned += page.features.length;
        return sendJson(res, 200, itemsResponse(page, links), GEOJSON_TYPE, transform);
      }
      default:
        throw new NotFoundError();
    }
  }

  async function handleAsset(
    req: IncomingMessage,
    res: ServerResponse,
    rawPath: string,
    query: string,
    tweaks: AssetTweaks | undefined,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    stats.assetRequests++;
    if (req.headers.range !== undefined) stats.rangeRequests++;
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' });
      res.end();
      return;
    }
    if (sas && !sas.admits(new URLSearchParams(query))) {
      // Azure's answer to a blob read without a valid SAS.
      const body =
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>' +
        '<Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>';
      sendXml(res, 403, body);
      return;
    }
    const file = await resolveAsset(assetsRoot, rawPath.slice('/assets/'.length));
    if (!file) {
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>' +
        '<Message>The specified key does not exist.</Message></Error>';
      sendXml(res, 404, body);
      return;
    }
    await sendFile(req, res, file, tweaks, (n) => {
      stats.bytesServed += n;
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, assetsOnly = false): Promise<void> {
    const seq = ++stats.requests;
    res.on('close', () => {
      if (res.headersSent) bump(stats.byStatus, res.statusCode);
    });
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    const method = req.method ?? 'GET';
    // DNS rebinding (host-guard.ts): bound to loopback, only this machine's names are answered.
    if (loopbackBind && !isLoopbackHostHeader(req.headers.host)) {
      res
        .writeHead(421, { 'Content-Type': 'text/plain' })
        .end('misdirected request: use the loopback address\n');
      return;
    }
    let r = route(rawPath.startsWith('/') ? rawPath : '/', basePath);
    if (assetsOnly && r.kind !== 'asset') r = { kind: 'other' };
    if (sas && !assetsOnly && rawPath.startsWith('/api/sas/v1/token/')) {
      stats.tokenRequests = (stats.tokenRequests ?? 0) + 1;
      sendJson(res, 200, sas.issue(), JSON_TYPE);
      return;
    }
    const nth = bump(stats.byPath, rawPath);
    const nthOfKind = bump(stats.byKind, r.kind);

    if (latencyMs > 0) await delay(latencyMs);

    const ctx: FaultContext = { req, res, method, rawPath, query, kind: r.kind, nth, nthOfKind, seq };
    const decision: FaultDecision = await faults.onRequest(ctx);
    if (decision?.action === 'handled') return;
    let effectivePath = rawPath;
    if (decision?.rewritePath) {
      effectivePath = decision.rewritePath;
      r = route(effectivePath, basePath);
    }
    const transform = decision?.transformJson
      ? (b: Record<string, unknown>): unknown => decision.transformJson?.(b, ctx)
      : undefined;

    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, Range, If-Match, If-None-Match, If-Range',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    if (r.kind === 'asset') {
      await handleAsset(req, res, effectivePath, q >= 0 ? rawUrl.slice(q + 1) : '', decision?.assetTweaks);
      return;
    }
    await handleApi(req, res, r, query, transform);
  }

  const onRequest = (assetsOnly: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, assetsOnly).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiErr =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'InternalServerError', err instanceof Error ? err.message : String(err));
      const body = JSON.stringify(apiErr.toBody());
      const headers: Record<string, string> = {
        'Content-Type': JSON_TYPE,
        'Content-Length': String(Buffer.byteLength(body)),
        'Access-Control-Allow-Origin': '*',
      };
      if (err instanceof MethodNotAllowedError) headers['Allow'] = err.allow;
      res.writeHead(apiErr.status, headers);
      res.end(body);
    });
  };
  server.on('request', onRequest(false));
  assetServer?.on('request', onRequest(true));

  return {
    url: new URL(rootHref),
    assetsUrl: new URL('/assets/', assetOrigin),
    profile,
    get tokens() {
      return { issued: sas?.issued.length ?? 0, refused: sas?.refusals ?? 0, values: sas?.issued ?? [] };
    },
    stats,
    setFaults(next: FaultInjector) {
      faults = next;
    },
    async reload() {
      catalogue = publish(shapeWorld(await loadCatalogFolder(paths), profile));
    },
    async close() {
      const stop = (s: http.Server): Promise<void> =>
        new Promise<void>((resolve, reject) => {
          s.close((err) => (err ? reject(err) : resolve()));
          s.closeAllConnections();
        });
      await Promise.all([stop(server), ...(assetServer ? [stop(assetServer)] : [])]);
    },
  };
}
