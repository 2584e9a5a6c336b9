/**
 * Whether a host to listen on is reachable only from this machine. The local servers (the STAC
 * imitation, the map viewer, `serve`) bind loopback unless told otherwise, and refuse a
 * non-loopback host without --allow-remote.
 */
import { isIP } from 'node:net';

/** True for addresses that cannot be reached from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::ffff:127.0.0.1';
}
