/**
 * Our HTTP client on Node's global fetch (undici): byte ranges for COG reads and JSON for the STAC
 * client. It exists because geotiff.js trusts whatever a server sends (RELIABILITY.md §0.2-0.3):
 * here every 206 is checked against the request, every failure is a typed `HttpError` that says
 * whether it is worth retrying, retries are bounded per request and per client, and every request
 * and redirect hop passes the `allow` hook first.
 */
import { HttpError } from './http-errors.js';
import { HttpTransport, type Attempt, type HttpClientOptions, type HttpStats } from './http-transport.js';
import { interpretRangeResponse, type RangeResult, type RangeUnsatisfied } from './http-range.js';
import type { SignedUrl } from './url-signer.js';
import type { ConcurrencyStats } from './adaptive-rate.js';

export { HttpError, type HttpErrorKind } from './http-errors.js';
export type { HttpClientOptions, HttpStats } from './http-transport.js';
export type { ConcurrencyStats } from './adaptive-rate.js';
export type { RangeResult } from './http-range.js';

export interface JsonRequestInit {
  method?: 'GET' | 'POST';
  /** Sent as JSON (POST). */
  body?: unknown;
  signal?: AbortSignal;
  /** Retry 403 too: Earth Search throttles with 403 (RELIABILITY.md §0.6); default true. */
  retry403?: boolean;
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

export class HttpClient {
  private readonly t: HttpTransport;

  constructor(opts: HttpClientOptions = {}) {
    this.t = new HttpTransport(opts);
  }

  /** Requests, bytes, retries and statuses so far, for run.json. */
  get stats(): HttpStats {
    return this.t.stats;
  }

  /** The in-flight limit: its ceiling, where adaptation took it, and the throttles that did. */
  get concurrency(): ConcurrencyStats {
    return this.t.concurrency;
  }

  /** Bytes `start..endInclusive` of `url`; fewer only when the server reports the resource ends sooner. */
  async getRange(url: URL, start: number, endInclusive: number, signal?: AbortSignal): Promise<Uint8Array> {
    return (await this.fetchRange(url, start, endInclusive, signal)).bytes;
  }

  /** As `getRange`, also returning the resource size when the server told it (`Content-Range` total). */
  async fetchRange(
    url: URL,
    start: number,
    endInclusive: number,
    signal?: AbortSignal,
  ): Promise<RangeResult> {
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(endInclusive) ||
      start < 0 ||
      endInclusive < start
    ) {
      throw new RangeError(`invalid byte range ${start}-${endInclusive} for ${String(url)}`);
    }
    const first = await this.signedRun(url, signal, (target, a) =>
      this.rangeAttempt(url, target, start, endInclusive, a),
    );
    if (first.kind === 'done') return first;
    // 416: the resource is shorter than asked. Ask once more for what exists, or return nothing.
    const total = first.total;
    if (start >= total) return { kind: 'done', bytes: new Uint8Array(0), total };
    const second = await this.signedRun(url, signal, (target, a) =>
      this.rangeAttempt(url, target, start, total - 1, a),
    );
    if (second.kind === 'done') return second;
    throw new HttpError('range', url, `416 again for clamped range ${start}-${total - 1}`, {
      status: 416,
      retryable: false,
    });
  }

  /** GET or POST expecting JSON; an answer that is not JSON (an HTML error page with 200) is an error. */
  async getJson(url: URL, init: JsonRequestInit = {}): Promise<unknown> {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { accept: 'application/geo+json, application/json;q=0.9' };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const retry403 = init.retry403 ?? true;
    return this.t.run(url, init.signal, async (a) => {
      const res = await this.t.send(url, { method, headers, body }, a);
      const type = res.headers.get('content-type') ?? '';
      if (res.status < 200 || res.status > 299 || !JSON_TYPE.test(type)) {
        const snippet = await this.t.snippet(res, a);
        if (res.status < 200 || res.status > 299) throw this.t.statusError(url, res, retry403, snippet);
        throw new HttpError('not-json', url, `expected JSON, got ${type || 'no content type'}: ${snippet}`, {
          status: res.status,
          retryable: false,
        });
      }
      const bytes = await this.t.body(
        res,
        this.t.o.maxJsonBytes,
        a,
        () =>
          new HttpError('too-large', url, `JSON body larger than ${this.t.o.maxJsonBytes} bytes`, {
            status: res.status,
            retryable: false,
          }),
        {
          budget: this.t.jsonBudget,
          overBudget: () =>
            new HttpError(
              'too-large',
              url,
              `JSON answers of this run passed their budget of ${this.t.o.jsonBudgetBytes} bytes`,
              { status: res.status, retryable: false },
            ),
        },
      );
      try {
        return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      } catch (err) {
        throw new HttpError('not-json', url, `invalid JSON: ${(err as Error).message}`, {
          status: res.status,
          retryable: false,
          cause: err,
        });
      }
    });
  }

  /**
   * Runs the retrying loop on the signed URL (signed afresh per attempt, so a refreshed token is
   * used). A 403 on a signed URL drops its token and is tried once more with a new one: tokens
   * expire mid-run, and the expiry the provider states is not the only way they do.
   */
  private async signedRun<T>(
    url: URL,
    signal: AbortSignal | undefined,
    attempt: (target: URL, a: Attempt) => Promise<T>,
  ): Promise<T> {
    const signer = this.t.o.signer;
    if (!signer) return this.t.run(url, signal, (a) => attempt(url, a));
    for (let refreshed = false; ; refreshed = true) {
      let used: SignedUrl | undefined;
      try {
        // Signed before the attempt waits at the gate: the token request passes the same gate.
        return await this.t.run(
          url,
          signal,
          (a) => attempt(used?.url ?? url, a),
          async () => {
            used = await signer.sign(url, signal);
          },
        );
      } catch (err) {
        const stale = err instanceof HttpError && err.status === 403 && used && used.generation >= 0;
        if (!stale || refreshed || !used) throw err;
        signer.refused(used);
      }
    }
  }

  private async rangeAttempt(
    url: URL,
    target: URL,
    start: number,
    end: number,
    a: Attempt,
  ): Promise<RangeResult | RangeUnsatisfied> {
    const headers = { range: `bytes=${start}-${end}`, 'accept-encoding': 'identity' };
    const res = await this.t.send(target, { method: 'GET', headers }, a, url);
    if (res.status !== 206 && res.status !== 200 && res.status !== 416) {
      throw this.t.statusError(url, res, false, await this.t.snippet(res, a));
    }
    return interpretRangeResponse(res, url, start, end, this.t.o.fullBodyCapBytes, (max, tooLarge) =>
      this.t.body(res, max, a, tooLarge),
    );
  }
}
