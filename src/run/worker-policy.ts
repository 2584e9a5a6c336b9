/**
 * What a `minewatch worker` may do, decided by the worker's own flags and never by a job: which
 * STAC catalogues' assets it reads (`--stac-root`, plus `--allow-host`), and under which folders
 * a scheduled re-scan may keep its state and write its outputs (`--state-root`, `--out-root`).
 * A job names a catalogue and paths; the worker checks them against this policy and builds the
 * asset policy from its own root, so a job from Redis cannot widen what the worker reads or
 * writes, even when it is correctly signed (a leaked secret, a compromised producer).
 *
 * Pure: paths are compared as written (resolved, not followed through symlinks: a symlink inside
 * a root was put there by someone who can already write the file system).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidInputError, MinewatchError } from '../errors.js';
import type { AllowedHost } from './asset-policy.js';

export interface WorkerPolicy {
  /** http(s) STAC API roots, or file: URLs of local catalogue files. */
  stacRoots: readonly URL[];
  /** `--allow-host` entries: asset hosts beyond a root's own origin and the public S2 hosts. */
  extraHosts: readonly AllowedHost[];
  /** Absolute folders a scheduled re-scan's state (and AOI file) may be in; none: no re-scans. */
  stateRoots: readonly string[];
  /** Absolute folders a scheduled re-scan's outputs may be in; none: no re-scans. */
  outRoots: readonly string[];
}

/** The public catalogue the CLI defaults to (DESIGN.md `--stac`). */
export const DEFAULT_STAC_ROOTS: readonly string[] = ['https://earth-search.aws.element84.com/v1'];

/** Longest path or URL a job may carry. */
export const MAX_PATH_CHARS = 4096;

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** `--stac-root <url|path>`: an http(s) API root, or a local catalogue file (path or file: URL). */
export function parseStacRoot(text: string, cwd: string): URL {
  const v = text.trim();
  if (/^https?:\/\//i.test(v)) {
    if (!URL.canParse(v)) throw new InvalidInputError(`--stac-root ${JSON.stringify(text)}: not a valid URL`);
    const u = new URL(v);
    if (u.username || u.password || u.search || u.hash)
      throw new InvalidInputError(
        `--stac-root ${JSON.stringify(text)}: give the API root without credentials, query or fragment`,
      );
    return u;
  }
  if (/^file:/i.test(v)) {
    try {
      return pathToFileURL(path.resolve(fileURLToPath(new URL(v))));
    } catch {
      throw new InvalidInputError(`--stac-root ${JSON.stringify(text)}: not a usable file: URL`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v))
    throw new InvalidInputError(`--stac-root ${JSON.stringify(text)}: expected an http(s) URL or a path`);
  return pathToFileURL(path.resolve(cwd, v));
}

/** `--state-root` / `--out-root <dir>`: an absolute folder other than the file system's root. */
export function parseFolderRoot(text: string, flag: string, cwd: string): string {
  const p = path.resolve(cwd, text);
  if (p === path.parse(p).root)
    throw new InvalidInputError(
      `${flag} ${JSON.stringify(text)}: the file system root is not a confined folder`,
    );
  return p;
}

/**
 * A job the worker will not run, for a reason that will not change on a retry (bad signature,
 * malformed payload, outside the policy). Handlers throw it; the worker turns it into BullMQ's
 * UnrecoverableError, so the job fails at once with the reason and is not attempted again.
 */
export class JobRefusedError extends MinewatchError {}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };
const refuse = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/**
 * Text from Redis (a job's id or name) as it may appear in a log line: control characters
 * replaced, cut short, so a job cannot forge log lines or flood them.
 */
export function printable(text: string | undefined, max = 80): string {
  if (text === undefined || text === '') return '?';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').slice(0, max);
}

/** A job's text, quoted and cut short for a log line. */
export function quoted(text: string): string {
  const q = JSON.stringify(text);
  return q.length > 120 ? `${q.slice(0, 117)}…` : q;
}

/**
 * The worker's root a job's `stac` falls under: an http(s) URL on a root's origin, at or below its
 * path; or exactly a root's local catalogue file (its folder decides which files may be read).
 */
export function stacRootFor(policy: WorkerPolicy, stac: string): Checked<URL> {
  if (stac.length > MAX_PATH_CHARS || stac.includes('\0')) return refuse('stac is too long or holds NUL');
  const notAllowed = refuse<URL>(
    `stac ${quoted(stac)} is not under any of this worker's --stac-root (${policy.stacRoots.map((r) => r.href).join(', ') || 'none'})`,
  );
  if (/^https?:\/\//i.test(stac)) {
    if (!URL.canParse(stac)) return refuse(`stac ${quoted(stac)} is not a URL`);
    const u = new URL(stac);
    if (u.username || u.password) return refuse(`stac ${quoted(stac)} carries credentials`);
    const root = policy.stacRoots.find((r) => {
      if (r.origin !== u.origin || r.protocol !== u.protocol) return false;
      const base = trimSlash(r.pathname);
      const p = trimSlash(u.pathname);
      return base === '/' || p === base || p.startsWith(`${base}/`);
    });
    return root ? { ok: true, value: root } : notAllowed;
  }
  let file: string;
  try {
    file = /^file:/i.test(stac) ? fileURLToPath(new URL(stac)) : stac;
  } catch {
    return refuse(`stac ${quoted(stac)} is not a usable file: URL`);
  }
  if (!path.isAbsolute(file))
    return refuse(`stac ${quoted(stac)} is neither an http(s) URL nor an absolute path`);
  const resolved = path.resolve(file);
  const root = policy.stacRoots.find((r) => r.protocol === 'file:' && fileURLToPath(r) === resolved);
  return root ? { ok: true, value: root } : notAllowed;
}

/** `p` if it is an absolute path at or under one of `roots`; `what` names it in the reason. */
export function pathUnder(roots: readonly string[], p: string, what: string, flag: string): Checked<string> {
  if (p.length > MAX_PATH_CHARS || p.includes('\0')) return refuse(`${what} is too long or holds NUL`);
  if (!path.isAbsolute(p)) return refuse(`${what} ${quoted(p)} is not an absolute path`);
  const resolved = path.resolve(p);
  const inside = roots.some((root) => {
    const rel = path.relative(root, resolved);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  });
  return inside
    ? { ok: true, value: resolved }
    : refuse(`${what} ${quoted(p)} is outside this worker's ${flag} (${roots.join(', ') || 'none given'})`);
}
