/**
 * Bytes a re-scan has already fetched, kept in `cache.sqlite` in the state folder, so compositing a
 * tile again (a new acquisition joins the season) reads earlier acquisitions from disk instead of
 * the network. Keyed by the asset href and its item's `updated` stamp (a reprocessed item is new
 * bytes) plus the exact range. Safe to delete at any time: it only saves downloads.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RangeStore } from '../io/cached-source.js';

export class SqliteRangeCache implements RangeStore {
  private readonly db: Database.Database;
  private readonly getRange;
  private readonly putRange;
  private readonly getSize;
  private readonly putSize;
  hits = 0;
  misses = 0;

  constructor(stateDir: string) {
    this.db = new Database(path.join(stateDir, 'cache.sqlite'));
    // WAL: many small commits; a torn last one is simply lost, which a cache may be.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ranges (key TEXT NOT NULL, start INTEGER NOT NULL, length INTEGER NOT NULL,
        bytes BLOB NOT NULL, PRIMARY KEY (key, start, length));
      CREATE TABLE IF NOT EXISTS sizes (key TEXT PRIMARY KEY, size INTEGER NOT NULL);`);
    this.getRange = this.db.prepare<[string, number, number], { bytes: Buffer }>(
      'SELECT bytes FROM ranges WHERE key = ? AND start = ? AND length = ?',
    );
    this.putRange = this.db.prepare<[string, number, number, Uint8Array]>(
      'INSERT OR REPLACE INTO ranges VALUES (?, ?, ?, ?)',
    );
    this.getSize = this.db.prepare<[string], { size: number }>('SELECT size FROM sizes WHERE key = ?');
    this.putSize = this.db.prepare<[string, number]>('INSERT OR REPLACE INTO sizes VALUES (?, ?)');
  }

  get(key: string, offset: number, length: number): Uint8Array | undefined {
    const row = this.getRange.get(key, offset, length);
    if (row) this.hits++;
    else this.misses++;
    return row ? new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength) : undefined;
  }

  put(key: string, offset: number, length: number, bytes: Uint8Array): void {
    this.putRange.run(key, offset, length, bytes);
  }

  size(key: string): number | undefined {
    return this.getSize.get(key)?.size;
  }

  putSizeOf(key: string, size: number): void {
    this.putSize.run(key, size);
  }

  close(): void {
    this.db.close();
  }
}
