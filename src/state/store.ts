/**
 * The durable state of re-scans, in one SQLite file (`state.sqlite`) in the state folder:
 *  - items:      the ledger of acquisitions processed, whole (see item-codec.ts), by role and tile;
 *  - candidates: the registry of mine-site candidates with stable ids, active or gone;
 *  - evidence:   the latest ponds and clearings per tile, so a run that re-scans one tile can still
 *                publish the evidence of the others;
 *  - runs:       one row per finished run (how far its search reached, what it processed).
 * A run reads it at the start and replaces it in ONE transaction after its outputs are written,
 * so a crash at any point leaves either the old state or the new one.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InvalidInputError } from '../errors.js';
import type { Feature, Geometry } from 'geojson';
import type { S2Item } from '../catalog/item.js';
import { crashPoint } from './crash-point.js';
import { decodeItem, encodeItem } from './item-codec.js';

export type ItemRole = 'before' | 'after';

export interface LedgerItem {
  item: S2Item;
  role: ItemRole;
  tile: string;
}

export type CandidateFeature = Feature<Geometry, { id: string } & Record<string, unknown>>;

export interface RegistryEntry {
  id: string;
  status: 'active' | 'gone';
  /** Tile keys whose scans saw it: a re-scan of one of them may find it gone. */
  tiles: string[];
  /** The run that first saw it, and the latest feature (its properties carry `first_seen`). */
  firstRun: number;
  feature: CandidateFeature;
}

export interface TileEvidence {
  ponds: Feature[];
  clearings: Feature[];
}

export interface RunRecord {
  run: number;
  /** The upper end of the after window this run searched (ISO instant). */
  searchedUntil: string;
  newItems: string[];
  tiles: string[];
}

export interface StateUpdate {
  fingerprint: string;
  run: RunRecord;
  items: LedgerItem[];
  /** The whole registry after the run. */
  registry: RegistryEntry[];
  /** Evidence of the tiles this run scanned; other tiles keep theirs. */
  evidence: Map<string, TileEvidence>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY, role TEXT NOT NULL, tile TEXT NOT NULL, datetime TEXT NOT NULL,
  updated TEXT, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidates (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, tiles TEXT NOT NULL, first_run INTEGER NOT NULL,
  feature TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (tile TEXT PRIMARY KEY, ponds TEXT NOT NULL, clearings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run INTEGER PRIMARY KEY, searched_until TEXT NOT NULL, new_items TEXT NOT NULL, tiles TEXT NOT NULL);
`;
const SCHEMA_VERSION = '1';
const TABLES = ['meta', 'items', 'candidates', 'evidence', 'runs'];
/** How long a reader waits for the state's lock before SQLITE_BUSY. */
export const STATE_BUSY_TIMEOUT_MS = 5000;

/** Integrity, tables and schema version of an existing state; throws `refuse(why)`. */
function checkState(db: Database.Database, refuse: (what: string) => Error): void {
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw refuse(`fails SQLite's integrity check (${String(check)})`);
  const have = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name),
  );
  const missing = TABLES.filter((t) => !have.has(t));
  if (missing.length > 0) throw refuse(`is not a minewatch state (tables missing: ${missing.join(', ')})`);
  const version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get();
  if (version?.value !== SCHEMA_VERSION)
    throw refuse(
      `holds state schema ${version?.value ?? '(none)'}, and this minewatch reads schema ${SCHEMA_VERSION}`,
    );
}

export class StateStore {
  private constructor(private readonly db: Database.Database) {}

  /**
   * Opens the state of `stateDir`, creating it only when there is no state.sqlite yet. A file that
   * is there but is not a whole minewatch state (0 bytes, not SQLite, corrupt, tables missing,
   * another schema) is refused with InvalidInputError (exit 2) naming it: taking it as a new state
   * would report every known candidate as new again. The handle is closed on every refusal.
   *
   * Journal: rollback (DELETE) with synchronous FULL, not WAL: the state changes once per run, in
   * one transaction, and a single file with no -wal beside it is what a backup copies whole. The
   * run lock (lock.ts) keeps writers to one; the busy timeout covers readers such as tests.
   */
  static open(stateDir: string): StateStore {
    const file = path.join(stateDir, 'state.sqlite');
    const refuse = (what: string): InvalidInputError =>
      new InvalidInputError(
        `--state ${stateDir}: ${file} ${what}; restore it from a backup, or move the folder away to start a new state`,
      );
    let existed = false;
    try {
      const st = statSync(file);
      existed = true;
      if (st.size === 0) throw refuse('is empty (0 bytes), not a minewatch state');
    } catch (err) {
      if (err instanceof InvalidInputError) throw err;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw refuse(`cannot be read: ${(err as Error).message}`);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { timeout: STATE_BUSY_TIMEOUT_MS });
      if (existed) checkState(db, refuse);
      // Rollback journal with full fsync: a commit survives power loss, a torn one rolls back.
      db.pragma('journal_mode = DELETE');
      db.pragma('synchronous = FULL');
      if (!existed) {
        db.exec(SCHEMA);
        db.prepare("INSERT INTO meta VALUES ('schema', ?)").run(SCHEMA_VERSION);
      }
      return new StateStore(db);
    } catch (err) {
      db?.close();
      if (err instanceof InvalidInputError) throw err;
      const code = (err as { code?: string }).code ?? '';
      if (/^SQLITE_(NOTADB|CORRUPT|IOERR|CANTOPEN)/.test(code))
        throw refuse(`is not a readable SQLite database (${code})`);
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  /** The journal mode and busy timeout this handle runs with (stated in open()'s comment). */
  settings(): { journalMode: string; synchronous: number; busyTimeoutMs: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    };
  }

  fingerprint(): string | undefined {
    return this.db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'fingerprint'").get()
      ?.value;
  }

  lastRun(): RunRecord | undefined {
    const r = this.db
      .prepare<[], { run: number; searched_until: string; new_items: string; tiles: string }>(
        'SELECT * FROM runs ORDER BY run DESC LIMIT 1',
      )
      .get();
    if (!r) return undefined;
    return {
      run: r.run,
      searchedUntil: r.searched_until,
      newItems: JSON.parse(r.new_items) as string[],
      tiles: JSON.parse(r.tiles) as string[],
    };
  }

  items(): LedgerItem[] {
    return this.db
      .prepare<[], { role: ItemRole; tile: string; item: string }>(
        'SELECT role, tile, item FROM items ORDER BY id',
      )
      .all()
      .map((r) => ({ role: r.role, tile: r.tile, item: decodeItem(r.item) }));
  }

  registry(): RegistryEntry[] {
    return this.db
      .prepare<
        [],
        { id: string; status: 'active' | 'gone'; tiles: string; first_run: number; feature: string }
      >('SELECT * FROM candidates ORDER BY id')
      .all()
      .map((r) => ({
        id: r.id,
        status: r.status,
        tiles: JSON.parse(r.tiles) as string[],
        firstRun: r.first_run,
        feature: JSON.parse(r.feature) as CandidateFeature,
      }));
  }

  evidence(): Map<string, TileEvidence> {
    const out = new Map<string, TileEvidence>();
    for (const r of this.db
      .prepare<[], { tile: string; ponds: string; clearings: string }>('SELECT * FROM evidence ORDER BY tile')
      .all())
      out.set(r.tile, {
        ponds: JSON.parse(r.ponds) as Feature[],
        clearings: JSON.parse(r.clearings) as Feature[],
      });
    return out;
  }

  /** Advances the state: everything in one transaction, or nothing. */
  commit(u: StateUpdate): void {
    const tx = this.db.transaction(() => {
      this.db.prepare("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)").run(u.fingerprint);
      const putItem = this.db.prepare('INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)');
      for (const l of u.items)
        putItem.run(
          l.item.id,
          l.role,
          l.tile,
          l.item.datetime.toISOString(),
          l.item.updated ?? null,
          encodeItem(l.item),
        );
      this.db.exec('DELETE FROM candidates');
      crashPoint('in-commit'); // a kill here leaves a hot journal: the next open rolls it back
      const putCandidate = this.db.prepare('INSERT INTO candidates VALUES (?, ?, ?, ?, ?)');
      for (const c of u.registry)
        putCandidate.run(c.id, c.status, JSON.stringify(c.tiles), c.firstRun, JSON.stringify(c.feature));
      const putEvidence = this.db.prepare('INSERT OR REPLACE INTO evidence VALUES (?, ?, ?)');
      for (const [tile, ev] of u.evidence)
        putEvidence.run(tile, JSON.stringify(ev.ponds), JSON.stringify(ev.clearings));
      this.db
        .prepare('INSERT INTO runs VALUES (?, ?, ?, ?)')
        .run(u.run.run, u.run.searchedUntil, JSON.stringify(u.run.newItems), JSON.stringify(u.run.tiles));
    });
    tx.immediate();
  }
}
