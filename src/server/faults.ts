/**
 * The fault-injection hook of the local catalogue server.
 *
 * Every request, after it is counted and after the optional latency, is offered to the injector before
 * normal handling. The injector sees what the request is (`kind`: search, asset, ...) and how many
 * requests this path and this kind have had (`nth`, `nthOfKind`, 1-based, restarted by
 * `stats.reset()`), and decides:
 * - `undefined` or `{action: 'pass'}`: normal handling;
 * - `{action: 'pass', assetTweaks}`: serve the asset with shifted bytes, a short body, a reset or a stall
 *   (see `AssetTweaks` in range.ts);
 * - `{action: 'pass', transformJson}`: serve the JSON answer after rewriting it (paging loops, duplicate
 *   items, missing `features`...);
 * - `{action: 'pass', rewritePath}`: serve another path, e.g. `/fault/503x2/<asset path>` as the asset;
 * - `{action: 'handled'}`: the injector answered itself (503 + Retry-After, HTML, a reset socket...).
 *
 * Fault modes themselves live with the reliability tests; this module defines the contract, a no-op
 * default and a few building blocks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AssetTweaks } from './range.js';

export type RequestKind =
  'landing' | 'conformance' | 'collections' | 'collection' | 'items' | 'item' | 'search' | 'asset' | 'other';

export interface FaultContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The raw request path, still percent-encoded and not normalised, without the query string. */
  readonly rawPath: string;
  /** The query string parameters. */
  readonly query: URLSearchParams;
  readonly kind: RequestKind;
  /** This is the nth request to `rawPath` (1-based). */
  readonly nth: number;
  /** This is the nth request of this `kind` (1-based). */
  readonly nthOfKind: number;
  /** This is the nth request the server has received (1-based). */
  readonly seq: number;
}

export type FaultDecision =
  | undefined
  | {
      action: 'pass';
      assetTweaks?: AssetTweaks;
      transformJson?: (body: Record<string, unknown>, ctx: FaultContext) => unknown;
      rewritePath?: string;
    }
  | { action: 'handled' };

export interface FaultInjector {
  onRequest(ctx: FaultContext): FaultDecision | Promise<FaultDecision>;
}

/** The default: every request is handled normally. */
export const noFaults: FaultInjector = { onRequest: () => undefined };

/** Answers with a status (e.g. 503 with `Retry-After`) and a small body; returns `handled`. */
export function answerStatus(
  ctx: FaultContext,
  status: number,
  opts: { retryAfterSeconds?: number; body?: string; contentType?: string } = {},
): FaultDecision {
  const body = opts.body ?? JSON.stringify({ code: `Fault${status}`, description: `injected ${status}` });
  const headers: Record<string, string> = {
    'Content-Type': opts.contentType ?? 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  };
  if (opts.retryAfterSeconds !== undefined) headers['Retry-After'] = String(opts.retryAfterSeconds);
  ctx.res.writeHead(status, headers);
  ctx.res.end(body);
  return { action: 'handled' };
}

/** Destroys the connection without an answer (ECONNRESET on the client); returns `handled`. */
export function resetConnection(ctx: FaultContext): FaultDecision {
  ctx.req.socket.resetAndDestroy();
  return { action: 'handled' };
}
