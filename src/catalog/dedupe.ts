/**
 * De-duplication of search results, with the reason for every drop so run.json can say why.
 *
 * 1. The same id twice (a page repeated by the server, or two windows overlapping): the first wins.
 * 2. Earth Search publishes a reprocessed acquisition as a new item, `..._1_L2A` beside `..._0_L2A`,
 *    with the same platform, tile and sensing time. Scanning both would count one acquisition twice in a
 *    composite, so only the highest `sequence` (the latest processing) is kept. Two items on the same day
 *    whose sensing times differ by more than a few minutes are different passes (it happens at high
 *    latitudes, where orbits overlap), not duplicates, and are both kept.
 */
import type { S2Item } from './item.js';

export interface DroppedItem {
  id: string;
  reason: string;
  keptId: string;
}

/** Sensing times of one acquisition's copies agree to the millisecond; different passes are ~100 min apart. */
const SAME_PASS_MS = 10 * 60_000;

function acquisitionKey(item: S2Item): string {
  return `${item.platform}|${item.gridCode}|${item.datetime.toISOString().slice(0, 10)}`;
}

export function dedupeItems(items: readonly S2Item[]): { kept: S2Item[]; dropped: DroppedItem[] } {
  const unique: S2Item[] = [];
  const repeats: S2Item[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) repeats.push(item);
    else unique.push(item);
    seen.add(item.id);
  }

  const groups = new Map<string, S2Item[]>();
  for (const item of unique) {
    const key = acquisitionKey(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }

  const superseded = new Map<S2Item, S2Item>();
  const copies: DroppedItem[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    // Highest sequence first; equal sequences keep their input order (the sort is stable).
    const ranked = [...group].sort((a, b) => b.sequence - a.sequence);
    const winners: S2Item[] = [];
    for (const item of ranked) {
      const winner = winners.find(
        (w) => Math.abs(w.datetime.getTime() - item.datetime.getTime()) <= SAME_PASS_MS,
      );
      if (!winner) {
        winners.push(item);
        continue;
      }
      superseded.set(item, winner);
      copies.push({
        id: item.id,
        reason:
          `same acquisition as ${winner.id} (${item.platform}, ${item.gridCode}, ` +
          `${item.datetime.toISOString()}): sequence ${item.sequence} superseded by sequence ${winner.sequence}`,
        keptId: winner.id,
      });
    }
  }

  // A repeated id points at the item that survived: another one when its first copy was superseded.
  const firstById = new Map(unique.map((i) => [i.id, i]));
  const repeated = repeats.map((r): DroppedItem => {
    const first = firstById.get(r.id) ?? r;
    const keptId = (superseded.get(first) ?? first).id;
    return { id: r.id, reason: 'duplicate id: the same item was returned twice', keptId };
  });
  return { kept: unique.filter((i) => !superseded.has(i)), dropped: [...repeated, ...copies] };
}
