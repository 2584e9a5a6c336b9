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
import path from 'node:path';
import Database from 'better-sqlite3';
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

export class StateStore {
  private constructor(private readonly db: Database.Database) {}

  static open(stateDir: string): StateStore {
    const db = new Database(path.join(stateDir, 'state.sqlite'));
    // Rollback journal with full fsync: a commit survives power loss, a torn one rolls back.
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    const version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get();
    if (version === undefined) db.prepare("INSERT INTO meta VALUES ('schema', ?)").run(SCHEMA_VERSION);
    else if (version.value !== SCHEMA_VERSION)
      throw new Error(
        `state schema ${version.value} is not ${SCHEMA_VERSION}: this minewatch cannot read it`,
      );
    return new StateStore(db);
  }

  close(): void {
    this.db.close();
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
