/**
 * Proxies from the environment, the way curl reads them: `http_proxy`/`HTTP_PROXY` for http URLs,
 * `https_proxy`/`HTTPS_PROXY` for https (lower case first), `no_proxy`/`NO_PROXY` for the hosts that
 * go direct (comma- or space-separated names, a leading dot optional, `host:port`, or `*`). As curl
 * does, http goes to the proxy as an absolute-URI request and https through a CONNECT tunnel. One
 * difference, on purpose: with no `NO_PROXY` at all, loopback (localhost, 127.0.0.1, ::1) stays
 * direct, because a proxy on another machine cannot reach this machine's loopback; set `NO_PROXY`
 * (even to a name that matches nothing) and exactly its list applies, loopback included.
 * The agent is undici's `EnvHttpProxyAgent`, installed as the global dispatcher of Node's fetch.
 */
import { Agent, EnvHttpProxyAgent, setGlobalDispatcher, type Dispatcher } from 'undici';
import { InvalidInputError } from '../errors.js';

export const LOOPBACK_NO_PROXY = 'localhost,127.0.0.1,::1';

export interface ProxySettings {
  http: string | undefined;
  https: string | undefined;
  noProxy: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function pick(env: Env, name: string): string | undefined {
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function checkUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // curl takes a bare host:port as http://host:port.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidInputError(`${name} ${JSON.stringify(value)} is not a proxy URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(`${name}: proxy scheme ${url.protocol} is not supported (http or https)`);
  }
  return url.href;
}

/** The proxy settings the environment asks for; undefined when it names no proxy. */
export function proxySettings(env: Env = process.env): ProxySettings | undefined {
  const http = checkUrl('HTTP_PROXY', pick(env, 'http_proxy'));
  const https = checkUrl('HTTPS_PROXY', pick(env, 'https_proxy'));
  if (http === undefined && https === undefined) return undefined;
  const noProxy = env['no_proxy'] ?? env['NO_PROXY'] ?? LOOPBACK_NO_PROXY;
  return { http, https, noProxy };
}

/** Proxy URL without credentials, for a log line. */
export function describeProxy(s: ProxySettings): string {
  const strip = (u: string | undefined): string => {
    if (u === undefined) return 'direct';
    const url = new URL(u);
    url.username = '';
    url.password = '';
    return url.origin;
  };
  return `http via ${strip(s.http)}, https via ${strip(s.https)}, direct for ${JSON.stringify(s.noProxy)}`;
}

/**
 * Routes every fetch of this process through the proxies the environment names. Returns the
 * settings used, or undefined when there are none (Node's own dispatcher stays). An http proxy
 * does not serve https unless HTTPS_PROXY names it too, as with curl.
 */
export function installProxyFromEnv(env: Env = process.env): ProxySettings | undefined {
  const s = proxySettings(env);
  if (!s) return undefined;
  const proxy = s.http ?? s.https ?? '';
  const agent = new EnvHttpProxyAgent({
    httpProxy: s.http ?? proxy,
    httpsProxy: s.https ?? proxy,
    noProxy: s.noProxy,
    // curl's behaviour: absolute-URI requests for http targets, CONNECT only for https.
    proxyTunnel: false,
  });
  // undici sends https through HTTP_PROXY when HTTPS_PROXY is unset (and back); curl goes direct.
  const directScheme = s.http === undefined ? 'http:' : s.https === undefined ? 'https:' : undefined;
  const direct = new Agent();
  const dispatcher: Dispatcher =
    directScheme === undefined
      ? agent
      : agent.compose(
          (dispatch) => (opts, handler) =>
            String(opts.origin).startsWith(directScheme)
              ? direct.dispatch(opts, handler)
              : dispatch(opts, handler),
        );
  setGlobalDispatcher(dispatcher);
  return s;
}
