/**
 * One request with redirects followed by hand (`redirect: 'manual'`), so that the allow policy sees
 * every hop: an allowed URL that redirects to cloud metadata, loopback or `file:` must be refused
 * before it is contacted (RELIABILITY.md H12 and §3).
 */
import { HttpError } from './http-errors.js';

export interface RequestSpec {
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface RedirectPolicy {
  allow: (url: URL) => boolean;
  /** The URL errors name, when `url` carries a credential (a signed URL); default `url`. */
  display?: URL;
  maxRedirects: number;
  /** Called before every request sent and for every response received, redirect hops included. */
  onRequest: () => void;
  onResponse: (status: number) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Refuses non-http(s) schemes and whatever the allow hook refuses. */
function check(requested: URL, target: URL, allow: (url: URL) => boolean, display: URL): void {
  const scheme = target.protocol === 'http:' || target.protocol === 'https:';
  if (scheme && allow(target)) return;
  const hop = target.href === requested.href ? '' : ` (redirect target ${target.href})`;
  requested = display;
  throw new HttpError('refused', requested, `URL refused by the allow policy${hop}`, { retryable: false });
}

/** The first non-redirect response; errors name the URL first asked for. */
export async function sendFollowingRedirects(
  url: URL,
  init: RequestSpec,
  signal: AbortSignal,
  policy: RedirectPolicy,
): Promise<Response> {
  let current = url;
  let { method, body } = init;
  const display = policy.display ?? url;
  for (let hop = 0; ; hop++) {
    check(url, current, policy.allow, display);
    policy.onRequest();
    const res = await fetch(current, { method, headers: init.headers, body, redirect: 'manual', signal });
    policy.onResponse(res.status);
    if (!REDIRECTS.has(res.status)) return res;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= policy.maxRedirects) {
      throw new HttpError('redirect', display, `more than ${policy.maxRedirects} redirects`, {
        retryable: false,
      });
    }
    const location = res.headers.get('location');
    let next: URL | undefined;
    try {
      next = location === null ? undefined : new URL(location, current);
    } catch {
      next = undefined;
    }
    if (next === undefined) {
      throw new HttpError(
        'redirect',
        display,
        `redirect ${res.status} with unusable Location ${String(location)}`,
        {
          status: res.status,
          retryable: false,
        },
      );
    }
    // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without the body.
    if (res.status === 303 || (method === 'POST' && (res.status === 301 || res.status === 302))) {
      method = 'GET';
      body = undefined;
    }
    current = next;
  }
}
