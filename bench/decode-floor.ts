/**
 * The DEFLATE decode floor of a scan: every full-resolution tile of every asset the scan opens (the
 * six bands of each item in an ItemCollection), inflated with node:zlib on two worker threads, one
 * per core, nothing else done with the bytes. No reader of these files can decode them faster on
 * this machine with zlib, so a scan's wall time over this figure is its distance to the floor.
 * ../shared/PERFORMANCE.md measures the same floor with CPython's zlib (about 400 MB/s out at
 * 10980², 2 threads); run-bench.ts prints both figures beside each other.
 *
 *   npx tsx bench/decode-floor.ts ITEMS.json [--threads 2] [--reps 2]   (prints one JSON line)
 *
 * The AOI of the bench cases covers every tile column and row of the full-resolution images, so
 * "every tile" is exactly the set of tiles the scan decodes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { S2_ASSET_KEYS } from '../src/catalog/item.js';
import { FileByteSource } from '../src/io/byte-source.js';
import { readCogHeader } from '../src/io/cog-header.js';

export interface DecodeFloor {
  files: number;
  tiles: number;
  compressed_mb: number;
  decoded_mb: number;
  threads: number;
  /** Best of `reps` passes, seconds of wall time for inflating every tile once. */
  seconds: number;
  mb_per_s_out: number;
}

const ItemsSchema = z.object({
  features: z
    .array(z.object({ assets: z.record(z.string(), z.object({ href: z.string() }).loose()) }).loose())
    .min(1),
});

/** Plain JS (no loader needed in the thread): inflate every tile it is sent, then say so. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { inflateSync } = require('node:zlib');
let share = [];
parentPort.on('message', (m) => {
  if (m !== 'go') {
    share = m;
    parentPort.postMessage('ready');
    return;
  }
  for (const t of share) inflateSync(t.bytes, { maxOutputLength: t.decoded });
  parentPort.postMessage('done');
});
`;

interface Tile {
  bytes: Uint8Array;
  decoded: number;
}

async function loadTiles(itemsFile: string): Promise<{ files: number; tiles: Tile[] }> {
  const items = ItemsSchema.parse(JSON.parse(readFileSync(itemsFile, 'utf8')));
  const base = pathToFileURL(path.resolve(itemsFile));
  const tiles: Tile[] = [];
  let files = 0;
  for (const item of items.features) {
    for (const key of S2_ASSET_KEYS) {
      const asset = item.assets[key];
      if (!asset) throw new Error(`${itemsFile}: an item has no "${key}" asset`);
      const file = fileURLToPath(new URL(asset.href, base));
      const source = new FileByteSource(file);
      try {
        const header = await readCogHeader(source);
        const image = header.images[0];
        if (!image) throw new Error(`${file}: no full-resolution image`);
        if (image.compression === 1) throw new Error(`${file}: not DEFLATE-compressed`);
        const decoded = image.tileWidth * image.tileHeight * image.samplesPerPixel * image.bytesPerSample;
        for (let t = 0; t < image.tileOffsets.length; t++) {
          const n = image.tileByteCounts[t] as number;
          if (n === 0) continue;
          tiles.push({ bytes: await source.read(image.tileOffsets[t] as number, n), decoded });
        }
        files++;
      } finally {
        await source.close();
      }
    }
  }
  return { files, tiles };
}

/** Posts `message` to every worker and waits for each one's answer. */
function all(workers: Worker[], message: (i: number) => unknown): Promise<void> {
  return Promise.all(
    workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
          w.postMessage(message(i));
        }),
    ),
  ).then(() => undefined);
}

/** One pass: every worker inflates its share; resolves with the wall seconds it took. */
async function pass(workers: Worker[]): Promise<number> {
  const t0 = performance.now();
  await all(workers, () => 'go');
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { threads: { type: 'string', default: '2' }, reps: { type: 'string', default: '2' } },
  });
  const itemsFile = positionals[0];
  if (!itemsFile) throw new Error('usage: decode-floor.ts ITEMS.json [--threads 2] [--reps 2]');
  const threads = Number(values.threads);
  const reps = Number(values.reps);
  const { files, tiles } = await loadTiles(itemsFile);
  // Round-robin by size so both workers get the same work.
  const sorted = [...tiles].sort((a, b) => b.bytes.length - a.bytes.length);
  const shares: Tile[][] = Array.from({ length: threads }, () => []);
  sorted.forEach((t, i) => shares[i % threads]!.push(t));
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true }));
  try {
    // The compressed bytes are copied to the workers once, outside the timed passes.
    await all(workers, (i) => shares[i]);
    let best = Infinity;
    for (let r = 0; r < reps; r++) best = Math.min(best, await pass(workers));
    const decodedMb = tiles.reduce((s, t) => s + t.decoded, 0) / 1e6;
    const out: DecodeFloor = {
      files,
      tiles: tiles.length,
      compressed_mb: Math.round(tiles.reduce((s, t) => s + t.bytes.length, 0) / 1e4) / 100,
      decoded_mb: Math.round(decodedMb * 100) / 100,
      threads,
      seconds: Math.round(best * 1000) / 1000,
      mb_per_s_out: Math.round(decodedMb / best),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`decode-floor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
