/**
 * One place that turns `--redis <url>` into ioredis connections for BullMQ. BullMQ 6 no longer
 * bundles a driver and cannot load one itself from ESM, so we construct the ioredis clients.
 */
import { Redis } from 'ioredis';

/**
 * A connection for BullMQ. Workers and QueueEvents block on Redis, so BullMQ requires
 * maxRetriesPerRequest: null (commands wait for a reconnect rather than fail); reconnects back off
 * up to 2 s, forever: a caller that must not wait forever races its commands with a timeout.
 */
export function redisConnection(url: URL, name: string): Redis {
  const client = new Redis(url.href, {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
  // Connection errors are reported by whoever waits on a command; without a listener ioredis
  // would print every reconnect attempt as an unhandled error event.
  client.on('error', () => undefined);
  return client;
}
