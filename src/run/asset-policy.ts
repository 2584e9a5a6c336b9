/**
 * Which asset URLs a scan may open (RELIABILITY.md §3.1, SSRF). A STAC catalogue is data we do
 * not control, so its hrefs are checked before any connection:
 *  - same scheme, host and port as `--stac`: always allowed (a local STAC API on 127.0.0.1 means it);
 *  - https to the provider profile's asset hosts (a closed list, providers.ts);
 *  - hosts the user names with `--allow-host host[:port]`: https, or http too on a loopback address
 *    named explicitly (a local test server has no TLS); private addresses only when named;
 *  - `file:` only when `--stac` itself is a local catalogue the user named, and only under the
 *    folder above it (a world's `stac/items.json` points at `../assets/...`);
 *  - anything else, and private, loopback and link-local addresses on other hosts, refused.
 * Pure: the HTTP client calls `allow` before every request and every redirect hop.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILES } from '../catalog/providers.js';
import { InvalidInputError } from '../errors.js';
import { isLoopbackHost } from '../io/loopback.js';

/** Without a profile: every Earth Search collection's COG hosts (what a tile job built from a URL gets). */
export const PUBLIC_S2_HOSTS: readonly string[] = [
  ...new Set(PROFILES.filter((p) => p.provider === 'earth-search').flatMap((p) => p.assetHosts)),
  'earth-search.aws.element84.com',
];

/** One `--allow-host` entry: a host name or address, and the port when one was given. */
export interface AllowedHost {
  host: string;
  port?: number;
}

export interface AssetPolicyOptions {
  /** The `--stac` value as a URL (http(s) API root, or file: URL of a local catalogue). */
  stac: URL;
  /** The profile's asset hosts (https only); default PUBLIC_S2_HOSTS. */
  hosts?: readonly string[];
  /** `--allow-host` entries. */
  extraHosts?: readonly AllowedHost[];
}

/** Parses `--allow-host host[:port]` (IPv6 in brackets); throws InvalidInputError naming it. */
export function parseAllowHost(value: string): AllowedHost {
  const v = value.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(v);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m?.[1] || (port !== undefined && (port < 1 || port > 65535))) {
    throw new InvalidInputError(
      `--allow-host ${JSON.stringify(value)}: expected a host name or address with an optional :port, e.g. my-bucket.s3.amazonaws.com or 127.0.0.1:9000`,
    );
  }
  const host = m[1].replace(/^\[|\]$/g, '');
  return port === undefined ? { host } : { host, port };
}

function defaultPort(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v = isIP(h);
  if (v === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (v === 6)
    return (
      h === '::1' ||
      h === '::' ||
      h.startsWith('fc') ||
      h.startsWith('fd') ||
      h.startsWith('fe80') ||
      h.startsWith('::ffff:')
    );
  // Bare decimal or hex integers (2852039166 = 169.254.169.254) never name a public host here.
  return /^(0x[0-9a-f]+|\d+)$/i.test(h);
}

export function assetPolicy(opts: AssetPolicyOptions): (url: URL) => boolean {
  const stac = opts.stac;
  const hosts = new Set((opts.hosts ?? PUBLIC_S2_HOSTS).map((h) => h.toLowerCase()));
  const named = opts.extraHosts ?? [];
  const localRoot = stac.protocol === 'file:' ? path.dirname(path.dirname(fileURLToPath(stac))) : undefined;
  return (url: URL): boolean => {
    if (url.protocol === 'file:') {
      if (!localRoot) return false;
      const p = path.resolve(fileURLToPath(url));
      const rel = path.relative(localRoot, p);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (url.username || url.password) return false;
    if ((stac.protocol === 'http:' || stac.protocol === 'https:') && url.origin === stac.origin) return true;
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    // Named by the user: the port too, when the entry gives one.
    const entry = named.find((n) => n.host === host && (n.port === undefined || n.port === defaultPort(url)));
    if (entry) return url.protocol === 'https:' || isLoopbackHost(host);
    if (url.protocol !== 'https:') return false;
    if (isPrivateAddress(host)) return false;
    return hosts.has(host);
  };
}
