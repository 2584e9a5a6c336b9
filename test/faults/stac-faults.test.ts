/**
 * RELIABILITY.md §6 rows 17-20: faults of the STAC API itself (throttling, outages, malformed pages,
 * paging loops, duplicate items), injected into the local API in front of a real scan. A failed
 * search must end the run with one clear line, exit 3, and leave the output folder as it was (the
 * single-scan stand-in for "state not advanced").
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FaultContext } from '../../src/server/faults.js';
import { faultModes, type FaultAction, type FaultModes, type FaultRule } from './helpers/fault-modes.js';
import {
  cleanRun,
  folderHashes,
  health,
  isOneLineError,
  readRun,
  record,
  scanCli,
  sumHealth,
  tempRoot,
  versusClean,
  withServer,
  type Clean,
  type CliRun,
  previousOutputAt,
} from './helpers/harness.js';

const FILE = 'stac-faults';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let n = 0;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An output folder holding a previous run's products, and their hashes. */
function previousOutput(): { out: string; before: Record<string, string> } {
  return previousOutputAt(clean.out, path.join(tmp, `out-${++n}`));
}

async function run(
  faults: FaultModes,
  out: string,
  opts: { maxLimit?: number } = {},
): Promise<{ r: CliRun; search: number; landing: number }> {
  return withServer(
    world,
    faults,
    async (s) => {
      const r = await scanCli(s.url.href, out, [], { deadlineMs: 60_000 });
      return { r, search: s.stats.byKind.get('search') ?? 0, landing: s.stats.byKind.get('landing') ?? 0 };
    },
    opts,
  );
}

/** Runs a scan that must fail: exit 3, one line matching `message`, the output folder untouched. */
async function expectFailedSearch(
  row: string,
  name: string,
  rules: FaultRule[],
  message: RegExp,
): Promise<{ r: CliRun; search: number; landing: number; injected: number }> {
  const faults = faultModes(rules);
  const { out, before } = previousOutput();
  const res = await run(faults, out);
  const unchanged = JSON.stringify(folderHashes(out)) === JSON.stringify(before);
  await record(FILE, {
    row,
    name,
    injected: faults.counters.injected,
    ...health(res.r),
    outcome: `E: exit ${String(res.r.code)}: ${res.r.stderr.trim().slice(0, 200)}`,
  });
  expect(res.r.code, res.r.stderr).toBe(3);
  expect(isOneLineError(res.r.stderr), res.r.stderr).toBe(true);
  expect(res.r.stderr).toMatch(message);
  expect(unchanged).toBe(true);
  expect(health(res.r)).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  return { ...res, injected: faults.counters.injected };
}

describe('row 17: STAC 429 / 5xx / 403-Forbidden', () => {
  it('retries the landing page and search pages and ends byte-identical (20 injections over 4 scans)', async () => {
    const sets: [string, string][] = [
      ['503x2;retry-after=1', '429x3'],
      ['403x2', '403x3'],
      ['504x2', '500x3'],
      ['429x1;retry-after=1', '503x4'],
    ];
    let injected = 0;
    const runs: CliRun[] = [];
    let identical = true;
    for (const [landing, search] of sets) {
      const faults = faultModes([
        { kinds: ['landing'], action: landing },
        { kinds: ['search'], action: search },
      ]);
      const out = path.join(tmp, `out-${++n}`);
      const { r } = await run(faults, out);
      runs.push(r);
      injected += faults.counters.injected;
      expect(r.code, `${landing} ${search}: ${r.stderr}`).toBe(0);
      const cmp = versusClean(out, clean);
      identical &&= cmp.byteIdentical && cmp.lostCandidates === 0 && cmp.duplicateIds === 0;
      expect(readRun(out).http.retries).toBe(faults.counters.injected);
    }
    await record(FILE, {
      row: '17',
      name: 'STAC throttling retried',
      injected,
      ...sumHealth(runs),
      recoverable: true,
      byteIdentical: identical,
      outcome: 'R',
    });
    expect(injected).toBe(20);
    expect(identical).toBe(true);
  });

  it('gives up after 5 attempts on a search that keeps failing: exit 3, output untouched', async () => {
    const res = await expectFailedSearch(
      '17',
      'search 503 forever',
      [{ kinds: ['search'], action: '503' }],
      /STAC API unavailable: POST .*\/search: HTTP 503.*gave up after 5 attempts/,
    );
    // Both windows are searched at once, each giving up after its own 5 attempts.
    expect(res.search).toBe(10);
  });

  it('gives up on a landing page that answers 403 Forbidden: exit 3, output untouched', async () => {
    const res = await expectFailedSearch(
      '17',
      'landing 403 forever',
      [{ kinds: ['landing'], action: { kind: 'status', status: 403, body: '{"message":"Forbidden"}' } }],
      /STAC API unavailable: GET .*\/v1.*HTTP 403.*Forbidden.*gave up after 5 attempts/,
    );
    expect(res.landing).toBe(5);
  });
});

const raw = (body: string, contentType = 'application/json'): FaultAction => ({
  kind: 'raw',
  status: 200,
  body,
  contentType,
});
const json = (transform: (b: Record<string, unknown>) => unknown): FaultAction => ({
  kind: 'json',
  transform,
});

describe('row 18: malformed STAC responses', () => {
  const cases: [string, FaultRule, RegExp][] = [
    [
      'search: HTML with 200',
      { kinds: ['search'], action: 'html200' },
      /bad STAC response.*expected JSON, got text\/html/,
    ],
    [
      'search: no features',
      { kinds: ['search'], action: json(() => ({ type: 'FeatureCollection' })) },
      /bad STAC response.*no "features" array/,
    ],
    [
      'search: features not an array',
      { kinds: ['search'], action: json((b) => ({ ...b, features: 'none' })) },
      /no "features" array/,
    ],
    [
      'search: invalid JSON',
      { kinds: ['search'], action: raw('{"type":"FeatureCollection","features":[') },
      /bad STAC response.*invalid JSON/,
    ],
    ['search: empty JSON body', { kinds: ['search'], action: raw('') }, /bad STAC response.*invalid JSON/],
    ['search: JSON null', { kinds: ['search'], action: raw('null') }, /no "features" array/],
    [
      'landing: HTML with 200',
      { kinds: ['landing'], action: 'html200' },
      /bad STAC response from GET .*expected JSON/,
    ],
    ['landing: a JSON array', { kinds: ['landing'], action: raw('[]') }, /landing page is not a JSON object/],
    [
      'landing: search link not http',
      {
        kinds: ['landing'],
        action: json((b) => ({
          ...b,
          links: [{ rel: 'search', href: 'file:///etc/passwd', method: 'POST' }],
        })),
      },
      /search link "file:\/\/\/etc\/passwd" is not an http\(s\) URL/,
    ],
    [
      'search: XML error with 200',
      { kinds: ['search'], action: raw('<Error><Code>SlowDown</Code></Error>', 'application/xml') },
      /bad STAC response.*expected JSON, got application\/xml/,
    ],
  ];
  for (const [name, rule, message] of cases) {
    it(`${name}: exit 3 "bad STAC response", output untouched (1 injection)`, async () => {
      await expectFailedSearch('18', name, [rule], message);
    });
  }
});

/** A page of the loop: no features, and a next link to `next` (undefined: the last page). */
function loopPage(next: string | undefined, ctx: FaultContext): FaultAction {
  const base = `http://${ctx.req.headers.host ?? ''}/v1/search`;
  const links =
    next === undefined
      ? []
      : [{ rel: 'next', method: 'GET', type: 'application/geo+json', href: `${base}?page=${next}` }];
  return raw(JSON.stringify({ type: 'FeatureCollection', features: [], links }), 'application/geo+json');
}

/** A next link that asks for the same POST again (merge of an empty body). */
function selfNext(body: Record<string, unknown>): Record<string, unknown> {
  const root = ((body['links'] as { rel: string; href: string }[] | undefined) ?? []).find(
    (l) => l.rel === 'root',
  );
  const href = `${(root?.href ?? '').replace(/\/+$/, '')}/search`;
  return { ...withoutCount(body), links: [{ rel: 'next', method: 'POST', href, body: {}, merge: true }] };
}

/** Adds `next` (GET ?page=) to a search page, keeping its other links. */
function withNext(body: Record<string, unknown>, page: string): Record<string, unknown> {
  const root = ((body['links'] as { rel: string; href: string }[] | undefined) ?? []).find(
    (l) => l.rel === 'root',
  );
  const href = `${(root?.href ?? '').replace(/\/+$/, '')}/search?page=${page}`;
  return {
    ...withoutCount(body),
    links: [{ rel: 'next', method: 'GET', type: 'application/geo+json', href }],
  };
}

/**
 * The page without `numberMatched` (optional in STAC API): a page that completes the matched count
 * ends the search whatever its links say, so a loop only shows on a server that gives no count.
 */
function withoutCount(body: Record<string, unknown>): Record<string, unknown> {
  const { numberMatched: _matched, ...rest } = body;
  return rest;
}

describe('row 19: paging loops', () => {
  it('a next link that repeats the request (self): "paging loop" at page 1 (1 injection)', async () => {
    const res = await expectFailedSearch(
      '19',
      'next = self',
      [{ kinds: ['search'], method: 'POST', action: json((b) => selfNext(b)) }],
      /paging loop at page 1: the next link repeats an earlier request/,
    );
    // One request per window: both are searched at once.
    expect(res.search).toBe(2);
  });

  it('tokens that alternate A -> B -> A: "paging loop" at page 3', async () => {
    const res = await expectFailedSearch(
      '19',
      'A -> B -> A',
      loopRules('A', (p) => (p === 'A' ? 'B' : 'A')),
      /paging loop at page 3/,
    );
    expect(res.search).toBe(6);
  });

  it('a next link that never ends: stopped at the 200-page cap within 30 s', async () => {
    const t0 = performance.now();
    const res = await expectFailedSearch(
      '19',
      'endless distinct pages',
      loopRules('1', (p) => String(Number(p) + 1)),
      /more than 200 pages/,
    );
    expect(res.search).toBeLessThanOrEqual(400); // 200 per window
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});

/** The first search page links to `?page=<first>`, and each `?page=p` page links to `step(p)`. */
function loopRules(first: string, step: (page: string) => string | undefined): FaultRule[] {
  return [
    {
      name: 'loop page',
      kinds: ['search'],
      method: 'GET',
      match: (ctx) => ctx.query.has('page'),
      action: (ctx) => loopPage(step(ctx.query.get('page') ?? ''), ctx),
    },
    { name: 'first page', kinds: ['search'], method: 'POST', action: json((b) => withNext(b, first)) },
  ];
}

describe('row 20: duplicate items across pages', () => {
  it('drops every repeat by id; products byte-identical to the clean run', async () => {
    // Pages of 3 items, each page also repeating every item of the pages before it.
    const seen: unknown[] = [];
    const faults = faultModes([
      {
        kinds: ['search'],
        action: json((b) => {
          const features = (b['features'] as unknown[] | undefined) ?? [];
          const page = { ...b, features: [...features, ...seen, ...features.slice(0, 1)] };
          seen.push(...features);
          return page;
        }),
      },
    ]);
    const out = path.join(tmp, `out-${++n}`);
    const { r, search } = await run(faults, out, { maxLimit: 3 });
    const cmp =
      r.code === 0
        ? versusClean(out, clean)
        : { byteIdentical: false, lostCandidates: clean.ids.length, duplicateIds: 0 };
    const dropped =
      r.code === 0 ? readRun(out).items.dropped.filter((d) => /duplicate id/.test(d.reason)).length : 0;
    await record(FILE, {
      row: '20',
      name: 'duplicates across pages',
      injected: faults.counters.injected,
      ...health(r),
      ...cmp,
      recoverable: true,
      outcome: `R: ${dropped} duplicates dropped over ${search} pages`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(search).toBeGreaterThan(4);
    expect(dropped).toBeGreaterThan(5);
    expect(cmp).toEqual({ byteIdentical: true, lostCandidates: 0, duplicateIds: 0 });
  });
});
