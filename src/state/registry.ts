/**
 * The candidate registry across re-scans. Pure: the previous registry and this run's detections
 * in, the next registry and the changes out.
 *
 * Identity is spatial: a detection that overlaps a registered candidate (or lies within
 * MATCH_DISTANCE_M of it) IS that candidate and keeps its id, however its outline, pond count or
 * centroid moved. Only an unmatched detection gets a new id (its place id). A registered candidate
 * whose tile was scanned again but which nothing matched is "gone"; one on a tile this run did not
 * scan is left as it was, since no new evidence speaks about it.
 */
import * as turf from '../geo/turf.js';
import type { CandidateFeature, RegistryEntry } from './store.js';

/** Detections this close to a registered candidate are the same place (site centroids move as it grows). */
export const MATCH_DISTANCE_M = 150;
/** A candidate "grew" when it gained a pond or this fraction of area. */
export const GROWTH_FRACTION = 0.1;

export interface Detection {
  feature: CandidateFeature;
  /** Tile keys of the scan that saw it. */
  tiles: string[];
}

export type ChangeKind = 'new' | 'grew' | 'gone';

export interface Change {
  kind: ChangeKind;
  feature: CandidateFeature;
  /** For "grew": what the registry held before. */
  previous?: { pond_count: number; area_m2: number };
}

export interface Reconciled {
  registry: RegistryEntry[];
  changes: Change[];
}

const num = (f: CandidateFeature, key: string): number => {
  const v = f.properties[key];
  return typeof v === 'number' ? v : 0;
};

function distanceM(a: CandidateFeature, b: CandidateFeature): number {
  if (turf.booleanIntersects(a.geometry as never, b.geometry as never)) return 0;
  return turf.distance(turf.centroid(a), turf.centroid(b), { units: 'meters' });
}

/** The earlier of two ISO dates (null counts as unknown, not as earliest). */
function earlier(a: unknown, b: unknown): unknown {
  if (typeof a !== 'string') return b;
  if (typeof b !== 'string') return a;
  return a < b ? a : b;
}

export function reconcile(
  previous: readonly RegistryEntry[],
  detected: readonly Detection[],
  scannedTiles: ReadonlySet<string>,
  run: number,
): Reconciled {
  const byId = new Map(previous.map((e) => [e.id, e]));
  const claimed = new Set<string>();
  const next = new Map<string, RegistryEntry>();
  const changes: Change[] = [];
  // Deterministic: detections in id order, each taking the nearest unclaimed registered candidate.
  const ordered = [...detected].sort((a, b) =>
    a.feature.properties.id.localeCompare(b.feature.properties.id),
  );
  for (const d of ordered) {
    let best: { entry: RegistryEntry; dist: number } | undefined;
    for (const entry of previous) {
      if (claimed.has(entry.id)) continue;
      const dist = distanceM(d.feature, entry.feature);
      if (
        dist <= MATCH_DISTANCE_M &&
        (best === undefined || dist < best.dist || (dist === best.dist && entry.id < best.entry.id))
      )
        best = { entry, dist };
    }
    if (best) {
      const old = best.entry;
      claimed.add(old.id);
      const feature: CandidateFeature = {
        ...d.feature,
        properties: {
          ...d.feature.properties,
          id: old.id,
          first_seen: earlier(old.feature.properties.first_seen, d.feature.properties.first_seen),
        },
      };
      next.set(old.id, { id: old.id, status: 'active', tiles: d.tiles, firstRun: old.firstRun, feature });
      if (old.status === 'gone') changes.push({ kind: 'new', feature });
      else {
        const before = { pond_count: num(old.feature, 'pond_count'), area_m2: num(old.feature, 'area_m2') };
        const grew =
          num(feature, 'pond_count') > before.pond_count ||
          num(feature, 'area_m2') > before.area_m2 * (1 + GROWTH_FRACTION);
        if (grew) changes.push({ kind: 'grew', feature, previous: before });
      }
      continue;
    }
    // A new place; its place id could only clash with a registered candidate far from here.
    let id = d.feature.properties.id;
    for (let k = 2; byId.has(id) || next.has(id); k++) id = `${d.feature.properties.id}-${k}`;
    const feature: CandidateFeature = { ...d.feature, properties: { ...d.feature.properties, id } };
    next.set(id, { id, status: 'active', tiles: d.tiles, firstRun: run, feature });
    changes.push({ kind: 'new', feature });
  }
  for (const entry of previous) {
    if (claimed.has(entry.id)) continue;
    const rescanned = entry.tiles.some((t) => scannedTiles.has(t));
    if (rescanned && entry.status === 'active') {
      next.set(entry.id, { ...entry, status: 'gone' });
      changes.push({ kind: 'gone', feature: entry.feature });
    } else next.set(entry.id, entry);
  }
  const registry = [...next.values()].sort((a, b) => a.id.localeCompare(b.id));
  const order: Record<ChangeKind, number> = { new: 0, grew: 1, gone: 2 };
  changes.sort(
    (a, b) => order[a.kind] - order[b.kind] || a.feature.properties.id.localeCompare(b.feature.properties.id),
  );
  return { registry, changes };
}
