/**
 * The `--stac` value (or a pipeline's `stac:`): an http(s) STAC API root, a file: URL, or a path
 * to a local ItemCollection / static catalogue. Checked before anything runs, so a malformed URL
 * is one line naming it (exit 2), not a stack trace from deep inside the scan.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../errors.js';

/**
 * Returns the value the scan takes: an http(s) URL or a path as given (a re-scan state is tied to
 * it), a file: URL as its path. Paths are resolved against `base` only when it is given.
 */
export function parseStacSource(text: string, what: string, base?: string): string {
  const value = text.trim();
  if (/^https?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new InvalidInputError(`${what} ${JSON.stringify(text)}: not a valid URL`);
    }
    return text;
  }
  if (/^file:/i.test(value)) {
    try {
      return fileURLToPath(new URL(value));
    } catch (err) {
      throw new InvalidInputError(
        `${what} ${JSON.stringify(text)}: not a usable file: URL (${(err as Error).message})`,
      );
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw new InvalidInputError(
      `${what} ${JSON.stringify(text)}: expected an http(s) URL, a file: URL or a path`,
    );
  return base === undefined ? text : path.resolve(base, text);
}
