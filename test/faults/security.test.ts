/**
 * RELIABILITY.md §6 rows 21-22: a hostile catalogue. Asset hrefs and links aimed at local files,
 * cloud metadata, loopback and a canary listener (directly, by decimal or mapped IPs, and through
 * redirects) must be refused before any connection; item ids that look like paths must never become
 * files outside the output folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { faultModes, startCanary, type Canary, type FaultRule } from './helpers/fault-modes.js';
import {
  cleanRun,
  health,
  isOneLineError,
  listTree,
  outputHashes,
  PRODUCTS,
  readRun,
  record,
  scanCli,
  tempRoot,
  usedItems,
  victims,
  withoutItems,
  withServer,
  type Clean,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'security';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let canary: Canary;
let n = 0;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  canary = await startCanary();
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(async () => {
  await canary.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Feature = { id: string; assets: Record<string, { href: string }> };
const featuresOf = (b: Record<string, unknown>): Feature[] => (b['features'] as Feature[] | undefined) ?? [];

/** A search-page rewrite: `hrefs[itemId] = [band, href]`; `{origin}` is replaced by the API's origin. */
function hostileHrefs(hrefs: Record<string, [string, string]>): FaultRule {
  return {
    kinds: ['search'],
    action: {
      kind: 'json',
      transform: (body, ctx) => {
        const origin = `http://${ctx.req.headers.host ?? ''}`;
        for (const f of featuresOf(body)) {
          const h = hrefs[f.id];
          if (h && f.assets[h[0]]) f.assets[h[0]]!.href = h[1].replace('{origin}', origin);
        }
        return body;
      },
    },
  };
}

async function reference(ids: readonly string[]): Promise<Record<string, string>> {
  const out = path.join(tmp, `ref-${++n}`);
  const r = await withServer(
    world,
    faultModes([{ kinds: ['search'], action: { kind: 'json', transform: withoutItems(ids) } }]),
    (s) => scanCli(s.url.href, out),
  );
  expect(r.code, r.stderr).toBe(0);
  return outputHashes(out);
}

describe('row 21: SSRF through asset hrefs, redirects and links', () => {
  const c = (): number => canary.port;
  const REJECTED = /rejected by the asset policy|refused by the allow policy/;
  const sets: () => [string, string, RegExp][][] = () => [
    [
      [
        'red',
        'file:///nonexistent-mw-canary/B04.tif',
        /asset "red" href file:\/\/\/nonexistent-mw-canary\/B04\.tif rejected by the asset policy/,
      ],
      ['nir', 'http://169.254.169.254/latest/meta-data/', REJECTED],
      ['blue', `http://127.0.0.1:${c()}/admin`, REJECTED],
      ['green', `http://2852039166:${c()}/`, REJECTED],
      [
        'swir16',
        '{origin}/assets/redirect-to-file/SCL.tif',
        /refused by the allow policy \(redirect target file:\/\/\/etc\/passwd\)/,
      ],
      [
        'scl',
        '{origin}/assets/redirect-to-canary/SCL.tif',
        /refused by the allow policy \(redirect target http:\/\/127\.0\.0\.1:\d+\/\)/,
      ],
    ],
    [
      ['red', `http://localhost:${c()}/B04.tif`, REJECTED],
      ['nir', `http://[::ffff:127.0.0.1]:${c()}/`, REJECTED],
      ['blue', `http://[::1]:${c()}/`, REJECTED],
      ['green', `http://0x7f000001:${c()}/`, REJECTED],
      ['swir16', `http://user:secret@127.0.0.1:${c()}/`, REJECTED],
      ['scl', `https://sentinel-cogs.s3.us-west-2.amazonaws.com.attacker.invalid:${c()}/x.tif`, REJECTED],
    ],
  ];

  for (const [set, label] of [
    [0, 'file://, metadata IP, loopback canary, decimal IP, 302 -> file://, 302 -> canary'],
    [1, 'localhost, IPv4-mapped IPv6, ::1, hex IP, userinfo, look-alike bucket host'],
  ] as const) {
    it(`skips every item with "href rejected", 0 canary connections (${label})`, async () => {
      const vs = victims(clean, 6);
      const cases = sets()[set]!;
      const hrefs = Object.fromEntries(
        vs.map((v, i) => [v.id, [cases[i]![0], cases[i]![1]] as [string, string]]),
      );
      const faults = faultModes([
        hostileHrefs(hrefs),
        {
          kinds: ['asset'],
          path: '/redirect-to-file/',
          action: { kind: 'redirect', location: 'file:///etc/passwd' },
        },
        {
          kinds: ['asset'],
          path: '/redirect-to-canary/',
          action: { kind: 'redirect', location: `http://127.0.0.1:${c()}/` },
        },
      ]);
      const before = canary.connections();
      const out = path.join(tmp, `out-${++n}`);
      const r = await withServer(world, faults, (s) => scanCli(s.url.href, out));
      const connections = canary.connections() - before;
      expect(r.code, r.stderr).toBe(0);
      const skipped = readRun(out).items.skipped;
      const reasons = vs.map((v) => skipped.find((s) => s.item === v.id)?.reason ?? '(not skipped)');
      const same = JSON.stringify(outputHashes(out)) === JSON.stringify(await reference(vs.map((v) => v.id)));
      await record(FILE, {
        row: '21',
        name: `SSRF: ${label}`,
        injected: cases.length,
        ...health(r),
        canaryConnections: connections,
        silentWrongPixels: same ? 0 : 1,
        outcome: `S x${reasons.length}`,
      });
      reasons.forEach((reason, i) => expect(reason, cases[i]![1]).toMatch(cases[i]![2]));
      // Refused before opening: a file: href that was opened would have said ENOENT.
      expect(reasons.join('\n')).not.toMatch(/ENOENT|ECONNREFUSED|ENOTFOUND|EAI_AGAIN/);
      expect(connections).toBe(0);
      expect(same).toBe(true);
    });
  }

  it('a next link or search link aimed at the canary ends the search (exit 3), 0 canary connections', async () => {
    const runs: CliRun[] = [];
    const before = canary.connections();
    for (const target of [
      `http://127.0.0.1:${canary.port}/search`,
      `http://localhost:${canary.port}/search`,
    ]) {
      const next: FaultRule = {
        kinds: ['search'],
        action: {
          kind: 'json',
          // Without `numberMatched` the client cannot know the page is the last, so it must
          // weigh the next link (a page that completes the server's count ends the search first).
          transform: (b) => {
            const { numberMatched: _dropped, ...rest } = b;
            return { ...rest, links: [{ rel: 'next', method: 'GET', href: target }] };
          },
        },
      };
      const landing: FaultRule = {
        kinds: ['landing'],
        action: {
          kind: 'json',
          transform: (b) => ({ ...b, links: [{ rel: 'search', method: 'POST', href: target }] }),
        },
      };
      for (const rule of [next, landing]) {
        const r = await withServer(world, faultModes([rule]), (s) =>
          scanCli(s.url.href, path.join(tmp, `out-${++n}`)),
        );
        runs.push(r);
        expect(r.code, r.stderr).toBe(3);
        expect(isOneLineError(r.stderr), r.stderr).toBe(true);
        expect(r.stderr).toMatch(/refused by the allow policy/);
      }
    }
    const connections = canary.connections() - before;
    await record(FILE, {
      row: '21',
      name: 'SSRF: next / search links',
      injected: runs.length,
      canaryConnections: connections,
      ...runs.map(health).reduce((a, h) => ({
        crashes: a.crashes + h.crashes,
        hangs: a.hangs + h.hangs,
        unhandledRejections: a.unhandledRejections + h.unhandledRejections,
      })),
      outcome: 'E (exit 3)',
    });
    expect(connections).toBe(0);
  });
});

describe('row 22: item ids that look like paths', () => {
  it('never become files outside the output folder; the products are the clean ones under the new ids', async () => {
    const abs = `/mw-fault-abs-${process.pid}`;
    const hostile = [
      '../../mw-traversal-x',
      '..%2F..%2Fmw-traversal-y',
      'a/../../mw-traversal-b',
      abs,
      'C:\\mw-traversal\\x',
      'x\u0000.geojson',
      'y'.repeat(255),
    ];
    // Rename items that are not part of a reprocessed pair (their ids carry the sequence).
    const used = usedItems(clean).filter((u) => !/_20240202_/.test(u.id));
    const rename = new Map(used.slice(0, hostile.length).map((u, i) => [u.id, hostile[i]!]));
    const faults = faultModes([
      {
        kinds: ['search'],
        action: {
          kind: 'json',
          transform: (body) => {
            for (const f of featuresOf(body)) f.id = rename.get(f.id) ?? f.id;
            return body;
          },
        },
      },
    ]);
    const sandbox = path.join(tmp, 'sandbox');
    const out = path.join(sandbox, 'a', 'b', 'c', 'out');
    mkdirSync(path.dirname(out), { recursive: true });
    const treeBefore = listTree(sandbox);
    const strayNames = (): string[] =>
      [process.cwd(), path.dirname(process.cwd()), '/', tmp].flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.includes('mw-traversal') || f.includes('mw-fault-abs'))
          .map((f) => path.join(d, f)),
      );
    const straysBefore = strayNames();
    const r = await withServer(world, faults, (s) => scanCli(s.url.href, out));
    const outside = listTree(sandbox).filter((p) => !treeBefore.includes(p) && !p.startsWith('a/b/c/out'));
    const strays = [
      ...outside,
      ...(existsSync(abs) ? [abs] : []),
      ...strayNames().filter((p) => !straysBefore.includes(p)),
    ];
    expect(r.code, r.stderr).toBe(0);
    // The products equal the clean ones once the renamed ids are mapped back.
    const back = new Map([...rename].map(([a, b]) => [b, a]));
    // Item lists sort by id, so the renamed ones may sit elsewhere in a list: compare them sorted.
    const normalise = (text: string): unknown =>
      JSON.parse(text, (_k, v: unknown) => {
        if (typeof v === 'string' && back.has(v)) return back.get(v);
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...v].sort();
        return v;
      });
    const differing = PRODUCTS.filter(
      (p) =>
        JSON.stringify(normalise(readFileSync(path.join(out, `${p}.geojson`), 'utf8'))) !==
        JSON.stringify(normalise(readFileSync(path.join(clean.out, `${p}.geojson`), 'utf8'))),
    );
    const same = differing.length === 0;
    const run = readRun(out);
    await record(FILE, {
      row: '22',
      name: 'path-like item ids',
      injected: hostile.length,
      ...health(r),
      filesOutsideRoot: strays.length,
      silentWrongPixels: same ? 0 : 1,
      outcome: `ids kept as data only; ${strays.length} stray files`,
    });
    expect(strays).toEqual([]);
    expect([...run.items.before, ...run.items.after]).toEqual(expect.arrayContaining(hostile));
    expect(differing).toEqual([]);
  });
});
