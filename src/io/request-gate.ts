/**
 * The gate every HTTP attempt passes (not every logical request: a retry waits behind it too), its
 * limit set by the adaptive window (adaptive-rate.ts). First come, first served.
 *
 * Written here rather than on p-queue: a queued p-queue task with a signal adds an abort listener
 * to that signal, and one scan's hundreds of queued attempts share the caller's signal (Node warns
 * past 10 listeners); and p-queue frees a slot the moment a signal aborts, while the attempt may
 * still be on the wire, so its count of running tasks is not the count in flight.
 */
import { AdaptiveWindow, isThrottle, type ConcurrencyStats, type WindowOptions } from './adaptive-rate.js';
import { HttpError } from './http-errors.js';

interface Waiter {
  admit: () => void;
}

export class RequestGate {
  private readonly window: AdaptiveWindow;
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];

  constructor(opts: WindowOptions = {}) {
    this.window = new AdaptiveWindow(opts);
  }

  get adaptive(): boolean {
    return this.window.adaptive;
  }

  get stats(): ConcurrencyStats {
    return this.window.snapshot();
  }

  /**
   * Runs one attempt once a place is free; a throttled answer (an HttpError of 429 or 503 SlowDown)
   * lowers the window, any other answer lets it regrow. A caller abort while waiting rejects with
   * its reason and sends nothing.
   */
  async run<T>(attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.enter(signal);
    const ticket = this.window.sent();
    try {
      const result = await attempt();
      this.window.answered();
      return result;
    } catch (err) {
      if (err instanceof HttpError && isThrottle(err.status, err.detail)) {
        this.window.throttled(ticket, this.inFlight);
      } else if (err instanceof HttpError && err.status !== undefined) {
        this.window.answered(); // a 404 or a 500 is an answer: the server kept up
      }
      throw err;
    } finally {
      this.inFlight--;
      this.pump();
    }
  }

  private enter(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.waiting.length === 0 && this.inFlight < this.window.limit) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      // A signal of its own, so the caller's shared signal gets no listener (AbortSignal.any links
      // without one).
      const own = signal ? AbortSignal.any([signal]) : undefined;
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        // The caller's abort reason, as is: what every abort in the client rethrows.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(own?.reason);
      };
      const waiter: Waiter = {
        admit: () => {
          own?.removeEventListener('abort', onAbort);
          this.inFlight++;
          resolve();
        },
      };
      own?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private pump(): void {
    while (this.inFlight < this.window.limit) {
      const next = this.waiting.shift();
      if (!next) return;
      next.admit();
    }
  }
}
