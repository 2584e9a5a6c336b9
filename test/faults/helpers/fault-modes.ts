/**
 * Fault modes for the local catalogue server: the harness of RELIABILITY.md §6, built on the
 * `FaultInjector` hook of faults.ts. A test describes faults as rules, or as mode strings in the URL,
 * and reads back exactly what was injected.
 *
 * - A rule picks requests by kind (search, asset, ...), path pattern, method and any predicate; picks a
 *   seeded, deterministic subset of them by a hash of their key (path + Range for assets), so the same
 *   requests are hit whatever order a concurrent client sends them in; fails each picked key `times`
 *   times and then lets it through (fail-N-then-OK), up to `maxKeys` keys.
 * - `randomFaults` is the "5 % of asset requests" mode: each attempt of each key draws from the seed,
 *   the attempt number included, so retries are fresh draws and the whole run is reproducible.
 * - `urlModes` serves `/fault/<mode>/<asset path>` (`/fault/503x2;retry-after=1/assets/...`), the
 *   path-selected harness of §6: a catalogue's hrefs can point at it.
 * - `startCanary` is a listener that counts connections that must never happen (SSRF rows).
 *
 * Every injection is counted (total, per rule, per action) and logged with its time, so a test can
 * check "attempts per request <= cap" and "delay after Retry-After >= Retry-After".
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  answerStatus,
  resetConnection,
  type FaultContext,
  type FaultDecision,
  type FaultInjector,
  type RequestKind,
} from '../../../src/server/faults.js';

/** What to do with one request. */
export type FaultAction =
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: string; contentType?: string }
  /** Destroy the connection before any answer. */
  | { kind: 'reset' }
  /** 206 headers for the whole range, then reset after `fraction` of the body (default half). */
  | { kind: 'reset-mid'; fraction?: number }
  /** 206 with `fraction` of the body and a Content-Length that matches it (default half). */
  | { kind: 'short'; fraction?: number }
  /** The body read `bytes` further on, under the Content-Range of the requested bytes. */
  | { kind: 'shift'; bytes: number }
  /** Send `afterBytes` of the body (default 4096) and then nothing, connection left open. */
  | { kind: 'stall'; afterBytes?: number }
  /** Wait `ms` before answering normally (slow headers). */
  | { kind: 'slow'; ms: number }
  /** 200 with the whole file: a server that ignores Range. */
  | { kind: 'norange' }
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Answer the JSON the server would have sent, rewritten. */
  | { kind: 'json'; transform: (body: Record<string, unknown>, ctx: FaultContext) => unknown }
  /** Any status, body and content type, e.g. an HTML error page with 200. */
  | { kind: 'raw'; status: number; body: string; contentType: string };

export interface FaultRule {
  /** Counter name; defaults to the mode string or the action kind. */
  name?: string;
  kinds?: readonly RequestKind[];
  /** Matches the raw path (a RegExp, or a substring). */
  path?: RegExp | string;
  method?: string;
  match?: (ctx: FaultContext) => boolean;
  /** Inject into a seeded subset: a key is picked when hash(seed, key) < rate. Default: every key. */
  select?: { rate: number; seed: number };
  /** Fail each picked key this many times, then let it through; default forever. */
  times?: number;
  /** At most this many distinct keys are picked; later keys pass untouched. */
  maxKeys?: number;
  /**
   * The fault: a mode string (see `parseFaultMode`; its `xN` sets `times`), an action, or a function
   * of the request that returns the action (a paging loop answers each page differently).
   */
  action: FaultAction | string | ((ctx: FaultContext) => FaultAction);
}

/** One injection, for assertions on timing and attempts. */
export interface InjectionRecord {
  rule: string;
  action: FaultAction['kind'];
  key: string;
  /** 1-based request number of this key (injected or not). */
  attempt: number;
  /** Milliseconds on the performance clock when the request arrived. */
  at: number;
  status?: number;
  retryAfterSeconds?: number;
}

export interface FaultCounters {
  injected: number;
  byRule: Record<string, number>;
  byAction: Record<string, number>;
  log: InjectionRecord[];
  /** Every request seen, per key, with arrival times: attempts per request and retry delays. */
  requests: Map<string, number[]>;
}

export interface FaultModes extends FaultInjector {
  readonly counters: FaultCounters;
  /** Cancels pending slow answers (a test's afterAll); later requests pass untouched. */
  dispose(): void;
}

/** The key that identifies "the same request" across retries: path, query and Range. */
export function requestKey(ctx: FaultContext): string {
  const range = ctx.req.headers.range;
  const q = ctx.query.toString();
  return `${ctx.method} ${ctx.rawPath}${q ? `?${q}` : ''}${range ? ` ${range}` : ''}`;
}

/** FNV-1a over the seed and the text, mixed: uniform enough in [0, 1) to pick subsets. */
export function hashUnit(seed: number, text: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/**
 * Parses a mode string of the §6 harness: `503`, `503x2`, `503x2;retry-after=1`, `429x3`, `404`,
 * `reset`, `reset-mid`, `short`, `shift:2`, `slow:10000`, `stall-after:4096`, `norange`, `html200`.
 * `xN` is "fail N times, then OK"; without it the fault is permanent.
 */
export function parseFaultMode(spec: string): { action: FaultAction; times: number | undefined } {
  const m = /^(\d{3}|[a-z]+(?:-[a-z]+)*(?:\d{3})?)(?::(-?\d+))?(?:x(\d+))?(?:;retry-after=(\d+))?$/i.exec(
    spec.trim(),
  );
  if (!m) throw new Error(`fault mode ${JSON.stringify(spec)} is not understood`);
  const [, name = '', arg, times, ra] = m;
  const n = arg === undefined ? undefined : Number(arg);
  let action: FaultAction;
  if (/^\d{3}$/.test(name)) {
    action = {
      kind: 'status',
      status: Number(name),
      ...(ra === undefined ? {} : { retryAfterSeconds: Number(ra) }),
    };
  } else if (name === 'reset') action = { kind: 'reset' };
  else if (name === 'reset-mid') action = { kind: 'reset-mid' };
  else if (name === 'short') action = { kind: 'short' };
  else if (name === 'shift') action = { kind: 'shift', bytes: n ?? 2 };
  else if (name === 'slow') action = { kind: 'slow', ms: n ?? 10_000 };
  else if (name === 'stall-after' || name === 'stall') action = { kind: 'stall', afterBytes: n ?? 4096 };
  else if (name === 'norange') action = { kind: 'norange' };
  else if (name === 'html200')
    action = {
      kind: 'raw',
      status: 200,
      body: '<html><body>Service temporarily down</body></html>',
      contentType: 'text/html',
    };
  else throw new Error(`fault mode ${JSON.stringify(spec)}: unknown fault "${name}"`);
  return { action, times: times === undefined ? undefined : Number(times) };
}

/** Bytes the request asks for (`bytes=a-b`), or undefined. */
function rangeLength(ctx: FaultContext): number | undefined {
  const m = /^bytes=(\d+)-(\d+)$/.exec(ctx.req.headers.range ?? '');
  return m ? Number(m[2]) - Number(m[1]) + 1 : undefined;
}

/** Carries out an action; `signal` cancels a pending slow answer. */
export async function applyAction(
  ctx: FaultContext,
  action: FaultAction,
  signal: AbortSignal,
): Promise<FaultDecision> {
  const len = rangeLength(ctx);
  const part = (fraction: number | undefined): number =>
    Math.max(0, Math.floor((len ?? 2) * (fraction ?? 0.5)));
  switch (action.kind) {
    case 'status':
      return answerStatus(ctx, action.status, {
        ...(action.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: action.retryAfterSeconds }),
        ...(action.body === undefined ? {} : { body: action.body }),
        ...(action.contentType === undefined ? {} : { contentType: action.contentType }),
      });
    case 'reset':
      return resetConnection(ctx);
    case 'reset-mid':
      return { action: 'pass', assetTweaks: { resetAfterBytes: part(action.fraction) } };
    case 'short':
      return { action: 'pass', assetTweaks: { shortBodyBytes: part(action.fraction) } };
    case 'shift':
      return { action: 'pass', assetTweaks: { shiftBytes: action.bytes } };
    case 'stall':
      return {
        action: 'pass',
        assetTweaks: { stallAfterBytes: Math.min(action.afterBytes ?? 4096, part(0.5)) },
      };
    case 'norange':
      return { action: 'pass', assetTweaks: { ignoreRange: true } };
    case 'slow':
      try {
        await delay(action.ms, undefined, { signal });
      } catch {
        return resetConnection(ctx); // disposed: the test is over
      }
      return undefined;
    case 'redirect':
      ctx.res.writeHead(action.status ?? 302, { Location: action.location, 'Content-Length': '0' });
      ctx.res.end();
      return { action: 'handled' };
    case 'json':
      return { action: 'pass', transformJson: action.transform };
    case 'raw':
      ctx.res.writeHead(action.status, {
        'Content-Type': action.contentType,
        'Content-Length': String(Buffer.byteLength(action.body)),
      });
      ctx.res.end(action.body);
      return { action: 'handled' };
  }
}

interface CompiledRule {
  name: string;
  rule: FaultRule;
  action: FaultAction | ((ctx: FaultContext) => FaultAction);
  times: number;
  /** Injections so far per picked key. */
  picked: Map<string, number>;
}

function compile(rule: FaultRule): CompiledRule {
  if (typeof rule.action === 'string') {
    const { action, times } = parseFaultMode(rule.action);
    return {
      name: rule.name ?? rule.action,
      rule,
      action,
      times: rule.times ?? times ?? Infinity,
      picked: new Map(),
    };
  }
  return {
    name: rule.name ?? (typeof rule.action === 'function' ? 'custom' : rule.action.kind),
    rule,
    action: rule.action,
    times: rule.times ?? Infinity,
    picked: new Map(),
  };
}

function matches(r: FaultRule, ctx: FaultContext): boolean {
  if (r.kinds && !r.kinds.includes(ctx.kind)) return false;
  if (r.method && r.method.toUpperCase() !== ctx.method.toUpperCase()) return false;
  if (r.path !== undefined) {
    if (typeof r.path === 'string' ? !ctx.rawPath.includes(r.path) : !r.path.test(ctx.rawPath)) return false;
  }
  return r.match ? r.match(ctx) : true;
}

function newCounters(): FaultCounters {
  return { injected: 0, byRule: {}, byAction: {}, log: [], requests: new Map() };
}

function count(c: FaultCounters, rec: InjectionRecord): void {
  c.injected++;
  c.byRule[rec.rule] = (c.byRule[rec.rule] ?? 0) + 1;
  c.byAction[rec.action] = (c.byAction[rec.action] ?? 0) + 1;
  c.log.push(rec);
}

function seen(c: FaultCounters, key: string): number {
  const times = c.requests.get(key) ?? [];
  times.push(performance.now());
  c.requests.set(key, times);
  return times.length;
}

function record(rule: string, action: FaultAction, key: string, attempt: number): InjectionRecord {
  return {
    rule,
    action: action.kind,
    key,
    attempt,
    at: performance.now(),
    ...(action.kind === 'status' ? { status: action.status } : {}),
    ...(action.kind === 'status' && action.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: action.retryAfterSeconds }
      : {}),
  };
}

/** An injector from rules; the first rule that matches a request and picks it decides. */
export function faultModes(rules: readonly FaultRule[]): FaultModes {
  const compiled = rules.map(compile);
  const counters = newCounters();
  const ctl = new AbortController();
  return {
    counters,
    dispose: () => ctl.abort(),
    async onRequest(ctx) {
      const key = requestKey(ctx);
      const attempt = seen(counters, key);
      if (ctl.signal.aborted) return undefined;
      for (const c of compiled) {
        if (!matches(c.rule, ctx)) continue;
        const sel = c.rule.select;
        if (sel && hashUnit(sel.seed, key) >= sel.rate) continue;
        const done = c.picked.get(key);
        if (done === undefined) {
          if (c.rule.maxKeys !== undefined && c.picked.size >= c.rule.maxKeys) continue;
        } else if (done >= c.times) {
          continue;
        }
        c.picked.set(key, (done ?? 0) + 1);
        const action = typeof c.action === 'function' ? c.action(ctx) : c.action;
        count(counters, record(c.name, action, key, attempt));
        return applyAction(ctx, action, ctl.signal);
      }
      return undefined;
    },
  };
}

export interface RandomFaultOptions {
  seed: number;
  /** Probability that one attempt of one request is hit, e.g. 0.05. */
  rate: number;
  kinds?: readonly RequestKind[];
  /** Weights of the faults drawn; default 503 / 429 with Retry-After / reset mid-body / stall. */
  mix?: readonly { weight: number; action: FaultAction }[];
}

export const DEFAULT_RANDOM_MIX: readonly { weight: number; action: FaultAction }[] = [
  { weight: 35, action: { kind: 'status', status: 503 } },
  { weight: 35, action: { kind: 'status', status: 429, retryAfterSeconds: 1 } },
  { weight: 20, action: { kind: 'reset-mid' } },
  { weight: 10, action: { kind: 'stall', afterBytes: 4096 } },
];

/**
 * Seeded random faults on `kinds` (default: assets). Each attempt of each request key draws anew
 * (the attempt number is part of the hash), so the faults of a run are a function of the seed and of
 * the set of requests, not of their order.
 */
export function randomFaults(opts: RandomFaultOptions): FaultModes {
  const kinds = opts.kinds ?? ['asset'];
  const mix = opts.mix ?? DEFAULT_RANDOM_MIX;
  const total = mix.reduce((s, m) => s + m.weight, 0);
  const counters = newCounters();
  const ctl = new AbortController();
  return {
    counters,
    dispose: () => ctl.abort(),
    onRequest(ctx) {
      const key = requestKey(ctx);
      const attempt = seen(counters, key);
      if (ctl.signal.aborted || !kinds.includes(ctx.kind)) return undefined;
      if (hashUnit(opts.seed, `${key}#${attempt}`) >= opts.rate) return undefined;
      let pick = hashUnit(opts.seed + 1, `${key}#${attempt}`) * total;
      const chosen = mix.find((m) => (pick -= m.weight) < 0) ?? mix[mix.length - 1];
      if (!chosen) return undefined;
      count(counters, record(`random-${chosen.action.kind}`, chosen.action, key, attempt));
      return applyAction(ctx, chosen.action, ctl.signal);
    },
  };
}

const URL_MODE = /^\/fault\/([^/]+)\/(assets\/.*)$/;

/**
 * `/fault/<mode>/assets/<path>`: the mode (see parseFaultMode) applies to that request, `xN` times
 * per path and Range, then the asset is served from `/assets/<path>`.
 */
export function urlModes(): FaultModes {
  const counters = newCounters();
  const perKey = new Map<string, number>();
  const ctl = new AbortController();
  return {
    counters,
    dispose: () => ctl.abort(),
    async onRequest(ctx) {
      const m = URL_MODE.exec(ctx.rawPath);
      if (!m) return undefined;
      const key = requestKey(ctx);
      const attempt = seen(counters, key);
      const rewritePath = `/${m[2] ?? ''}`;
      let mode: ReturnType<typeof parseFaultMode>;
      try {
        mode = parseFaultMode(decodeURIComponent(m[1] ?? ''));
      } catch {
        return answerStatus(ctx, 400, { body: JSON.stringify({ code: 'BadFaultMode' }) });
      }
      const done = perKey.get(key) ?? 0;
      if (ctl.signal.aborted || done >= (mode.times ?? Infinity)) return { action: 'pass', rewritePath };
      perKey.set(key, done + 1);
      count(counters, record(m[1] ?? '', mode.action, key, attempt));
      const decision = await applyAction(ctx, mode.action, ctl.signal);
      if (decision === undefined) return { action: 'pass', rewritePath };
      return decision.action === 'pass' ? { ...decision, rewritePath } : decision;
    },
  };
}

export interface CapacityOptions {
  /** Requests served at once; one more is refused. */
  maxInFlight: number;
  /** The refusal; default 429 without Retry-After (S3's SlowDown: 503 with an XML body). */
  action?: FaultAction;
  /** Each admitted request is held this long before it is served, so it really occupies a place. */
  holdMs?: number;
}

export interface CapacityLimit extends FaultModes {
  /** The most requests the server was serving at once. */
  peakInFlight(): number;
}

/**
 * A server with a capacity: whenever `maxInFlight` requests are being served, the next one is
 * refused (429 by default) at once. Capacity, not rate: a client that keeps fewer in flight is
 * never refused, whatever its speed. Every refusal is counted under the rule name `capacity`.
 */
export function capacityLimit(opts: CapacityOptions): CapacityLimit {
  const action: FaultAction = opts.action ?? { kind: 'status', status: 429 };
  const counters = newCounters();
  const ctl = new AbortController();
  let serving = 0;
  let peak = 0;
  return {
    counters,
    peakInFlight: () => peak,
    dispose: () => ctl.abort(),
    async onRequest(ctx) {
      const key = requestKey(ctx);
      const attempt = seen(counters, key);
      if (ctl.signal.aborted) return undefined;
      if (serving >= opts.maxInFlight) {
        count(counters, record('capacity', action, key, attempt));
        return applyAction(ctx, action, ctl.signal);
      }
      serving++;
      peak = Math.max(peak, serving);
      ctx.res.once('close', () => serving--);
      if (opts.holdMs) await delay(opts.holdMs, undefined, { signal: ctl.signal }).catch(() => undefined);
      return undefined;
    },
  };
}

export interface Canary {
  /** e.g. http://127.0.0.1:PORT/ */
  url: URL;
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A listener on 127.0.0.1 that should never be contacted: it counts every connection. */
export async function startCanary(): Promise<Canary> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '6' });
    res.end('canary');
  });
  server.on('connection', (s: Socket) => {
    n++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    port,
    connections: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
