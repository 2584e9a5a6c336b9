/**
 * A scan in which every item is refused or every read fails must fail, with one line that counts
 * the reasons, whichever provider profile it ran through (the partial-read rule of DESIGN.md, issue
 * 14). Kept apart from provider-profiles.test.ts: the exit rule itself lands with that issue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import { answerStatus } from '../../src/server/faults.js';
import { runCli, type Ran } from '../helpers/cli-process.js';

const world = inject('smallWorld');
const WINDOWS = ['--before', '2020-12-01/2021-02-28', '--after', '2023-12-01/2024-02-29'];
let tmp: string;
const servers: CatalogServer[] = [];

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-refusals-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

async function scan(name: string, args: string[]): Promise<Ran> {
  return runCli(['scan', ...args, ...WINDOWS, '--out', path.join(tmp, name), '--quiet', '--no-evidence']);
}

/** Non-zero, and one line on stderr that counts items by reason. */
function expectCountedFailure(r: Ran, reason: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^minewatch: /);
  expect(lines[0]).toMatch(/\d+/);
  expect(lines[0]).toMatch(reason);
}

describe('every item refused, or every read failing, exits non-zero with a count by reason', () => {
  it('c1-l2a without --allow-host: every COG is on a host the profile does not list', async () => {
    const c1 = await startCatalogServer({ root: world, basePath: '/v1', profile: 'c1-l2a' });
    servers.push(c1);
    expectCountedFailure(await scan('c1-refused', ['--stac', c1.url.href]), /refused|allow/i);
  });

  it('l2a: every asset read answers 403', async () => {
    const l2a = await startCatalogServer({ root: world, basePath: '/v1', profile: 'l2a' });
    servers.push(l2a);
    l2a.setFaults({ onRequest: (ctx) => (ctx.kind === 'asset' ? answerStatus(ctx, 403) : undefined) });
    expectCountedFailure(
      await scan('l2a-403', ['--stac', l2a.url.href, '--collection', 'sentinel-2-l2a']),
      /403/,
    );
  });

  it('pc: every token is refused by the blobs', async () => {
    const pc = await startCatalogServer({ root: world, profile: 'pc', tokenMaxUses: 0 });
    servers.push(pc);
    expectCountedFailure(
      await scan('pc-403', ['--stac', pc.url.href, '--provider', 'planetary-computer']),
      /403/,
    );
  });
});
