/**
 * The retrying, guarded request loop under HttpClient: per-attempt timeout and body stall timer,
 * bounded retries with full-jitter backoff and Retry-After, a client-wide retry budget, redirects
 * followed by hand so the allow hook sees every hop, and request/byte/status counters.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ByteBudget, readBody } from './http-body.js';
import { sendFollowingRedirects, type RequestSpec } from './http-redirects.js';
import type { UrlSigner } from './url-signer.js';
import { ATTEMPT_COST, attemptCost, isThrottle, type ConcurrencyStats } from './adaptive-rate.js';
import { RequestGate } from './request-gate.js';
import {
  HttpError,
  backoffDelay,
  isRetryableStatus,
  networkError,
  parseRetryAfter,
  retryAfterFromBody,
} from './http-errors.js';

export interface HttpClientOptions {
  /**
   * Attempts per request, the first included; default 5. Under adaptive concurrency a throttled
   * attempt (429, 503 SlowDown) counts a fifth of one (adaptive-rate.ts).
   */
  maxAttempts?: number;
  /** Retries across the client's whole life (a run); default 200, throttles counted as above. */
  retryBudget?: number;
  /** HTTP attempts in flight at most, retries included; default no limit. */
  concurrency?: number;
  /** Lower the in-flight limit under 429 / 503 SlowDown and regrow it (adaptive-rate.ts); default true. */
  adaptiveConcurrency?: boolean;
  /** Per-attempt timeout from sending to the last body byte; default 30 s. */
  timeoutMs?: number;
  /** Longest silence while a body is arriving; default 10 s. */
  stallTimeoutMs?: number;
  /**
   * Minimum transfer speed of a body, bytes per second, over `lowSpeedTimeMs` (curl's
   * --speed-limit and --speed-time, GDAL_HTTP_LOW_SPEED_LIMIT/TIME): slower and the attempt is
   * aborted as a transient error; defaults 1024 B/s over 15 s. 0 turns the check off.
   */
  lowSpeedBytesPerSec?: number;
  lowSpeedTimeMs?: number;
  /** Backoff base and cap (full jitter); defaults 200 ms and 10 s. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A `Retry-After` longer than this is not waited for: the request fails; default 60 s. */
  maxRetryAfterMs?: number;
  /** A 200 that ignored `Range` is sliced only when the whole body is at most this; default 16 MiB. */
  fullBodyCapBytes?: number;
  /** Largest JSON body; default 16 MiB (an Earth Search page of 100 items is about 2 MB). */
  maxJsonBytes?: number;
  /**
   * JSON bytes the client may read in all (landing page, every search page, tokens): one client
   * serves one run, so a catalogue that pages on and on fails here instead of filling the heap;
   * default 128 MiB (about 6,000 Earth Search items).
   */
  jsonBudgetBytes?: number;
  /** Redirect hops followed per request; default 5. */
  maxRedirects?: number;
  /** Checked before every request and every redirect hop; default: allow all http(s) URLs. */
  allow?: (url: URL) => boolean;
  /** Signs byte-range URLs just before each request (Planetary Computer SAS); default none. */
  signer?: UrlSigner;
  /** Injected for tests: waits `ms`, rejecting if `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for tests: uniform in [0, 1). */
  random?: () => number;
}

/** Counters for run.json provenance. `byStatus` keys are status codes. */
export interface HttpStats {
  requests: number;
  bytes: number;
  retries: number;
  byStatus: Record<string, number>;
}

/** What an attempt gets: the signal to pass to fetch, and the hooks that abort it for a stalled or slow body. */
export interface Attempt {
  signal: AbortSignal;
  onStall: () => void;
  onSlow: () => void;
}

export const DEFAULT_MAX_JSON_BYTES = 16 * 1024 * 1024;
export const DEFAULT_JSON_BUDGET_BYTES = 128 * 1024 * 1024;

const defaultSleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    throw signal?.aborted ? signal.reason : err;
  }
};

export class HttpTransport {
  readonly stats: HttpStats = { requests: 0, bytes: 0, retries: 0, byStatus: {} };
  /** In cost units (adaptive-rate.ts ATTEMPT_COST per whole retry). */
  private retriesLeft: number;
  private readonly gate: RequestGate;
  /** What is left of `jsonBudgetBytes`, shared by every JSON request of the client. */
  readonly jsonBudget: ByteBudget;
  readonly o: Required<
    Omit<HttpClientOptions, 'allow' | 'signer' | 'concurrency' | 'adaptiveConcurrency'>
  > & {
    allow: (url: URL) => boolean;
    signer: UrlSigner | undefined;
  };

  constructor(opts: HttpClientOptions = {}) {
    this.o = {
      maxAttempts: opts.maxAttempts ?? 5,
      retryBudget: opts.retryBudget ?? 200,
      timeoutMs: opts.timeoutMs ?? 30_000,
      stallTimeoutMs: opts.stallTimeoutMs ?? 10_000,
      lowSpeedBytesPerSec: opts.lowSpeedBytesPerSec ?? 1024,
      lowSpeedTimeMs: opts.lowSpeedTimeMs ?? 15_000,
      backoffBaseMs: opts.backoffBaseMs ?? 200,
      backoffCapMs: opts.backoffCapMs ?? 10_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 60_000,
      fullBodyCapBytes: opts.fullBodyCapBytes ?? 16 * 1024 * 1024,
      maxJsonBytes: opts.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES,
      jsonBudgetBytes: opts.jsonBudgetBytes ?? DEFAULT_JSON_BUDGET_BYTES,
      maxRedirects: opts.maxRedirects ?? 5,
      allow: opts.allow ?? (() => true),
      signer: opts.signer,
      sleep: opts.sleep ?? defaultSleep,
      random: opts.random ?? Math.random,
    };
    this.retriesLeft = this.o.retryBudget * ATTEMPT_COST;
    this.jsonBudget = new ByteBudget(this.o.jsonBudgetBytes);
    this.gate = new RequestGate({
      ...(opts.concurrency === undefined ? {} : { max: opts.concurrency }),
      adaptive: opts.adaptiveConcurrency ?? true,
    });
  }

  /** The in-flight limit's account, for run.json. */
  get concurrency(): ConcurrencyStats {
    return this.gate.stats;
  }

  /**
   * Runs `attempt` while it fails with a retryable HttpError, up to maxAttempts (throttles counted
   * cheaper under adaptation). Each attempt waits at the gate first; `prepare` runs before that
   * (signing, whose token request passes the same gate: holding a place while it waits would
   * deadlock a limit of 1).
   */
  async run<T>(
    url: URL,
    signal: AbortSignal | undefined,
    attempt: (a: Attempt) => Promise<T>,
    prepare?: () => Promise<void>,
  ): Promise<T> {
    let spent = 0;
    for (let n = 1; ; n++) {
      signal?.throwIfAborted();
      let err: HttpError;
      try {
        if (prepare) await prepare().catch((e: unknown) => Promise.reject(networkError(url, e)));
        return await this.gate.run(() => this.once(url, signal, attempt), signal);
      } catch (e) {
        if (!(e instanceof HttpError) || !e.retryable) throw e;
        err = e;
      }
      const cost = attemptCost(isThrottle(err.status, err.detail), this.gate.adaptive);
      spent += cost;
      const gaveUp = (kind: HttpError['kind'], why: string): HttpError =>
        new HttpError(kind, url, `${err.detail}; ${why}`, {
          status: err.status,
          retryable: true,
          cause: err,
        });
      if (spent > (this.o.maxAttempts - 1) * ATTEMPT_COST) {
        throw gaveUp(err.kind, `gave up after ${n} attempt${n === 1 ? '' : 's'}`);
      }
      if (this.retriesLeft < cost) {
        throw gaveUp('retries-exhausted', `client retry budget of ${this.o.retryBudget} exhausted`);
      }
      const exponent = Math.ceil(spent / ATTEMPT_COST) - 1;
      const backoff = backoffDelay(exponent, this.o.backoffBaseMs, this.o.backoffCapMs, this.o.random);
      const wait = Math.max(backoff, err.retryAfterMs ?? 0);
      if (wait > this.o.maxRetryAfterMs) {
        throw gaveUp(err.kind, `Retry-After of ${wait} ms is beyond the ${this.o.maxRetryAfterMs} ms cap`);
      }
      this.retriesLeft -= cost;
      this.stats.retries++;
      await this.o.sleep(wait, signal);
    }
  }

  /**
   * One attempt under its own timeout and stall timer, linked to the caller's signal. Anything that is
   * not already an HttpError is classified here: caller abort (rethrown as is), stall, timeout, network.
   * AbortSignal.any links without adding a listener to the caller's signal, which many concurrent
   * requests share (listeners would trip Node's MaxListenersExceededWarning at 11).
   */
  private async once<T>(
    url: URL,
    signal: AbortSignal | undefined,
    attempt: (a: Attempt) => Promise<T>,
  ): Promise<T> {
    const ctl = new AbortController();
    let why: 'timeout' | 'stall' | 'slow' | undefined;
    const abort = (reason: 'timeout' | 'stall' | 'slow'): void => {
      if (why !== undefined) return;
      why = reason;
      ctl.abort();
    };
    const timer = setTimeout(() => abort('timeout'), this.o.timeoutMs);
    const linked = signal ? AbortSignal.any([signal, ctl.signal]) : ctl.signal;
    try {
      return await attempt({ signal: linked, onStall: () => abort('stall'), onSlow: () => abort('slow') });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (why === 'stall') {
        throw new HttpError('stall', url, `body stalled for more than ${this.o.stallTimeoutMs} ms`, {
          retryable: true,
          cause: err,
        });
      }
      if (why === 'slow') {
        throw new HttpError(
          'slow',
          url,
          `body arrived at under ${this.o.lowSpeedBytesPerSec} bytes/s for ${this.o.lowSpeedTimeMs} ms`,
          { retryable: true, cause: err },
        );
      }
      if (why === 'timeout') {
        throw new HttpError('timeout', url, `no complete answer within ${this.o.timeoutMs} ms`, {
          retryable: true,
          cause: err,
        });
      }
      throw networkError(url, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one request, following redirects by hand so the allow hook sees every hop. `display` is
   * the URL errors name when `url` is signed.
   */
  send(url: URL, init: RequestSpec, a: Attempt, display?: URL): Promise<Response> {
    return sendFollowingRedirects(url, init, a.signal, {
      allow: this.o.allow,
      ...(display ? { display } : {}),
      maxRedirects: this.o.maxRedirects,
      onRequest: () => {
        this.stats.requests++; // counted when sent: a request that never gets an answer is still made
      },
      onResponse: (status) => {
        this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
      },
    });
  }

  statusError(url: URL, res: Response, retry403: boolean, snippet: string): HttpError {
    return new HttpError('status', url, `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`, {
      status: res.status,
      retryable: isRetryableStatus(res.status, retry403),
      retryAfterMs:
        parseRetryAfter(res.headers.get('retry-after'), Date.now()) ??
        (res.status === 429 ? retryAfterFromBody(snippet) : undefined),
    });
  }

  async body(
    res: Response,
    maxBytes: number,
    a: Attempt,
    tooLarge: () => Error,
    budget?: { budget: ByteBudget; overBudget: () => Error },
  ): Promise<Uint8Array> {
    const bytes = await readBody(res.body, {
      maxBytes,
      stallMs: this.o.stallTimeoutMs,
      onStall: a.onStall,
      ...(this.o.lowSpeedBytesPerSec > 0
        ? {
            lowSpeed: {
              bytes: (this.o.lowSpeedBytesPerSec * this.o.lowSpeedTimeMs) / 1000,
              ms: this.o.lowSpeedTimeMs,
              onSlow: a.onSlow,
            },
          }
        : {}),
      tooLarge,
      ...budget,
    });
    this.stats.bytes += bytes.length;
    return bytes;
  }

  /** The start of an error body, whitespace collapsed, for messages; never throws. */
  async snippet(res: Response, a: Attempt): Promise<string> {
    try {
      // Control flow: a body past 64 KiB is cut off by the catch below and never leaves here.
      const bytes = await this.body(res, 64 * 1024, a, () => new Error('long'));
      return new TextDecoder().decode(bytes.subarray(0, 600)).replace(/\s+/g, ' ').trim().slice(0, 200);
    } catch {
      await res.body?.cancel().catch(() => undefined);
      return '';
    }
  }
}
