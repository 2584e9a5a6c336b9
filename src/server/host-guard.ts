/**
 * The DNS-rebinding guard of the local servers (`serve`, `serve-catalog`): a page on another site
 * may point its own name at 127.0.0.1 and read a loopback server through the victim's browser; the
 * Host header still carries that other name. While bound to loopback, only this machine's own
 * names are answered (421 otherwise).
 */
import { isLoopbackHost } from '../io/loopback.js';

/** The host name of a Host header, without its port ("[::1]" keeps its brackets). */
function hostName(header: string | undefined): string {
  const h = (header ?? '').toLowerCase();
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : (h.split(':')[0] ?? '');
}

/** True when a request with this Host header may be answered by a server bound to loopback. */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  const name = hostName(header);
  return name !== '' && isLoopbackHost(name);
}
