/**
 * Whether a host is reachable only from this machine: the one loopback check. The local servers
 * (the STAC imitation, the map viewer, `serve`) bind loopback unless told otherwise and refuse a
 * non-loopback host without --allow-remote; the asset policy lets a named loopback host be read
 * over plain http.
 */
import { isIP } from 'node:net';

/** True for addresses that cannot be reached from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::ffff:127.0.0.1';
}
