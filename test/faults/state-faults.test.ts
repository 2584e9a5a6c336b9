/**
 * Issue 14 §5 and the smaller ones, rows 37-38, through the built binary: a broken re-scan state
 * and a malformed --stac URL are one line naming the input (exit 2), never a stack trace (exit 70)
 * and never a state taken as new. No server: both fail before any request.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AFTER, BEFORE, health, isOneLineError, record, runCli, tempRoot } from './helpers/harness.js';

const FILE = 'state-faults';
let tmp: string;
beforeAll(() => {
  tmp = tempRoot(FILE);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rescan = (state: string): ReturnType<typeof runCli> =>
  runCli([
    'rescan',
    '--state',
    state,
    '--stac',
    'http://127.0.0.1:9/v1',
    '--before',
    BEFORE,
    '--after',
    AFTER,
    '--out',
    path.join(tmp, 'out'),
    '--quiet',
  ]);

describe('row 37: a broken re-scan state is refused on open', () => {
  for (const [name, bytes] of [
    ['0-byte state.sqlite', Buffer.alloc(0)],
    ['state.sqlite of random bytes', Buffer.alloc(8192, 0x5a)],
  ] as const) {
    it(`${name}: exit 2, one line naming the file`, async () => {
      const state = path.join(tmp, name.replace(/\W+/g, '-'));
      mkdirSync(state, { recursive: true });
      writeFileSync(path.join(state, 'state.sqlite'), bytes);
      const r = await rescan(state);
      await record(FILE, {
        row: '37',
        name,
        injected: 1,
        ...health(r),
        outcome: `E: exit ${String(r.code)}`,
      });
      expect(r.code, r.stderr).toBe(2);
      expect(isOneLineError(r.stderr)).toBe(true);
      expect(r.stderr).toContain(path.join(state, 'state.sqlite'));
    });
  }
});

describe('row 38: a malformed --stac URL', () => {
  it('--stac http://[::1: exit 2, one line', async () => {
    const r = await runCli([
      'scan',
      '--stac',
      'http://[::1',
      '--before',
      BEFORE,
      '--after',
      AFTER,
      '--out',
      path.join(tmp, 'o'),
    ]);
    await record(FILE, {
      row: '38',
      name: '--stac http://[::1',
      injected: 1,
      ...health(r),
      outcome: `E: exit ${String(r.code)}`,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain('--stac "http://[::1": not a valid URL');
  });
});
