/**
 * Planetary Computer SAS tokens: every blob needs one, and they are anonymous. The flow is the one of
 * PC's own SDK (planetary_computer/sas.py) and the recorded replies in
 * ../shared/data/stac-planetary-computer-responses (sas-token-sentinel2l2a01-sentinel2-l2.json,
 * signed-blob-HEAD.txt):
 *  - GET `<origin of --stac>/api/sas/v1/token/<collection>` -> `{"msft:expiry": RFC 3339, "token": "st=...&sig=..."}`;
 *  - signed URL = href + "?" + token, the token as returned (still percent-encoded);
 *  - one token per collection, kept until 60 s before `msft:expiry` (lifetimes vary, 45 min to 8 h:
 *    microsoft/PlanetaryComputer#415), and dropped when a blob answers 403 with it;
 *  - only blob hosts are signed (and the STAC origin itself, where a local imitation serves its
 *    blobs), never a URL that already carries a SAS (`se`/`sig`), so a token never travels to a host
 *    that did not ask for it.
 * The token is a credential: nothing here logs it, and errors name the token URL, not the token.
 */
import { StacUnavailableError } from '../errors.js';
import type { SignedUrl, UrlSigner } from '../io/url-signer.js';
import type { JsonFetcher } from './json-fetcher.js';

/** Refresh this long before `msft:expiry`, as the SDK does. */
export const EXPIRY_MARGIN_MS = 60_000;
/** Hosts under this suffix are Azure blob storage; thumbnails on the public-assets account need no SAS. */
const BLOB_SUFFIX = '.blob.core.windows.net';
const UNSIGNED_BLOB_HOSTS = new Set(['ai4edatasetspublicassets.blob.core.windows.net']);
/** A token is a query string: no spaces, no fragment, and it must carry a signature. */
const TOKEN_SHAPE = /^[A-Za-z0-9%=&._~:/+-]+$/;

export interface SasSignerOptions {
  /** The `--stac` API root; tokens come from its origin. */
  stac: URL;
  collection: string;
  /** The JSON client (its allow policy admits the STAC origin). */
  fetcher: JsonFetcher;
  now?: () => number;
}

interface Cached {
  token: string;
  expiresAt: number;
  generation: number;
}

export class PlanetaryComputerSigner implements UrlSigner {
  /** Tokens fetched, for run.json and tests. */
  tokenRequests = 0;
  private cached: Cached | undefined;
  private pending: Promise<Cached> | undefined;
  private generation = 0;
  private readonly tokenUrl: URL;
  private readonly now: () => number;

  constructor(private readonly o: SasSignerOptions) {
    this.tokenUrl = new URL(`/api/sas/v1/token/${encodeURIComponent(o.collection)}`, o.stac.origin);
    this.now = o.now ?? Date.now;
  }

  /** Whether a URL gets a token: blob hosts and the STAC origin, unless already signed. */
  needsToken(url: URL): boolean {
    if (url.searchParams.has('se') || url.searchParams.has('sig')) return false;
    const host = url.hostname.toLowerCase();
    if (url.origin === this.o.stac.origin) return true;
    return url.protocol === 'https:' && host.endsWith(BLOB_SUFFIX) && !UNSIGNED_BLOB_HOSTS.has(host);
  }

  async sign(url: URL, signal?: AbortSignal): Promise<SignedUrl> {
    if (!this.needsToken(url)) return { url, generation: -1 };
    const t = await this.token(signal);
    return { url: new URL(`${url.href}${url.search ? '&' : '?'}${t.token}`), generation: t.generation };
  }

  refused(signed: SignedUrl): void {
    if (this.cached?.generation === signed.generation) this.cached = undefined;
  }

  private async token(signal?: AbortSignal): Promise<Cached> {
    const c = this.cached;
    if (c && this.now() < c.expiresAt - EXPIRY_MARGIN_MS) return c;
    // One request however many blobs wait for it.
    this.pending ??= this.fetchToken(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(signal?: AbortSignal): Promise<Cached> {
    this.tokenRequests++;
    const doc = await this.o.fetcher.getJson(this.tokenUrl, {
      method: 'GET',
      ...(signal ? { signal } : {}),
    });
    const bad = (why: string): StacUnavailableError =>
      new StacUnavailableError(`bad SAS token response from GET ${this.tokenUrl.href}: ${why}`);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a JSON object');
    const token = (doc as Record<string, unknown>)['token'];
    const expiry = (doc as Record<string, unknown>)['msft:expiry'];
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token) || !/(^|&)sig=/.test(token)) {
      throw bad('"token" is missing or not a SAS query string');
    }
    const expiresAt = typeof expiry === 'string' ? Date.parse(expiry) : NaN;
    if (!Number.isFinite(expiresAt)) throw bad(`"msft:expiry" ${JSON.stringify(expiry)} is not a date-time`);
    if (expiresAt <= this.now()) throw bad(`the token expired already (${String(expiry)})`);
    const fresh: Cached = { token, expiresAt, generation: ++this.generation };
    this.cached = fresh;
    return fresh;
  }
}
