/**
 * The bench worlds: generated once with our own generator (`fixtures world --preset bench-N`) and
 * cached under .cache/bench/world-N. If another process is already generating the same world (its
 * staging folder names a live pid), we wait for it rather than start a second multi-minute
 * generation. Also reads the one before/after pair out of the world's items.json and writes the
 * AOIs the scan is given.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { toLonLat } from '../src/geo/utm.js';

export const SEED = 47;
export const BEFORE = '2020-12-01/2021-02-28';
export const AFTER = '2023-12-01/2024-02-29';
/** The band files peer_ndvi.py expects in each date's folder. */
const PEER_FILES = ['B04.tif', 'B08.tif', 'SCL.tif', 'B03.tif', 'B11.tif'];

export interface PairItem {
  id: string;
  /** Absolute folder holding B04.tif, B08.tif, SCL.tif, B03.tif, B11.tif. */
  dir: string;
}

export interface BenchWorld {
  size: number;
  dir: string;
  itemsFile: string;
  collection: string;
  /** Item bbox, lon/lat. */
  bbox: [number, number, number, number];
  epsg: number;
  /** 10 m grid: top-left corner (UTM metres) and size in pixels. */
  originX: number;
  originY: number;
  width: number;
  height: number;
  /** Internal COG tile size of the 10 m bands, i.e. the scan's block size. */
  tileSize: number;
  before: PairItem;
  after: PairItem;
  /** Items in the catalogue (duplicates included), for the report. */
  itemCount: number;
}

const ItemSchema = z.looseObject({
  id: z.string(),
  collection: z.string().default('sentinel-2-l2a'),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  properties: z.looseObject({
    datetime: z.string(),
    'proj:epsg': z.number().int(),
    's2:sequence': z.union([z.string(), z.number()]).optional(),
  }),
  assets: z.looseObject({
    red: z.looseObject({
      href: z.string(),
      'proj:transform': z.array(z.number()).min(6),
      'proj:shape': z.tuple([z.number().int(), z.number().int()]),
    }),
  }),
});
type Item = z.infer<typeof ItemSchema>;
const ItemsSchema = z.object({ features: z.array(ItemSchema).min(1) });
const WorldJsonSchema = z.looseObject({ config: z.looseObject({ tileSize: z.number().int().optional() }) });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of live generators writing `world-N` (the atomic writer stages into `world-N.staging-PID-*`). */
function liveGenerators(cacheDir: string, size: number): number[] {
  if (!existsSync(cacheDir)) return [];
  const re = new RegExp(`^world-${size}\\.staging-(\\d+)-`);
  return readdirSync(cacheDir)
    .map((name) => re.exec(name)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number)
    .filter(isAlive);
}

/** Returns the world folder, generating it (or waiting for a running generation) when missing. */
export async function ensureWorld(
  repoRoot: string,
  cacheDir: string,
  size: number,
  log: (msg: string) => void,
): Promise<string> {
  const dir = path.join(cacheDir, `world-${size}`);
  const ready = (): boolean => existsSync(path.join(dir, 'world.json'));
  if (ready()) return dir;
  let waited = false;
  for (let pids = liveGenerators(cacheDir, size); pids.length > 0; pids = liveGenerators(cacheDir, size)) {
    if (!waited) log(`world-${size}: waiting for the generation already running (pid ${pids.join(', ')})`);
    waited = true;
    await sleep(5000);
    if (ready()) return dir;
  }
  if (ready()) return dir;
  mkdirSync(cacheDir, { recursive: true });
  // The 10980 world holds full-size planes while it writes; give V8 most of the machine.
  const heapMb = Math.min(16000, Math.floor((totalmem() / 2 ** 20) * 0.75));
  const args = [
    `--max-old-space-size=${heapMb}`,
    'dist/cli/main.js',
    'fixtures',
    'world',
    '--preset',
    `bench-${size}`,
    '--seed',
    String(SEED),
    '--out',
    dir,
  ];
  log(`world-${size}: generating (node ${args.join(' ')}); 4096 takes about a minute, 10980 over 10`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0 || !ready())
    throw new Error(`generating world-${size} failed (exit status ${String(code)})`);
  return dir;
}

function sequence(item: Item): number {
  const s = item.properties['s2:sequence'];
  if (s !== undefined) return Number(s);
  return Number(/_(\d+)_L2A$/.exec(item.id)?.[1] ?? 0);
}

function inWindow(item: Item, window: string): boolean {
  const [start, end] = window.split('/') as [string, string];
  const day = item.properties.datetime.slice(0, 10);
  return day >= start && day <= end;
}

/** The one item of a window; reprocessed copies (same datetime) resolve to the highest sequence, as the scan's dedupe does. */
function pick(items: Item[], window: string, file: string): Item {
  const inside = items.filter((i) => inWindow(i, window));
  const times = new Set(inside.map((i) => i.properties.datetime));
  if (times.size !== 1)
    throw new Error(
      `${file}: expected one acquisition in ${window}, found ${times.size} (${inside.length} items)`,
    );
  return inside.sort((a, b) => sequence(b) - sequence(a))[0] as Item;
}

function assetFolder(item: Item, itemsFile: string): PairItem {
  const red = path.resolve(path.dirname(itemsFile), item.assets.red.href);
  const dir = path.dirname(red);
  const missing = PEER_FILES.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) throw new Error(`${item.id}: ${dir} lacks ${missing.join(', ')}`);
  return { id: item.id, dir };
}

export function loadWorld(dir: string, size: number): BenchWorld {
  const itemsFile = path.join(dir, 'stac', 'items.json');
  const items = ItemsSchema.parse(JSON.parse(readFileSync(itemsFile, 'utf8'))).features;
  const before = pick(items, BEFORE, itemsFile);
  const after = pick(items, AFTER, itemsFile);
  const t = before.assets.red['proj:transform'];
  const [h, w] = before.assets.red['proj:shape'];
  const worldJson = WorldJsonSchema.parse(JSON.parse(readFileSync(path.join(dir, 'world.json'), 'utf8')));
  return {
    size,
    dir,
    itemsFile,
    collection: before.collection,
    bbox: before.bbox,
    epsg: before.properties['proj:epsg'],
    originX: t[2] as number,
    originY: t[5] as number,
    width: w,
    height: h,
    tileSize: worldJson.config.tileSize ?? 1024,
    before: assetFolder(before, itemsFile),
    after: assetFolder(after, itemsFile),
    itemCount: items.length,
  };
}

function writePolygon(file: string, ring: [number, number][], name: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const fc = {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { name }, geometry: { type: 'Polygon', coordinates: [ring] } }],
  };
  writeFileSync(file, `${JSON.stringify(fc)}\n`);
  return file;
}

/** The whole item footprint (its bbox): every block of the pair is planned. */
export function writeFullAoi(world: BenchWorld, file: string): string {
  const [w, s, e, n] = world.bbox;
  return writePolygon(
    file,
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
    `bench-${world.size}-full`,
  );
}

/**
 * k x k internal tiles from the top-left of the grid, drawn `insetM` metres inside the block edges
 * so no neighbouring block is touched. Edges are densified so the lon/lat polygon follows the
 * UTM square to well under a metre once the scan projects it back.
 */
export function writeBlockAoi(world: BenchWorld, k: number, file: string, insetM = 50): string {
  const span = k * world.tileSize * 10;
  const x0 = world.originX + insetM;
  const x1 = world.originX + span - insetM;
  const y0 = world.originY - insetM;
  const y1 = world.originY - span + insetM;
  const corners: [number, number][] = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
  const ring: [number, number][] = [];
  const steps = 8;
  corners.forEach((a, i) => {
    const b = corners[(i + 1) % 4] as [number, number];
    for (let j = 0; j < steps; j++) {
      const f = j / steps;
      ring.push(toLonLat(world.epsg, [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]));
    }
  });
  ring.push(ring[0] as [number, number]);
  return writePolygon(file, ring, `bench-${world.size}-${k}x${k}-blocks`);
}
