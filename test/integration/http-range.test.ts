/**
 * HttpClient against a tiny purpose-built server whose behaviour each test sets: the faults of
 * RELIABILITY.md §2.2 (H1-H12), one at a time, with counted requests and an injected sleep.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { HttpByteSource } from '../../src/io/byte-source.js';
import { HttpClient, HttpError, type HttpClientOptions } from '../../src/io/http.js';

const FILE = Buffer.alloc(5000);
for (let i = 0; i < FILE.length; i++) FILE[i] = (i * 7 + (i >> 8)) & 0xff;

type Handler = (req: IncomingMessage, res: ServerResponse, nth: number) => void;
let handler: Handler;
let hits = 0;
let server: http.Server;
let base: URL;

beforeAll(async () => {
  server = http.createServer((req, res) => handler(req, res, ++hits));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  hits = 0;
});

function requested(req: IncomingMessage): [number, number] {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (!m) throw new Error(`test server: no range in ${String(req.headers.range)}`);
  return [Number(m[1]), Number(m[2])];
}

/** A correct 206, clamped to the file as RFC 9110 says; `tweak` bends it. */
function serveRange(
  req: IncomingMessage,
  res: ServerResponse,
  tweak: { headerShift?: number; shortBy?: number; stallAfter?: number; resetAfter?: number } = {},
): void {
  const [start, askedEnd] = requested(req);
  if (start >= FILE.length) {
    res.writeHead(416, { 'Content-Range': `bytes */${FILE.length}` });
    res.end();
    return;
  }
  const end = Math.min(askedEnd, FILE.length - 1);
  const s = tweak.headerShift ?? 0;
  let body = FILE.subarray(start, end + 1);
  if (tweak.shortBy) body = body.subarray(0, body.length - tweak.shortBy);
  res.writeHead(206, {
    'Content-Range': `bytes ${start + s}-${end + s}/${FILE.length}`,
    'Content-Length': String(tweak.resetAfter || tweak.stallAfter ? end - start + 1 : body.length),
    'Content-Type': 'image/tiff',
  });
  if (tweak.stallAfter !== undefined) {
    res.write(body.subarray(0, tweak.stallAfter)); // and never end
  } else if (tweak.resetAfter !== undefined) {
    res.write(body.subarray(0, tweak.resetAfter), () => res.socket?.resetAndDestroy());
  } else res.end(body);
}

function status(
  res: ServerResponse,
  code: number,
  headers: Record<string, string> = {},
  body: string | Buffer = '',
): void {
  res.writeHead(code, { 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function json(res: ServerResponse, value: unknown, type = 'application/json'): void {
  status(res, 200, { 'Content-Type': type }, JSON.stringify(value));
}

/** A client whose sleeps are recorded and instant, and whose jitter is fixed at one half. */
function client(opts: HttpClientOptions = {}): { c: HttpClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const c = new HttpClient({
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...opts,
  });
  return { c, sleeps };
}

async function failure(p: Promise<unknown>): Promise<HttpError> {
  const err: unknown = await p.then(
    () => new Error('expected an HttpError'),
    (e: unknown) => e,
  );
  if (!(err instanceof HttpError)) throw err;
  return err;
}

const url = (p = 'file.tif'): URL => new URL(p, base);

describe('HttpClient.getRange: good answers', () => {
  it('returns exactly the bytes asked for, and counts them', async () => {
    handler = (req, res) => serveRange(req, res);
    const { c } = client();
    expect(Buffer.from(await c.getRange(url(), 100, 1099)).equals(FILE.subarray(100, 1100))).toBe(true);
    expect(c.stats).toEqual({ requests: 1, bytes: 1000, retries: 0, byStatus: { 206: 1 } });
  });

  it('accepts a range the server clamped to the end of the file, and learns the size', async () => {
    handler = (req, res) => serveRange(req, res);
    const { c } = client();
    const r = await c.fetchRange(url(), 4990, 6000);
    expect([r.bytes.length, r.total]).toEqual([10, 5000]);
    const source = new HttpByteSource(url(), c);
    expect(await source.size()).toBe(5000);
  });

  it('on 416 re-requests the range clamped to the size from Content-Range, once', async () => {
    handler = (req, res) => {
      const [, end] = requested(req);
      if (end >= FILE.length) status(res, 416, { 'Content-Range': `bytes */${FILE.length}` });
      else serveRange(req, res);
    };
    const { c } = client();
    const bytes = await c.getRange(url(), 4990, 5100);
    expect(Buffer.from(bytes).equals(FILE.subarray(4990))).toBe(true);
    expect(c.stats.byStatus).toEqual({ 416: 1, 206: 1 });
    expect((await c.getRange(url(), 6000, 6100)).length).toBe(0);
    expect(c.stats.requests).toBe(3);
  });
});

describe('HttpClient.getRange: many requests', () => {
  it('shares one caller signal across 40 concurrent requests without piling listeners on it', async () => {
    handler = (req, res) => serveRange(req, res);
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { c } = client();
      const signal = new AbortController().signal;
      const parts = await Promise.all(
        Array.from({ length: 40 }, (_, i) => c.getRange(url(), i * 100, i * 100 + 99, signal)),
      );
      expect(Buffer.concat(parts).equals(FILE.subarray(0, 4000))).toBe(true);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).toEqual([]);
  });
});

describe('HttpClient.getRange: retries', () => {
  it('retries a 503 after the Retry-After it was given (seconds or HTTP date)', async () => {
    handler = (req, res, n) =>
      n === 1 ? status(res, 503, { 'Retry-After': '3' }, 'SlowDown') : serveRange(req, res);
    const { c, sleeps } = client({ random: () => 0 });
    expect((await c.getRange(url(), 0, 9)).length).toBe(10);
    expect(sleeps).toEqual([3000]);
    expect(c.stats).toMatchObject({ requests: 2, retries: 1, byStatus: { 503: 1, 206: 1 } });

    hits = 0;
    const at = new Date(Date.now() + 5000).toUTCString();
    handler = (req, res, n) => (n === 1 ? status(res, 503, { 'Retry-After': at }) : serveRange(req, res));
    const second = client({ random: () => 0 });
    await second.c.getRange(url(), 0, 9);
    expect(second.sleeps[0]).toBeGreaterThan(3000);
    expect(second.sleeps[0]).toBeLessThanOrEqual(5000);
  });

  it('backs off exponentially with jitter on 429, 500, 502 and 504', async () => {
    const codes = [429, 500, 502, 504];
    handler = (req, res, n) => (n <= codes.length ? status(res, codes[n - 1]!) : serveRange(req, res));
    const { c, sleeps } = client({ maxAttempts: 5 });
    await c.getRange(url(), 0, 9);
    expect(sleeps).toEqual([100, 200, 400, 800]); // 0.5 * 200 ms * 2^n
    expect(c.stats.retries).toBe(4);
  });

  it('gives up after maxAttempts with the last error, still marked retryable', async () => {
    handler = (_req, res) => status(res, 503);
    const { c } = client({ maxAttempts: 3 });
    const err = await failure(c.getRange(url(), 0, 9));
    expect(err).toMatchObject({ status: 503, retryable: true, kind: 'status' });
    expect(err.message).toMatch(
      /HTTP 503; gave up after 3 attempts \(http:\/\/127\.0\.0\.1:\d+\/file\.tif\)/,
    );
    expect(hits).toBe(3);
  });

  it('does not retry 404, nor 403 from an asset host', async () => {
    handler = (_req, res) =>
      status(res, 404, { 'Content-Type': 'application/xml' }, '<Error><Code>NoSuchKey</Code></Error>');
    const { c, sleeps } = client();
    const err = await failure(c.getRange(url('missing.tif'), 0, 9));
    expect(err).toMatchObject({ status: 404, retryable: false, url: url('missing.tif').href });
    expect(err.message).toMatch(/HTTP 404: <Error><Code>NoSuchKey/);
    handler = (_req, res) => status(res, 403);
    expect(await failure(c.getRange(url(), 0, 9))).toMatchObject({ status: 403, retryable: false });
    expect([hits, sleeps.length]).toEqual([2, 0]);
  });

  it('spends a client-wide retry budget and then stops retrying', async () => {
    handler = (req, res, n) => (n % 2 === 1 ? status(res, 503) : serveRange(req, res));
    const { c } = client({ retryBudget: 1 });
    await c.getRange(url(), 0, 9);
    const err = await failure(c.getRange(url(), 0, 9));
    expect(err.kind).toBe('retries-exhausted');
    expect(err.message).toMatch(/retry budget of 1 exhausted/);
  });

  it('does not wait for a Retry-After beyond its cap', async () => {
    handler = (_req, res) => status(res, 503, { 'Retry-After': '3600' });
    const { c, sleeps } = client();
    expect((await failure(c.getRange(url(), 0, 9))).message).toMatch(/Retry-After of 3600000 ms is beyond/);
    expect([hits, sleeps.length]).toEqual([1, 0]);
  });

  it('stops when the caller aborts during a backoff, without another request', async () => {
    handler = (_req, res) => status(res, 503, { 'Retry-After': '30' });
    const c = new HttpClient(); // the real sleep
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('stop')), 50);
    await expect(c.getRange(url(), 0, 9, ctl.signal)).rejects.toThrow('stop');
    expect(hits).toBe(1); // a backoff that ran out would have asked again after 30 s
  });
});

describe('HttpClient.getRange: answers that would be silently wrong', () => {
  it('detects a Content-Range that does not match the request, and retries it', async () => {
    handler = (req, res) => serveRange(req, res, { headerShift: 2 });
    const { c } = client({ maxAttempts: 3 });
    const err = await failure(c.getRange(url(), 100, 199));
    expect(err.kind).toBe('range');
    expect(err.message).toMatch(/Content-Range "bytes 102-201\/5000" does not match requested bytes 100-199/);
    expect(hits).toBe(3);
    hits = 0;
    handler = (req, res, n) => serveRange(req, res, { headerShift: n === 1 ? -2 : 0 });
    expect(Buffer.from(await c.getRange(url(), 100, 199)).equals(FILE.subarray(100, 200))).toBe(true);
  });

  it('detects a short body whose Content-Length agrees with it', async () => {
    handler = (req, res, n) => serveRange(req, res, { shortBy: n === 1 ? 489 : 0 });
    const { c } = client();
    expect((await c.getRange(url(), 0, 999)).length).toBe(1000);
    expect(c.stats.retries).toBe(1);
    handler = (req, res) => serveRange(req, res, { shortBy: 1 });
    expect((await failure(c.getRange(url(), 0, 999))).message).toMatch(
      /body of 999 bytes for the 1000-byte range/,
    );
  });

  it('refuses a 206 without Content-Range', async () => {
    handler = (_req, res) => status(res, 206, {}, 'abc');
    const { c } = client({ maxAttempts: 1 });
    expect((await failure(c.getRange(url(), 0, 2))).kind).toBe('range');
  });

  it('refuses a 200 that ignored Range when the whole body is above the cap; slices it below', async () => {
    handler = (_req, res) => status(res, 200, {}, FILE);
    const small = client({ fullBodyCapBytes: 1000 });
    const err = await failure(small.c.getRange(url(), 10, 19));
    expect(err).toMatchObject({ kind: 'range-ignored', retryable: false, status: 200 });
    expect(err.message).toMatch(/server ignored Range and sent the whole resource \(5000 bytes\)/);
    expect(hits).toBe(1);
    const big = client({ fullBodyCapBytes: 10_000 });
    expect(Buffer.from(await big.c.getRange(url(), 10, 19)).equals(FILE.subarray(10, 20))).toBe(true);
  });

  it('retries a connection reset in the middle of the body', async () => {
    handler = (req, res, n) => serveRange(req, res, n === 1 ? { resetAfter: 100 } : {});
    const { c } = client();
    expect(Buffer.from(await c.getRange(url(), 0, 1999)).equals(FILE.subarray(0, 2000))).toBe(true);
    expect(c.stats.retries).toBe(1);
  });
});

describe('HttpClient timeouts', () => {
  it('aborts a body that stalls, and retries it', async () => {
    handler = (req, res) => serveRange(req, res, { stallAfter: 100 });
    const { c } = client({ stallTimeoutMs: 100, maxAttempts: 2 });
    const err = await failure(c.getRange(url(), 0, 1999));
    expect(err.kind).toBe('stall');
    expect(err.message).toMatch(/body stalled for more than 100 ms; gave up after 2 attempts/);
    expect(hits).toBe(2);
  });

  it('times out a server that never answers', async () => {
    handler = () => undefined;
    const { c } = client({ timeoutMs: 150, maxAttempts: 1 });
    const err = await failure(c.getRange(url(), 0, 9));
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(c.stats).toMatchObject({ requests: 1, byStatus: {} });
  });
});

describe('HttpClient redirects and the allow hook', () => {
  const onlyLoopbackIp = (u: URL): boolean => u.hostname === '127.0.0.1';

  it('follows a redirect to an allowed URL', async () => {
    handler = (req, res) =>
      req.url === '/old.tif' ? status(res, 302, { Location: '/file.tif' }) : serveRange(req, res);
    const { c } = client({ allow: onlyLoopbackIp });
    expect(Buffer.from(await c.getRange(url('old.tif'), 0, 9)).equals(FILE.subarray(0, 10))).toBe(true);
    expect(c.stats).toMatchObject({ requests: 2, byStatus: { 302: 1, 206: 1 } });
  });

  it('refuses a redirect to a host the policy refuses, without contacting it', async () => {
    const other = `http://localhost:${base.port}/file.tif`;
    handler = (req, res) =>
      req.url === '/old.tif' ? status(res, 301, { Location: other }) : serveRange(req, res);
    const { c } = client({ allow: onlyLoopbackIp });
    const err = await failure(c.getRange(url('old.tif'), 0, 9));
    expect(err).toMatchObject({ kind: 'refused', retryable: false });
    expect(err.message).toContain(`redirect target ${other}`);
    expect(hits).toBe(1);
    handler = (_req, res) => status(res, 307, { Location: 'file:///etc/passwd' });
    expect((await failure(c.getRange(url('old.tif'), 0, 9))).kind).toBe('refused');
  });

  it('refuses a URL up front, and a redirect loop after 5 hops', async () => {
    handler = (_req, res) => status(res, 302, { Location: '/loop' });
    const { c } = client({ allow: onlyLoopbackIp });
    expect((await failure(c.getRange(new URL('http://169.254.169.254/x'), 0, 9))).kind).toBe('refused');
    expect(hits).toBe(0);
    expect((await failure(c.getRange(url('loop'), 0, 9))).message).toMatch(/more than 5 redirects/);
    expect(hits).toBe(6);
  });
});

describe('HttpClient.getJson', () => {
  it('parses JSON and GeoJSON, and POSTs a JSON body', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') {
        let text = '';
        req.on('data', (d: Buffer) => (text += d.toString()));
        req.on('end', () =>
          json(res, { echo: JSON.parse(text) as unknown, type: req.headers['content-type'] }),
        );
      } else json(res, { type: 'FeatureCollection', features: [] }, 'application/geo+json; charset=utf-8');
    };
    const { c } = client();
    expect(await c.getJson(url('search'))).toEqual({ type: 'FeatureCollection', features: [] });
    expect(await c.getJson(url('search'), { method: 'POST', body: { limit: 5 } })).toEqual({
      echo: { limit: 5 },
      type: 'application/json',
    });
  });

  it('an HTML page with 200 is an error naming the URL, not data', async () => {
    handler = (_req, res) =>
      status(res, 200, { 'Content-Type': 'text/html' }, '<html><body>Service maintenance</body></html>');
    const { c } = client();
    const err = await failure(c.getJson(url('search')));
    expect(err).toMatchObject({ kind: 'not-json', retryable: false, url: url('search').href });
    expect(err.message).toMatch(/expected JSON, got text\/html: <html><body>Service maintenance/);
    expect(hits).toBe(1);
  });

  it('invalid JSON is an error', async () => {
    handler = (_req, res) => status(res, 200, { 'Content-Type': 'application/json' }, '{"type": "Feat');
    const { c } = client();
    expect((await failure(c.getJson(url('search')))).message).toMatch(/invalid JSON/);
  });

  it('retries 403 (Earth Search throttling) and 500 on the STAC API', async () => {
    handler = (_req, res, n) =>
      n === 1
        ? status(res, 403, {}, '{"message":"Forbidden"}')
        : n === 2
          ? status(res, 500)
          : json(res, { ok: true });
    const { c } = client();
    expect(await c.getJson(url('search'))).toEqual({ ok: true });
    expect(c.stats.retries).toBe(2);
    handler = (_req, res) =>
      status(res, 400, { 'Content-Type': 'application/json' }, '{"code":"BadRequest"}');
    expect(await failure(c.getJson(url('search')))).toMatchObject({ status: 400, retryable: false });
  });
});
