/**
 * Scale-out throughput (a benchmark, not a test): the same scan of a generated world through the
 * BullMQ runner with 1, then 2, worker processes, each on its own fresh queue (so no tile result
 * is re-used), against our own redis-server and the local STAC API in separate processes.
 * Reports tiles/minute and blocks/s of the tile phase (run.json timings_s.blocks: enqueue to the
 * last tile's result), and checks that every run wrote the same candidates.
 *
 *   npx tsx bench/bullmq-throughput.ts [--world .cache/demo-world-1] [--workers 1,2] [--threads 1]
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliProcess, runCli } from '../test/helpers/cli-process.js';
import { probeRedis, TestRedis } from '../test/helpers/redis-server.js';
import { startServer, stopAllServers } from './server-process.js';

const { values } = parseArgs({
  options: {
    world: { type: 'string', default: '.cache/demo-world-1' },
    workers: { type: 'string', default: '1,2' },
    threads: { type: 'string', default: '1' },
  },
});
const repo = path.resolve(import.meta.dirname, '..');
const world = path.resolve(repo, values.world);
const counts = values.workers.split(',').map(Number);
const seasons = (
  JSON.parse(readFileSync(path.join(world, 'world.json'), 'utf8')) as {
    config: { seasons: { start: string; end: string }[] };
  }
).config.seasons;
const [first, last] = [seasons[0], seasons.at(-1)];
if (!first || !last || first === last) throw new Error(`${world}: needs two seasons`);

const probe = probeRedis();
if (!probe.available) throw new Error(probe.reason);
const redis = await TestRedis.start(probe.bin);
// The legacy profile keeps the COGs on the API's own origin: the scan and the workers need no
// --allow-host (Collection 1, the default profile, serves them on a second port).
const server = await startServer(repo, world, 0, ['--profile', 'l2a']);
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-bench-scaleout-'));
// One secret per bench run: the scan signs its jobs with it, the workers verify it.
const env = { MINEWATCH_JOB_SECRET: randomBytes(32).toString('hex') };

interface Row {
  workers: number;
  tiles: number;
  blocks: number;
  tileSeconds: number;
  totalSeconds: number;
  candidates: string;
}
const rows: Row[] = [];
try {
  for (const n of counts) {
    const queue = `bench-${n}-${Date.now()}`;
    const workers = Array.from(
      { length: n },
      () =>
        new CliProcess(
          [
            ...['worker', '--redis', redis.url, '--queue', queue, '--threads', values.threads],
            ...['--stac-root', server.url],
          ],
          { env },
        ),
    );
    await Promise.all(workers.map((w) => w.waitFor(/waiting for jobs/)));
    const out = path.join(tmp, `w${n}`);
    const ran = await runCli(
      [
        'scan',
        '--stac',
        `${server.url}`,
        '--collection',
        'sentinel-2-l2a',
        '--before',
        `${first.start}/${first.end}`,
        '--after',
        `${last.start}/${last.end}`,
        '--out',
        out,
        '--quiet',
        '--json',
        '--runner',
        'bullmq',
        '--redis',
        redis.url,
        '--queue',
        queue,
      ],
      { env },
    );
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    if (ran.code !== 0) throw new Error(`scan with ${n} workers failed: ${ran.stderr}`);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as {
      tiles: { blocks: number }[];
      timings_s: { blocks: number; total: number };
    };
    rows.push({
      workers: n,
      tiles: run.tiles.length,
      blocks: run.tiles.reduce((s, t) => s + t.blocks, 0),
      tileSeconds: run.timings_s.blocks,
      totalSeconds: run.timings_s.total,
      candidates: readFileSync(path.join(out, 'candidates.geojson'), 'utf8'),
    });
    process.stderr.write(`bench: ${n} worker(s): tile phase ${run.timings_s.blocks} s\n`);
  }
} finally {
  await server.stop();
  stopAllServers();
  await redis.stop();
  rmSync(tmp, { recursive: true, force: true });
}

const same = rows.every((r) => r.candidates === rows[0]?.candidates);
const lines = [
  `World ${values.world}, ${first.start}/${first.end} vs ${last.start}/${last.end}; ${values.threads} kernel thread(s) per worker; ` +
    `candidates.geojson identical across runs: ${same ? 'yes' : 'NO'}`,
  '',
  '| worker processes | tiles | blocks | tile phase s | tiles/min | blocks/s | whole scan s |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.workers} | ${r.tiles} | ${r.blocks} | ${r.tileSeconds.toFixed(1)} | ${((60 * r.tiles) / r.tileSeconds).toFixed(2)} | ${(r.blocks / r.tileSeconds).toFixed(2)} | ${r.totalSeconds.toFixed(1)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
