/**
 * serve-catalog's DNS-rebinding guard (issue 14): bound to loopback, a request whose Host header
 * names another machine is refused with 421, as `serve` does; this machine's names are answered.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';

const world = inject('smallWorld');
let server: CatalogServer;
beforeAll(async () => {
  server = await startCatalogServer({ root: world, basePath: '/v1' });
});
afterAll(async () => {
  await server.close();
});

function statusWithHost(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(server.url.port), path: '/v1/', headers: { Host: host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('serve-catalog Host header guard', () => {
  it('answers 421 to a rebinding name, 200 to the loopback names', async () => {
    const port = server.url.port;
    expect(await statusWithHost(`attacker.example:${port}`)).toBe(421);
    expect(await statusWithHost(`127.0.0.1:${port}`)).toBe(200);
    expect(await statusWithHost(`localhost:${port}`)).toBe(200);
  });
});
