/**
 * `--redis` and `--queue` as the CLI takes them. Kept apart from the connection code so that
 * parsing a command line never loads ioredis and BullMQ (~170 ms): only a bullmq run needs them.
 */
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
