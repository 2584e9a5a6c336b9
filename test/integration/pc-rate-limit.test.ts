/**
 * The Planetary Computer's SAS service rate-limits with a 429 whose wait is only in the body
 * ("Try again in 23 seconds", microsoft/PlanetaryComputer#457): the client waits that long.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpClient } from '../../src/io/http.js';

let server: http.Server;
let base: string;
let calls = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    calls++;
    const body =
      calls === 1
        ? JSON.stringify({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 23 seconds.' })
        : JSON.stringify({ 'msft:expiry': '2099-01-01T00:00:00Z', token: 'st=a&sig=b' });
    res.writeHead(calls === 1 ? 429 : 200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

it('waits the seconds a 429 body asks for when there is no Retry-After header', async () => {
  const waits: number[] = [];
  const client = new HttpClient({
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random: () => 0,
  });
  const reply = await client.getJson(new URL(`${base}/api/sas/v1/token/sentinel-2-l2a`));
  expect(reply).toMatchObject({ token: 'st=a&sig=b' });
  expect(waits).toEqual([23_000]);
});
