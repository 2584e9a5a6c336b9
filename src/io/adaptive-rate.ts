/**
 * Client-side rate adaptation (issue 14 §4): the number of HTTP attempts allowed in flight, lowered
 * when the server throttles and regrown as answers come back. Pure: no clock, no I/O; the request
 * gate (request-gate.ts) tells it what was sent and what came back.
 *
 * What it follows:
 * - The AWS SDKs' adaptive retry mode (botocore `retries/adaptive.py` and `retries/throttling.py`):
 *   a CUBIC curve over the sending rate, `W(t) = C (t - K)^3 + W_max` with `K = cbrt(W_max (1 - β) / C)`,
 *   C = 0.4 and β = 0.7; on a throttle `W_max` becomes the rate actually measured (not the allowed
 *   one) and the new rate is β times it. Here the window is a count of requests in flight, not a
 *   rate, and W_max is the smaller of the window and the requests actually in flight.
 * - CUBIC itself (RFC 8312 / RFC 9438): the same curve over time since the last congestion event.
 *   Its Reno-friendly region is left out, as botocore leaves it out: it exists for fairness to Reno
 *   flows on a shared link, and at the small windows a throttling host allows it would regrow the
 *   window within a few answers, straight back into the next 429.
 * - TCP's "one reduction per window" (NewReno's recovery point, RFC 6582): throttles of attempts
 *   sent before the last decrease belong to the episode that caused it and do not lower the window
 *   again, so a burst of 429s from requests already in flight counts once.
 * Time is counted in answered requests, not milliseconds: a "round" is one window's worth of
 * answers (what a round trip is to TCP), and each round advances CUBIC's clock by ROUND_SECONDS,
 * the round trip of a request to an object store in another region. So the curve does not
 * depend on timing, tests can drive it step by step, and the window regrows over as many rounds as
 * TCP CUBIC's does at that round trip (from W_max 4 to 4 again: about 40 answers).
 *
 * The attempt cost follows the AWS SDKs' retry quota idea (botocore `retries/quota.py`,
 * aws-sdk-js-v3 `defaultRetryQuota`): retries draw on a budget, and not every failure draws the
 * same amount (the Java SDK's legacy mode drew nothing for throttling errors). A throttle under
 * adaptation costs a fifth of a real failure: the window, not the request, absorbs the storm.
 */

/** CUBIC's multiplicative decrease (RFC 9438 β_cubic; botocore's `_BETA`). */
export const CUBIC_BETA = 0.7;
/** CUBIC's scaling constant (RFC 9438 C; botocore's `_SCALE_CONSTANT`), per round cubed. */
export const CUBIC_C = 0.4;
/** CUBIC's seconds per round of answers. */
export const ROUND_SECONDS = 0.1;

/** A failed attempt's cost, in units of which a real failure costs this many. */
export const ATTEMPT_COST = 5;
/** A throttled attempt's cost under adaptation (a fifth of a real failure). */
export const THROTTLE_COST = 1;

/** What run.json reports under `http.concurrency`. */
export interface ConcurrencyStats {
  /** The configured ceiling (null: none). */
  max: number | null;
  /** The limit now. */
  limit: number | null;
  /** The lowest limit the window reached. */
  lowest: number | null;
  /** Throttled answers (429, 503 SlowDown), every one. */
  throttles: number;
  /** Times the window was lowered: one per throttle episode. */
  decreases: number;
  adaptive: boolean;
}

/**
 * A 429, or a 503 whose body names S3's `SlowDown`: the server asks for less. Other 503s are
 * outages, not throttling, and are retried as failures.
 */
export function isThrottle(status: number | undefined, detail: string): boolean {
  return status === 429 || (status === 503 && /\bSlowDown\b/.test(detail));
}

/** The cost of a failed attempt against the request's and the client's retry budgets. */
export function attemptCost(throttled: boolean, adaptive: boolean): number {
  return throttled && adaptive ? THROTTLE_COST : ATTEMPT_COST;
}

export interface WindowOptions {
  /** The ceiling: the window never exceeds it (default none, Infinity). */
  max?: number;
  /** Adapt to throttles (default true); false keeps the limit at `max` and only counts. */
  adaptive?: boolean;
}

export class AdaptiveWindow {
  readonly max: number;
  readonly adaptive: boolean;
  /** The allowed number in flight, fractional (the limit is its floor). */
  private window: number;
  private wMax = 0;
  private k = 0;
  /** CUBIC's clock: seconds since the last decrease, ROUND_SECONDS per window's worth of answers. */
  private t = 0;
  /** The sequence number of the next attempt; attempts below `recover` predate the last decrease. */
  private nextSeq = 0;
  private recover = 0;
  private lowestLimit: number;
  private throttleCount = 0;
  private decreaseCount = 0;

  constructor(opts: WindowOptions = {}) {
    const max = opts.max ?? Infinity;
    if (!(max === Infinity || (Number.isInteger(max) && max >= 1))) {
      throw new RangeError(`concurrency ${max} is not a positive integer`);
    }
    this.max = max;
    this.adaptive = opts.adaptive ?? true;
    this.window = max;
    this.lowestLimit = max;
  }

  /** Attempts allowed in flight now: at least 1, at most `max` (Infinity: no limit yet). */
  get limit(): number {
    return Math.max(1, Math.floor(this.window));
  }

  /** An attempt is about to be sent; its ticket says when, for `throttled`. */
  sent(): number {
    return this.nextSeq++;
  }

  /** An attempt got an answer that was not a throttle: the window regrows along the curve. */
  answered(): void {
    if (!this.adaptive || this.window >= this.max || this.decreaseCount === 0) return;
    this.t += ROUND_SECONDS / this.limit;
    const cubic = CUBIC_C * (this.t - this.k) ** 3 + this.wMax;
    this.window = Math.min(this.max, Math.max(cubic, 1));
  }

  /**
   * The attempt with `ticket` was throttled while `inFlight` attempts (itself included) were out.
   * Returns true when this lowered the window (the first throttle of an episode).
   */
  throttled(ticket: number, inFlight: number): boolean {
    this.throttleCount++;
    if (!this.adaptive || ticket < this.recover) return false;
    this.wMax = Math.max(1, Math.min(this.window, inFlight));
    this.k = Math.cbrt((this.wMax * (1 - CUBIC_BETA)) / CUBIC_C);
    this.t = 0;
    this.window = Math.max(1, this.wMax * CUBIC_BETA);
    this.recover = this.nextSeq;
    this.decreaseCount++;
    this.lowestLimit = Math.min(this.lowestLimit, this.limit);
    return true;
  }

  snapshot(): ConcurrencyStats {
    const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
    return {
      max: finite(this.max),
      limit: finite(this.limit),
      lowest: finite(this.lowestLimit),
      throttles: this.throttleCount,
      decreases: this.decreaseCount,
      adaptive: this.adaptive,
    };
  }
}
