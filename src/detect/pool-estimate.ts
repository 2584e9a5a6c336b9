/**
 * How many pools a site's pond blobs hold. Pure.
 *
 * Real leach pools sit a median 15 m apart (p10 11 m), so at 10 m neighbours merge into one blob
 * and `pond_count` (blobs) undercounts; the water-fraction peaks inside a blob separate some of
 * them, not all. A pool's water area bounds the rest: Pang War pools are 5-30 m a side, most
 * 10-20 m, so a blob of A m2 of water holds about A / 225 pools, at least A / 400 (20 m pools)
 * and at most A / 100 (10 m pools). Each blob holds at least one pool and at least as many as
 * its separate peaks; the estimate is the larger of its peaks and A / 225, the range the same
 * with the two bounding pool sizes. The sub-pixel water area comes from unmixing, so it is
 * what the satellite saw of the pools, not their dug outline.
 */
export const POOL_AREA_M2 = { typical: 225, large: 400, small: 100 } as const;

export interface PoolBlob {
  waterM2: number;
  peaks: number;
}

export interface PoolEstimate {
  estimate: number;
  low: number;
  high: number;
}

export function poolEstimate(blobs: readonly PoolBlob[]): PoolEstimate {
  let estimate = 0;
  let low = 0;
  let high = 0;
  for (const b of blobs) {
    const a = Math.max(0, b.waterM2);
    const peaks = Math.max(1, b.peaks);
    low += Math.max(1, Math.round(a / POOL_AREA_M2.large));
    estimate += Math.max(peaks, Math.round(a / POOL_AREA_M2.typical));
    high += Math.max(peaks, Math.ceil(a / POOL_AREA_M2.small));
  }
  return { estimate, low: Math.min(low, estimate), high: Math.max(high, estimate) };
}
