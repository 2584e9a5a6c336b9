/**
 * Request counters of the local catalogue server, for tests that assert what a client did
 * ("the second run read only the new items") and for benchmarks.
 */
import type { RequestKind } from './faults.js';

export interface ServerStats {
  /** Every request received, faults and errors included. */
  requests: number;
  /** `/search` (GET and POST) and `/collections/{id}/items` requests. */
  searchRequests: number;
  /** Requests under `/assets/`, whatever their outcome. */
  assetRequests: number;
  /** Asset requests that carried a `Range` header. */
  rangeRequests: number;
  /** Asset body bytes written to sockets. */
  bytesServed: number;
  /** Items returned in search and items pages (single-item GETs not included). */
  itemsReturned: number;
  /** Requests per raw URL path (query string excluded), e.g. `/assets/.../B04.tif` -> 3. */
  byPath: Map<string, number>;
  /** Requests per kind (`search`, `asset`, `landing`, ...). */
  byKind: Map<RequestKind, number>;
  /** Responses per status code (faults that answer count too; reset sockets do not). */
  byStatus: Map<number, number>;
  /** `pc` profile: SAS token requests. */
  tokenRequests?: number;
  /** Sets every counter back to zero; the `nth` seen by fault injectors restarts too. */
  reset(): void;
}

export function createStats(): ServerStats {
  const stats: ServerStats = {
    requests: 0,
    searchRequests: 0,
    assetRequests: 0,
    rangeRequests: 0,
    bytesServed: 0,
    itemsReturned: 0,
    byPath: new Map(),
    byKind: new Map(),
    byStatus: new Map(),
    reset() {
      stats.requests = 0;
      stats.searchRequests = 0;
      stats.assetRequests = 0;
      stats.rangeRequests = 0;
      stats.bytesServed = 0;
      stats.itemsReturned = 0;
      stats.tokenRequests = 0;
      stats.byPath.clear();
      stats.byKind.clear();
      stats.byStatus.clear();
    },
  };
  return stats;
}

export function bump<K>(map: Map<K, number>, key: K): number {
  const n = (map.get(key) ?? 0) + 1;
  map.set(key, n);
  return n;
}
