/**
 * The one seam between the catalog code and the network: "give me the JSON at this URL". The real
 * client (src/io/http.ts `HttpClient`, with retries, timeouts and the host allow-list) has this exact
 * shape and drops in; `FetchJsonFetcher` is a plain global-fetch stand-in with no retries, for tests and
 * until that client is wired in. Failures are `HttpError`s so the STAC client can tell "not JSON" (a bad
 * response) from "unreachable".
 */
import { readBody } from '../io/http-body.js';
import { HttpError } from '../io/http-errors.js';

export interface JsonRequestInit {
  method?: 'GET' | 'POST';
  /** Sent as JSON; only with POST. */
  body?: unknown;
  signal?: AbortSignal;
}

export interface JsonFetcher {
  getJson(url: URL, init?: JsonRequestInit): Promise<unknown>;
}

/** Global fetch, one attempt, a per-request timeout, a JSON content-type check. */
export class FetchJsonFetcher implements JsonFetcher {
  /** Requests made, for run.json and tests. */
  requests = 0;

  constructor(
    private readonly timeoutMs = 30_000,
    /** Largest body read; past it the stream is cancelled, never buffered whole. */
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  async getJson(url: URL, init: JsonRequestInit = {}): Promise<unknown> {
    const method = init.method ?? 'GET';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Accept: 'application/geo+json, application/json' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    this.requests++;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal,
      });
      const bytes = await readBody(res.body, {
        maxBytes: this.maxBytes,
        stallMs: this.timeoutMs,
        onStall: () => undefined, // the request timeout covers a silent body here
        tooLarge: () =>
          new HttpError('too-large', url, `JSON body larger than ${this.maxBytes} bytes`, {
            status: res.status,
            retryable: false,
          }),
      });
      text = new TextDecoder().decode(bytes);
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason;
      if (err instanceof HttpError) throw err;
      if (timeout.aborted) {
        throw new HttpError('timeout', url, `no answer within ${this.timeoutMs} ms`, {
          retryable: true,
          cause: err,
        });
      }
      const detail = err instanceof Error ? `${err.message}${causeText(err)}` : String(err);
      throw new HttpError('network', url, `network error: ${detail}`, { retryable: true, cause: err });
    }
    if (!res.ok) {
      throw new HttpError('status', url, `HTTP ${res.status} ${snippet(text)}`, {
        status: res.status,
        retryable: res.status === 429 || res.status >= 500,
      });
    }
    const type = res.headers.get('content-type') ?? '';
    if (!/json/i.test(type)) {
      throw new HttpError(
        'not-json',
        url,
        `answered ${type || 'no content type'}, not JSON: ${snippet(text)}`,
        {
          status: res.status,
          retryable: false,
        },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new HttpError('not-json', url, `body is not valid JSON: ${snippet(text)}`, {
        status: res.status,
        retryable: false,
        cause: err,
      });
    }
  }
}

function causeText(err: Error): string {
  const cause = err.cause;
  return cause instanceof Error ? ` (${cause.message})` : '';
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}...` : flat;
}
