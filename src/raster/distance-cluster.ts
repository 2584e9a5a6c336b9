/**
 * Single-linkage clustering of points by a distance threshold, e.g. ponds into sites.
 *
 * Two points are linked when their distance is <= `threshold`; clusters are the connected
 * groups of that relation (so a chain of ponds 50 m apart is one site at threshold 60 m even if
 * its ends are kilometres apart: that is what single linkage means). Points are bucketed in a
 * grid of cells `threshold` wide, so each point is compared only with the points of its own and
 * the 8 neighbouring cells, and pairs are merged with union-find. Coordinates are metres in a
 * projected CRS (UTM), kept in Float64: Float32 cannot hold UTM northings to the metre.
 */

export interface Clustering {
  /** Cluster id (0..count-1) of each point, numbered in order of each cluster's first point. */
  clusterOf: Int32Array;
  count: number;
  /** Number of points in each cluster. */
  sizes: Int32Array;
}

export function clusterPoints(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): Clustering {
  const n = xs.length;
  if (ys.length !== n) throw new RangeError(`xs has ${n} points but ys has ${ys.length}`);
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw new RangeError(`threshold ${threshold} must be a positive finite distance`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(xs[i]!) || !Number.isFinite(ys[i]!))
      throw new RangeError(`point ${i} is not finite`);
  }
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  // Cell keys as strings: exact for any coordinate range, and point counts here are modest.
  const cells = new Map<string, number[]>();
  const t2 = threshold * threshold;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    const cx = Math.floor(x / threshold);
    const cy = Math.floor(y / threshold);
    // Compare with points already bucketed; each pair is seen once, from its later point.
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const bucket = cells.get(`${cx + dx},${cy + dy}`);
        if (!bucket) continue;
        for (const j of bucket) {
          const ex = xs[j]! - x;
          const ey = ys[j]! - y;
          if (ex * ex + ey * ey > t2) continue;
          const a = find(i);
          const b = find(j);
          if (a < b) parent[b] = a;
          else if (b < a) parent[a] = b;
        }
      }
    }
    const key = `${cx},${cy}`;
    const own = cells.get(key);
    if (own) own.push(i);
    else cells.set(key, [i]);
  }
  // Roots are the smallest index of their cluster, so ids follow first points.
  const clusterOf = new Int32Array(n);
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = find(i);
    const id = r === i ? sizes.push(0) - 1 : clusterOf[r]!;
    clusterOf[i] = id;
    sizes[id]!++;
  }
  return { clusterOf, count: sizes.length, sizes: Int32Array.from(sizes) };
}
