/**
 * A worker's own policy (src/run/worker-policy.ts) and the flags it comes from: which catalogues a
 * job may name, and which folders a scheduled re-scan may use. The job chooses among the roots,
 * never beyond them.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workerPolicy } from '../../src/cli/commands/worker.js';
import { assetPolicy } from '../../src/run/asset-policy.js';
import { pathUnder, printable, stacRootFor, type WorkerPolicy } from '../../src/run/worker-policy.js';

const policy: WorkerPolicy = workerPolicy(
  {
    redis: 'redis://127.0.0.1:6379',
    queue: 'q',
    concurrency: 1,
    threads: 1,
    lockMs: 1,
    stalledMs: 1,
    rateMax: 1,
    rateMs: 1,
    stacRoot: ['http://127.0.0.1:8080/v1', 'worlds/w1/stac/items.json'],
    allowHost: ['bucket.example.org'],
    stateRoot: ['/srv/mw/state'],
    outRoot: ['/srv/mw/out'],
  },
  '/data',
);

describe('stacRootFor', () => {
  it.each([
    'http://127.0.0.1:8080/v1',
    'http://127.0.0.1:8080/v1/',
    'http://127.0.0.1:8080/v1/collections/x',
    '/data/worlds/w1/stac/items.json',
    'file:///data/worlds/w1/stac/items.json',
  ])('accepts %s', (stac) => {
    expect(stacRootFor(policy, stac).ok).toBe(true);
  });

  it.each([
    ['another port', 'http://127.0.0.1:8081/v1'],
    ['a sibling path', 'http://127.0.0.1:8080/v10'],
    ['the path above', 'http://127.0.0.1:8080/'],
    ['https for http', 'https://127.0.0.1:8080/v1'],
    ['credentials', 'http://u:p@127.0.0.1:8080/v1'],
    ['cloud metadata', 'http://169.254.169.254/'],
    ['the file system root', 'file:///'],
    ['a file beside the catalogue', '/data/worlds/w1/stac/other.json'],
    ['the folder of the catalogue', '/data/worlds/w1'],
    ['a relative path', 'worlds/w1/stac/items.json'],
    ['a dotted path out', '/data/worlds/w1/stac/../../../../etc/passwd'],
  ])('refuses %s', (_label, stac) => {
    const r = stacRootFor(policy, stac);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).not.toMatch(/\n/);
  });

  it('the asset policy built from a file root reads only under the catalogue’s folder', () => {
    const r = stacRootFor(policy, '/data/worlds/w1/stac/items.json');
    if (!r.ok) throw new Error(r.reason);
    const allow = assetPolicy({ stac: r.value, extraHosts: policy.extraHosts });
    expect(allow(pathToFileURL('/data/worlds/w1/assets/a/B04.tif'))).toBe(true);
    expect(allow(pathToFileURL('/etc/passwd'))).toBe(false);
    expect(allow(new URL('https://bucket.example.org/B04.tif'))).toBe(true);
    expect(allow(new URL('http://169.254.169.254/latest/meta-data/'))).toBe(false);
  });
});

describe('pathUnder', () => {
  const roots = policy.outRoots;
  it('accepts the root and paths below it', () => {
    expect(pathUnder(roots, '/srv/mw/out', 'out', '--out-root')).toEqual({ ok: true, value: '/srv/mw/out' });
    expect(pathUnder(roots, '/srv/mw/out/a/../b', 'out', '--out-root')).toEqual({
      ok: true,
      value: path.resolve('/srv/mw/out/b'),
    });
    expect(pathUnder(roots, '/srv/mw/out/..hidden', 'out', '--out-root').ok).toBe(true);
  });
  it.each(['/', '/srv/mw', '/srv/mw/out2', '/srv/mw/out/../state', 'out', '/srv/mw/out\0x'])(
    'refuses %j',
    (p) => {
      const r = pathUnder(roots, p, 'out', '--out-root');
      expect(r.ok).toBe(false);
    },
  );
  it('refuses everything when the worker has no roots', () => {
    const r = pathUnder([], '/srv/mw/out', 'out', '--out-root');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/outside this worker's --out-root \(none given\)/);
  });
});

describe('workerPolicy flags', () => {
  const base = {
    redis: '',
    queue: '',
    concurrency: 1,
    threads: 1,
    lockMs: 1,
    stalledMs: 1,
    rateMax: 1,
    rateMs: 1,
  };
  it('defaults to the public catalogue and no re-scan folders', () => {
    const p = workerPolicy(base, '/data');
    expect(p.stacRoots.map((u) => u.href)).toEqual(['https://earth-search.aws.element84.com/v1']);
    expect(p.stateRoots).toEqual([]);
    expect(p.outRoots).toEqual([]);
  });
  it.each([
    [{ outRoot: ['/'] }, /--out-root "\/": the file system root/],
    [{ stateRoot: ['/'] }, /--state-root "\/"/],
    [{ stacRoot: ['ftp://x/'] }, /--stac-root "ftp:\/\/x\/": expected an http\(s\) URL or a path/],
    [{ stacRoot: ['https://u:p@x/v1'] }, /without credentials/],
    [{ allowHost: ['not a host'] }, /--allow-host/],
  ])('refuses %j', (extra, message) => {
    expect(() => workerPolicy({ ...base, ...extra }, '/data')).toThrow(message);
  });
});

describe('printable', () => {
  it('keeps plain ids, replaces control characters and line separators, cuts long text', () => {
    expect(printable('tile-0a1b')).toBe('tile-0a1b');
    expect(printable('a\nworker: forged\r\u2028x\u0000')).toBe('a?worker: forged??x?');
    expect(printable('x'.repeat(200), 40)).toHaveLength(40);
    expect(printable(undefined)).toBe('?');
    expect(printable('')).toBe('?');
  });
});
