/**
 * One place that turns `--redis <url>` into ioredis connections for BullMQ. BullMQ 6 no longer
 * bundles a driver and cannot load one itself from ESM, so we construct the ioredis clients.
 */
import { Redis } from 'ioredis';
import { InvalidInputError } from '../../errors.js';

export const DEFAULT_QUEUE = 'minewatch';

/** `redis://[user:pass@]host:port[/db]` or `rediss://...`; anything else is a usage error. */
export function parseRedisUrl(text: string): URL {
  if (!URL.canParse(text)) throw new InvalidInputError(`--redis ${JSON.stringify(text)} is not a URL`);
  const url = new URL(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new InvalidInputError(
      `--redis ${JSON.stringify(text)}: expected redis://host:port or rediss://...`,
    );
  return url;
}

/** Queue names become Redis key parts: keep them plain. */
export function parseQueueName(text: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text))
    throw new InvalidInputError(`--queue ${JSON.stringify(text)}: use 1-64 letters, digits, - or _`);
  return text;
}

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
