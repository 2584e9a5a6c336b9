/**
 * Adaptive concurrency on real HTTP (127.0.0.1): the gate bounds every attempt, retries included;
 * a server with a capacity makes the window come down; a throttled request outlives the 5-attempt
 * cap under adaptation and not without it; a caller abort while queued sends nothing; signing,
 * whose token request passes the same gate, does not deadlock a limit of 1.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, HttpError, type HttpClientOptions } from '../../src/io/http.js';
import type { SignedUrl, UrlSigner } from '../../src/io/url-signer.js';

const FILE = Buffer.alloc(4096, 7);
type Handler = (req: IncomingMessage, res: ServerResponse, nth: number) => void;
let handler: Handler;
let hits = 0;
let serving = 0;
let peak = 0;
let server: http.Server;
let base: URL;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    serving++;
    peak = Math.max(peak, serving);
    res.once('close', () => serving--);
    handler(req, res, ++hits);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  hits = 0;
  peak = 0;
});

function range(req: IncomingMessage, res: ServerResponse): void {
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  const start = Number(m?.[1] ?? 0);
  const end = Math.min(Number(m?.[2] ?? 0), FILE.length - 1);
  res.writeHead(206, {
    'Content-Range': `bytes ${start}-${end}/${FILE.length}`,
    'Content-Length': String(end - start + 1),
  });
  res.end(FILE.subarray(start, end + 1));
}

function refuse(res: ServerResponse, status = 429, body = ''): void {
  res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A client whose backoff does not wait (the gate, not the clock, is under test). */
const client = (opts: HttpClientOptions = {}): HttpClient =>
  new HttpClient({ sleep: () => new Promise((r) => setImmediate(r)), ...opts });

describe('the request gate', () => {
  it('keeps attempts in flight, retries included, at most at the limit; capacity 2 brings the window down', async () => {
    let capacityRefused = 0;
    let admitted = 0;
    // Serves 2 at once, each for a few ms; a third in flight is refused.
    handler = (req, res) => {
      if (serving > 2) {
        capacityRefused++;
        refuse(res);
        return;
      }
      admitted++;
      setTimeout(() => range(req, res), 3);
    };
    const c = client({ concurrency: 8 });
    const reads = Array.from({ length: 60 }, (_, i) => c.getRange(new URL(`f${i}`, base), 0, 99));
    const got = await Promise.all(reads);
    expect(got.every((b) => b.length === 100)).toBe(true);
    expect(admitted).toBe(60);
    expect(peak).toBeLessThanOrEqual(8);
    const s = c.concurrency;
    expect(s).toMatchObject({ max: 8, adaptive: true, throttles: capacityRefused });
    expect(capacityRefused).toBeGreaterThan(0);
    expect(s.decreases).toBeGreaterThanOrEqual(1);
    expect(s.decreases).toBeLessThanOrEqual(capacityRefused);
    expect(s.lowest).toBeLessThan(8);
  });

  it('fixed: the same limit throughout, every 429 counted', async () => {
    handler = (req, res, n) => (n <= 3 ? refuse(res) : range(req, res));
    const c = client({ concurrency: 4, adaptiveConcurrency: false });
    await c.getRange(new URL('a', base), 0, 9);
    expect(c.concurrency).toEqual({
      max: 4,
      limit: 4,
      lowest: 4,
      throttles: 3,
      decreases: 0,
      adaptive: false,
    });
  });

  it('a request throttled 12 times survives under adaptation and gives up after 5 when fixed', async () => {
    handler = (req, res, n) => (n <= 12 ? refuse(res) : range(req, res));
    const adaptive = client({ concurrency: 4 });
    expect((await adaptive.getRange(new URL('b', base), 0, 9)).length).toBe(10);
    expect(hits).toBe(13);
    // A 503 that is not SlowDown is an outage: it costs a whole attempt either way.
    hits = 0;
    handler = (req, res, n) => (n <= 12 ? refuse(res, 503, 'Service Unavailable') : range(req, res));
    const outage = await client({ concurrency: 4 })
      .getRange(new URL('c', base), 0, 9)
      .catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(HttpError);
    expect((outage as HttpError).message).toMatch(/HTTP 503.*gave up after 5 attempts/);
    hits = 0;
    handler = (req, res, n) =>
      n <= 12 ? refuse(res, 503, '<Error><Code>SlowDown</Code></Error>') : range(req, res);
    expect((await client({ concurrency: 4 }).getRange(new URL('d', base), 0, 9)).length).toBe(10);
    hits = 0;
    handler = (req, res, n) => (n <= 12 ? refuse(res) : range(req, res));
    const fixed = client({ concurrency: 4, adaptiveConcurrency: false });
    const err = await fixed.getRange(new URL('e', base), 0, 9).catch((e: unknown) => e);
    expect((err as HttpError).message).toMatch(/HTTP 429; gave up after 5 attempts/);
    expect(hits).toBe(5);
  });

  it('a caller abort while waiting at the gate rejects with its reason and sends nothing', async () => {
    let release: (() => void) | undefined;
    const first = new Promise<void>((arrived) => {
      handler = (req, res) => {
        release = () => range(req, res);
        arrived();
      };
    });
    const c = client({ concurrency: 1 });
    const holding = c.getRange(new URL('held', base), 0, 9);
    await first;
    const ctl = new AbortController();
    const queued = c.getRange(new URL('queued', base), 0, 9, ctl.signal);
    ctl.abort(new Error('stop'));
    await expect(queued).rejects.toThrow('stop');
    release?.();
    expect((await holding).length).toBe(10);
    expect(hits).toBe(1);
  });

  it('signs before waiting at the gate: a token request through the same client does not deadlock a limit of 1', async () => {
    handler = (req, res) => {
      if (req.url?.startsWith('/token')) {
        const body = JSON.stringify({ token: 'sig=x' });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
        res.end(body);
        return;
      }
      range(req, res);
    };
    const ref: { c?: HttpClient } = {};
    const signer: UrlSigner = {
      async sign(url: URL, signal?: AbortSignal): Promise<SignedUrl> {
        const doc = (await ref.c?.getJson(new URL('token', base), { ...(signal ? { signal } : {}) })) as {
          token: string;
        };
        return { url: new URL(`${url.href}?${doc.token}`), generation: 1 };
      },
      refused: () => undefined,
    };
    const c = client({ concurrency: 1, signer });
    ref.c = c;
    const got = await Promise.all([0, 1, 2].map((i) => c.getRange(new URL(`s${i}`, base), 0, 9)));
    expect(got.map((b) => b.length)).toEqual([10, 10, 10]);
    expect(hits).toBe(6);
  });
});
