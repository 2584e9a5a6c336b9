/**
 * In-process profile of the per-block work a pool worker does (decode + evidence + compaction),
 * on one block of a bench world, so `node --cpu-prof` sees it without worker threads.
 * Not a test: `npx tsx bench/block-kernel.ts [world folder] [block x] [block y] [reps]`, e.g.
 *   npx tsx bench/block-kernel.ts .cache/bench/world-4096 1024 1024 20
 * It reads the first before-season item and the last after-season item (the pair the bench
 * scans), with the after item's +1000 DN offset stated, and prints CPU ms per block.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FileByteSource } from '../src/io/byte-source.js';
import { readCogHeader } from '../src/io/cog-header.js';
import { fetchTiles, tilesForWindow, type PixelWindow } from '../src/io/cog-window.js';
import { ATTR_FIELDS, type SparseBlock } from '../src/detect/compact-block.js';
import { DEFAULT_PARAMS } from '../src/detect/params.js';
import scanBlock, {
  SEASON_BANDS,
  type BandKey,
  type ObservationPayload,
  type ScanBlockInput,
} from '../src/run/tasks/scan-block.js';

const world = process.argv[2] ?? '.cache/bench/world-4096';
const bx = Number(process.argv[3] ?? 1024);
const by = Number(process.argv[4] ?? 1024);
const reps = Number(process.argv[5] ?? 20);
const BLOCK = 1024;

interface Feature {
  id: string;
  properties: { datetime: string };
  assets: Record<string, { href: string }>;
}

async function observation(
  itemsDir: string,
  f: Feature,
  offsetDn: number,
  season: 'before' | 'after',
): Promise<ObservationPayload> {
  const bands = {} as ObservationPayload['bands'];
  for (const b of SEASON_BANDS[season] as BandKey[]) {
    const source = new FileByteSource(path.resolve(itemsDir, f.assets[b]!.href));
    const header = await readCogHeader(source);
    const image = header.images[0]!;
    const f2 = b === 'swir16' || b === 'scl' ? 2 : 1;
    const window: PixelWindow = {
      x: Math.floor(bx / f2),
      y: Math.floor(by / f2),
      width: Math.ceil(BLOCK / f2),
      height: Math.ceil(BLOCK / f2),
    };
    const tiles = await fetchTiles(source, image, tilesForWindow(image, window));
    bands[b] = { image, window, tiles: [...tiles.entries()], source: `${f.id}/${b}` };
    await source.close();
  }
  return { item: f.id, offsetDn, bands };
}

/** FNV-1a over every output array: equal digests before and after a change mean equal output. */
function hashBlock(c: SparseBlock): string {
  // The dense planes, rebuilt from the sparse rows: the digest stays comparable across forms.
  const flags = new Uint8Array(c.width * c.height);
  const pondF = new Uint8Array(c.width * c.height);
  c.attrs.idx.forEach((i, k) => {
    flags[i] = c.flagsAt[k] as number;
    pondF[i] = c.pondAt[k] as number;
  });
  let h = 0x811c9dc5;
  const eat = (a: ArrayBufferView): void => {
    const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ (u[i] as number), 16777619);
  };
  eat(flags);
  eat(pondF);
  eat(c.attrs.idx);
  for (const f of ATTR_FIELDS) eat(c.attrs.fields[f]);
  return `${c.attrs.idx.length} px, fnv ${(h >>> 0).toString(16)}`;
}

async function main(): Promise<void> {
  const itemsPath = path.join(world, 'stac', 'items.json');
  const features = (JSON.parse(readFileSync(itemsPath, 'utf8')) as { features: Feature[] }).features;
  const sorted = [...features].sort((a, b) => a.properties.datetime.localeCompare(b.properties.datetime));
  const dir = path.dirname(itemsPath);
  const input: ScanBlockInput = {
    width: BLOCK,
    height: BLOCK,
    before: [await observation(dir, sorted[0]!, 0, 'before')],
    after: [await observation(dir, sorted[sorted.length - 1]!, -1000, 'after')],
    params: DEFAULT_PARAMS,
  };
  const context = { transfer: (): void => undefined };
  let digest = '';
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    // CPU time, not wall: the machine is shared and wall time swings with other load.
    const t0 = process.cpuUsage();
    const c = scanBlock(input, context);
    const dt = process.cpuUsage(t0);
    times.push((dt.user + dt.system) / 1000);
    digest = hashBlock(c);
  }
  // The first reps show JIT warm-up: a scan worker only ever runs a handful of blocks.
  console.log(`per rep (ms): ${times.map((t) => t.toFixed(0)).join(' ')}`);
  times.sort((a, b) => a - b);
  console.log(
    `block ${bx},${by}: CPU median ${times[times.length >> 1]!.toFixed(1)} ms, best ${times[0]!.toFixed(1)} ms over ${reps}; output ${digest}`,
  );
}

await main();
