/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY through undici's EnvHttpProxyAgent, against a real proxy and
 * a real range server on 127.0.0.1, counting what went through the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { HttpClient } from '../../src/io/http.js';
import { LOOPBACK_NO_PROXY, installProxyFromEnv, proxySettings } from '../../src/io/proxy.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.js';

const BODY = Buffer.from('0123456789abcdef');
let target: http.Server;
let base: string;
let proxy: ForwardProxy;
const original = getGlobalDispatcher();

beforeAll(async () => {
  target = http.createServer((req, res) => {
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const [s, e] = m ? [Number(m[1]), Number(m[2])] : [0, BODY.length - 1];
    res.writeHead(206, {
      'content-range': `bytes ${s}-${e}/${BODY.length}`,
      'content-length': String(e - s + 1),
    });
    res.end(BODY.subarray(s, e + 1));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  proxy = await startForwardProxy();
});
afterEach(() => setGlobalDispatcher(original));
afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => target.close(() => r()));
});

describe('proxy settings from the environment', () => {
  it('reads lower case first, then upper case, and keeps loopback direct only without NO_PROXY', () => {
    expect(proxySettings({})).toBeUndefined();
    expect(proxySettings({ HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128' })).toEqual({
      http: undefined,
      https: 'http://lower:3128/',
      noProxy: LOOPBACK_NO_PROXY,
    });
    expect(proxySettings({ HTTP_PROXY: 'proxy.example:8080', NO_PROXY: '' })?.http).toBe(
      'http://proxy.example:8080/',
    );
    expect(proxySettings({ HTTP_PROXY: 'http://p:1', no_proxy: '.internal', NO_PROXY: 'x' })?.noProxy).toBe(
      '.internal',
    );
    expect(proxySettings({ HTTP_PROXY: 'http://p:1', NO_PROXY: '' })?.noProxy).toBe('');
    expect(() => proxySettings({ HTTP_PROXY: 'socks5://p:1080' })).toThrow(InvalidInputError);
  });

  it('sends http through the proxy as an absolute-URI request when NO_PROXY does not exempt it', async () => {
    installProxyFromEnv({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.invalid' });
    const before = proxy.forwarded.length;
    const bytes = await new HttpClient().getRange(new URL(`${base}/a.tif`), 2, 5);
    expect(Buffer.from(bytes).toString()).toBe('2345');
    expect(proxy.forwarded.slice(before)).toEqual([`${base}/a.tif`]);
  });

  it('goes direct for a NO_PROXY match (host, host:port, *) and for loopback when NO_PROXY is unset', async () => {
    const port = new URL(base).port;
    for (const env of [
      { HTTP_PROXY: proxy.url },
      { http_proxy: proxy.url, no_proxy: '127.0.0.1' },
      { HTTP_PROXY: proxy.url, NO_PROXY: `other.example, 127.0.0.1:${port}` },
      { HTTP_PROXY: proxy.url, NO_PROXY: '*' },
    ]) {
      setGlobalDispatcher(original);
      installProxyFromEnv(env);
      const before = proxy.forwarded.length + proxy.tunnels.length;
      expect((await new HttpClient().getRange(new URL(`${base}/b.tif`), 0, 3)).length).toBe(4);
      expect(proxy.forwarded.length + proxy.tunnels.length - before).toBe(0);
    }
  });

  it('an https-only proxy leaves http direct, as curl does', async () => {
    installProxyFromEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: '' });
    const before = proxy.forwarded.length + proxy.tunnels.length;
    await new HttpClient().getRange(new URL(`${base}/c.tif`), 0, 0);
    expect(proxy.forwarded.length + proxy.tunnels.length - before).toBe(0);
  });
});
