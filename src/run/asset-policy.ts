/**
 * Which asset URLs a scan may open (RELIABILITY.md §3.1, SSRF). A STAC catalogue is data we do
 * not control, so its hrefs are checked before any connection:
 *  - same scheme, host and port as `--stac`: always allowed (a local STAC API on 127.0.0.1 means it);
 *  - https to the public Sentinel-2 COG buckets, plus hosts the user lists;
 *  - `file:` only when `--stac` itself is a local catalogue the user named, and only under the
 *    folder above it (a world's `stac/items.json` points at `../assets/...`);
 *  - anything else, and private, loopback and link-local addresses on other hosts, refused.
 * Pure: the HTTP client calls `allow` before every request and every redirect hop.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PUBLIC_S2_HOSTS = [
  'sentinel-cogs.s3.us-west-2.amazonaws.com',
  'sentinel-cogs.s3.amazonaws.com',
  'earth-search.aws.element84.com',
];

export interface AssetPolicyOptions {
  /** The `--stac` value as a URL (http(s) API root, or file: URL of a local catalogue). */
  stac: URL;
  extraHosts?: readonly string[];
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
  const hosts = new Set([...PUBLIC_S2_HOSTS, ...(opts.extraHosts ?? [])].map((h) => h.toLowerCase()));
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
    if (url.protocol !== 'https:') return false;
    const host = url.hostname.toLowerCase();
    if (isPrivateAddress(host)) return false;
    return hosts.has(host);
  };
}
