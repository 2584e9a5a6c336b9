/**
 * Where a ring crosses or touches itself: the predicate of turf's `kinks` (segment pairs that are
 * not neighbours, ends included, parallel pairs never), with the same first point, but candidates
 * found through a static R-tree of the segments' boxes (flatbush) instead of testing every pair.
 * Two segments can only meet where their boxes overlap, so the verdict is the same; the work is
 * O(n log n) for any outline whose segment boxes overlap a few others (a 200,000-vertex boundary
 * takes under a second where kinks took minutes). It stops at the first meeting. An outline whose
 * segment boxes overlap by the million (a star of long spikes all reaching its centre) would still
 * cost pairs by the billion: past `MAX_SEGMENT_PAIRS` candidates the check gives up and says so, so
 * the time is bounded whatever the input. Pure.
 */
import Flatbush from 'flatbush';
import type { Position } from 'geojson';
import { at } from '../types/checked.js';

/** kinks' segment test, verbatim in arithmetic: the meeting point of p1p2 and p3p4, or undefined. */
function meet(p1: Position, p2: Position, p3: Position, p4: Position): [number, number] | undefined {
  const [x1, y1] = p1 as [number, number];
  const [x2, y2] = p2 as [number, number];
  const [x3, y3] = p3 as [number, number];
  const [x4, y4] = p4 as [number, number];
  const denominator = (y4 - y3) * (x2 - x1) - (x4 - x3) * (y2 - y1);
  if (denominator === 0) return undefined;
  const a0 = y1 - y3;
  const b0 = x1 - x3;
  const a = ((x4 - x3) * a0 - (y4 - y3) * b0) / denominator;
  const b = ((x2 - x1) * a0 - (y2 - y1) * b0) / denominator;
  if (!(a >= 0 && a <= 1 && b >= 0 && b <= 1)) return undefined;
  return [x1 + a * (x2 - x1), y1 + a * (y2 - y1)];
}

/** Candidate segment pairs (boxes overlapping) tested at most: about a second of work. */
export const MAX_SEGMENT_PAIRS = 10_000_000;

export type SelfIntersection =
  | { kind: 'simple' }
  /** The first point, in kinks' order (by the first segment, then the second), where the ring meets itself. */
  | { kind: 'meets'; at: [number, number] }
  | { kind: 'too-intricate'; pairs: number };

/** Thrown inside the index search to stop it once the pair budget is spent. Control flow, not an
 * error: selfIntersection() catches it two frames up and it never leaves this module. */
class PairBudgetSpent extends Error {}

/** Whether the ring crosses or touches itself, and where first; gives up past `maxPairs` candidates. */
export function selfIntersection(ring: readonly Position[], maxPairs = MAX_SEGMENT_PAIRS): SelfIntersection {
  try {
    const at = firstSelfIntersection(ring, maxPairs);
    return at ? { kind: 'meets', at } : { kind: 'simple' };
  } catch (err) {
    if (err instanceof PairBudgetSpent) return { kind: 'too-intricate', pairs: maxPairs };
    throw err;
  }
}

function firstSelfIntersection(ring: readonly Position[], maxPairs: number): [number, number] | undefined {
  const n = ring.length - 1; // segments
  if (n < 2) return undefined;
  let pairs = 0;
  const first = at(ring, 0);
  const last = at(ring, n);
  const closed = first[0] === last[0] && first[1] === last[1];
  const index = new Flatbush(n);
  for (let i = 0; i < n; i++) {
    const [ax, ay] = ring[i] as [number, number];
    const [bx, by] = ring[i + 1] as [number, number];
    index.add(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by));
  }
  index.finish();
  for (let i = 0; i < n; i++) {
    const [ax, ay] = ring[i] as [number, number];
    const [bx, by] = ring[i + 1] as [number, number];
    const others = index
      .search(
        Math.min(ax, bx),
        Math.min(ay, by),
        Math.max(ax, bx),
        Math.max(ay, by),
        // kinks pairs a segment with itself and later ones, never its neighbour, nor the last
        // with the first of a closed ring.
        (k) => {
          if (++pairs > maxPairs) throw new PairBudgetSpent();
          return k > i + 1 && !(closed && i === 0 && k === n - 1);
        },
      )
      .sort((p, q) => p - q);
    for (const k of others) {
      const p = meet(at(ring, i), at(ring, i + 1), at(ring, k), at(ring, k + 1));
      if (p) return p;
    }
  }
  return undefined;
}
