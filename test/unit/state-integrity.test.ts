/**
 * Issue 14 §5: a state that is not a whole minewatch state is refused on open (exit 2, one line
 * naming the file), never taken as a new one; a run refused on it releases its locks; the journal
 * and busy-timeout settings are the ones the README states.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { InvalidInputError } from '../../src/errors.js';
import { runRescan } from '../../src/run/rescan.js';
import { SqliteRangeCache } from '../../src/state/range-cache.js';
import { STATE_BUSY_TIMEOUT_MS, StateStore } from '../../src/state/store.js';

const root = mkdtempSync(path.join(tmpdir(), 'mw-state-integrity-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const stateWith = (make: (file: string) => void): string => {
  const dir = path.join(root, `s${++n}`);
  mkdirSync(dir);
  make(path.join(dir, 'state.sqlite'));
  return dir;
};
const refusal = (dir: string): InvalidInputError => {
  try {
    StateStore.open(dir).close();
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
  throw new Error(`${dir} was accepted`);
};

describe('StateStore.open refuses what is not a whole state', () => {
  it('a 0-byte state.sqlite', () => {
    const dir = stateWith((f) => writeFileSync(f, ''));
    expect(refusal(dir).message).toBe(
      `--state ${dir}: ${path.join(dir, 'state.sqlite')} is empty (0 bytes), not a minewatch state; restore it from a backup, or move the folder away to start a new state`,
    );
  });
  it('bytes that are not SQLite', () => {
    const dir = stateWith((f) => writeFileSync(f, Buffer.alloc(8192, 0x5a)));
    expect(refusal(dir).message).toContain('is not a readable SQLite database (SQLITE_NOTADB)');
  });
  it('a SQLite file with other tables, and one of another schema version', () => {
    const other = stateWith((f) => new Database(f).exec('CREATE TABLE t (x)').close());
    expect(refusal(other).message).toContain('tables missing: meta, items, candidates, evidence, runs');
    const fresh = stateWith(() => undefined);
    StateStore.open(fresh).close();
    const db = new Database(path.join(fresh, 'state.sqlite'));
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run();
    db.close();
    expect(refusal(fresh).message).toContain('holds state schema 99, and this minewatch reads schema 1');
  });
  it('a state whose pages are damaged', () => {
    const dir = stateWith(() => undefined);
    const s = StateStore.open(dir);
    s.close();
    const db = new Database(path.join(dir, 'state.sqlite'));
    db.exec(`INSERT INTO evidence VALUES ('t', '${'x'.repeat(20000)}', '[]')`);
    db.close();
    // Overwrite the middle of the file (a page of the evidence table) with garbage.
    const file = path.join(dir, 'state.sqlite');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, 8192);
    closeSync(fd);
    expect(refusal(dir).message).toMatch(/integrity check|not a readable SQLite database/);
  });
});

describe('a run refused on a broken state', () => {
  it('releases its locks: the next run in the same process is refused for the state again, not 75', async () => {
    const dir = stateWith((f) => writeFileSync(f, ''));
    const opts = {
      state: dir,
      stac: 'http://127.0.0.1:9/v1',
      collection: 'sentinel-2-l2a',
      aoi: loadAoi('kachin'),
      before: parseDateWindow('2020-12-01', '2021-02-28'),
      after: parseDateWindow('2023-12-01', '2024-02-29'),
      lookbackDays: 30,
      maxCloud: 60,
      concurrency: 4,
      out: path.join(root, 'out'),
      json: false,
      quiet: true,
    };
    for (let i = 0; i < 2; i++) {
      const err = await runRescan(opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).exitCode).toBe(2);
    }
  });
});

describe('journal and busy timeout, as stated', () => {
  it('state.sqlite: rollback journal, synchronous FULL, a busy timeout; cache.sqlite: WAL', () => {
    const dir = stateWith(() => undefined);
    const store = StateStore.open(dir);
    expect(store.settings()).toEqual({
      journalMode: 'delete',
      synchronous: 2,
      busyTimeoutMs: STATE_BUSY_TIMEOUT_MS,
    });
    store.close();
    new SqliteRangeCache(dir).close();
    const cache = new Database(path.join(dir, 'cache.sqlite'));
    expect(cache.pragma('journal_mode', { simple: true })).toBe('wal');
    cache.close();
  });
});
