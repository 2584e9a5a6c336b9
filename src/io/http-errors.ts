/**
 * The typed HTTP failure and the retry policy around it: which failures are worth another attempt and
 * how long to wait. Kept apart from the client so the policy is unit-testable without a socket.
 */
import { MinewatchError } from '../errors.js';

/** What went wrong, coarse enough for a skip reason in run.json. */
export type HttpErrorKind =
  | 'status' // a non-success status code
  | 'network' // connection refused or reset, DNS, TLS, socket closed mid-body
  | 'timeout' // the per-request timeout fired
  | 'stall' // the body stopped arriving for longer than the stall timeout
  | 'slow' // the body arrived slower than the minimum transfer speed for the whole speed window
  | 'range' // 206 whose Content-Range does not match the request, or a missing Content-Range
  | 'short-body' // body length differs from the range asked for
  | 'range-ignored' // 200 with the whole file, too large to slice
  | 'too-large' // a JSON body above the cap
  | 'not-json' // a JSON request answered with something else (an HTML error page, ...)
  | 'refused' // the allow hook refused the URL or a redirect target
  | 'redirect' // too many redirects, or one without a usable Location
  | 'retries-exhausted'; // the client's global retry budget is spent

export class HttpError extends MinewatchError {
  readonly url: string;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly kind: HttpErrorKind;
  /** The message without the URL, for wrapping. */
  readonly detail: string;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: HttpErrorKind,
    url: URL | string,
    detail: string,
    opts: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super(`${detail} (${String(url)})`, { cause: opts.cause });
    this.kind = kind;
    this.detail = detail;
    this.retryAfterMs = opts.retryAfterMs;
    this.url = String(url);
    this.status = opts.status;
    this.retryable = opts.retryable;
  }
}

/**
 * Statuses that are worth another attempt. 403 is permanent on S3 asset hosts but is how Earth Search
 * signals throttling (RELIABILITY.md §0.6), so the STAC client asks for it to be retried.
 */
export function isRetryableStatus(status: number, retry403: boolean): boolean {
  if (status === 403) return retry403;
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

/** Error codes of failures that a second attempt will not fix (a bad host name, a refused TLS cert). */
const PERMANENT_NETWORK_CODES = new Set([
  'ENOTFOUND',
  'ERR_INVALID_URL',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** Wraps an error thrown by fetch or by reading a body; undici nests the socket error in `cause`. */
export function networkError(url: URL, err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  let code: string | undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') {
      code = c;
      break;
    }
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new HttpError('network', url, `network error${code ? ` ${code}` : ''}: ${detail}`, {
    retryable: !(code !== undefined && PERMANENT_NETWORK_CODES.has(code)),
    cause: err,
  });
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; undefined if absent/invalid. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The wait an error body asks for when there is no `Retry-After` header: the Planetary Computer's
 * SAS service answers 429 with `{"statusCode": 429, "message": "Rate limit is exceeded. Try again in
 * 23 seconds."}` and no header (microsoft/PlanetaryComputer#457).
 */
export function retryAfterFromBody(snippet: string): number | undefined {
  const m = /try again in (\d{1,5}) seconds?/i.exec(snippet);
  return m?.[1] === undefined ? undefined : Number(m[1]) * 1000;
}

/** "Full jitter" exponential backoff (AWS architecture blog): uniform in [0, min(cap, base * 2^n)). */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
