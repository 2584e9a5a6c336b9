/**
 * The tile executor: reads every block of one tile (reads run ahead of compute), computes each on
 * the worker pool, pastes the sparse results into the tile's planes and detects on them. The local
 * runner calls it in-process; the BullMQ worker calls it for the tile jobs it pulls.
 */
import type { OffsetDecision } from '../../catalog/offset-decision.js';
import { TileEvidenceBuilder } from '../../detect/evidence-plane.js';
import type { DetectParams } from '../../detect/params.js';
import { detectTile } from '../../detect/tile-detect.js';
import { provenanceMembers, provenanceOf } from '../../formats/provenance.js';
import {
  TileQuicklookBuilder,
  type QuicklookCogRequests,
  type TileQuicklook,
} from '../../report/tile-quicklook.js';
import {
  blockBytes,
  blockOrder,
  ReadAhead,
  readBlock,
  SharedReads,
  tileWindow,
  type BlockReadDeps,
  type OpenedAsset,
} from '../block-reader.js';
import type { BlockJob, TilePlan } from '../planner.js';
import type { ProgressReporter } from '../progress.js';
import type { IoQueue } from '../queue.js';
import type { ScanBlockInput, ScanBlockOutput } from '../tasks/scan-block.js';
import type { WorkerPool } from '../worker-pool.js';
import type { ScannedTile, StageClock } from './types.js';
import { InternalError } from '../../errors.js';
import { at } from '../../types/checked.js';

export interface TileDeps {
  /** Keep the evidence outputs' pixels of every block (quicklooks): chips, overlays, COGs. */
  evidence?: boolean;
  clock: StageClock;
  opened: Map<string, OpenedAsset>;
  offsets: Map<string, OffsetDecision>;
  io: IoQueue;
  pool: WorkerPool;
  params: DetectParams;
  progress: ProgressReporter;
  signal: AbortSignal | undefined;
  /**
   * Called once every block of the tile has been handed to the pool (a few still computing): the
   * runner may start the next tile's reads then, so the workers do not drain between tiles.
   */
  onBlocksHandedOut?: () => void;
}

/**
 * Compressed bytes of blocks read ahead of the workers: ~5 blocks of 6 bands x 2 items, enough to
 * keep a request round trip off the critical path (a block computes in ~0.1-0.3 s); more only
 * adds memory (+60 MB RSS at 96 MB for no measurable gain on the 4096 pair).
 */
const READ_AHEAD_BYTES = 48 * 1024 * 1024;

/** Reads and processes every block of one tile, then detects on the assembled tile planes. */
export async function processTile(tp: TilePlan, d: TileDeps): Promise<ScannedTile> {
  const win = tileWindow(tp);
  const plane = new TileEvidenceBuilder(win.width, win.height);
  const looks = d.evidence ? new TileQuicklookBuilder(win.width, win.height) : undefined;
  const deps: BlockReadDeps = {
    opened: d.opened,
    offsets: d.offsets,
    io: d.io,
    params: d.params,
    signal: d.signal,
  };
  // Reads run ahead of compute (bounded by bytes held), so request latency hides behind the
  // workers; a block's bytes are released once its worker is done with them. Blocks go in 2 x 2
  // groups, and a 20 m tile that several blocks need is fetched once.
  const shared = new SharedReads(tp, deps);
  const order = blockOrder(tp);
  const blockAt = (k: number): BlockJob => at(tp.blocks, at(order, k));
  const reader = new ReadAhead(
    tp.blocks.length,
    (k) => blockBytes(tp, blockAt(k), deps),
    (k) => {
      const t = performance.now();
      return readBlock(tp, blockAt(k), deps, shared).then((input) => {
        d.clock.read += (performance.now() - t) / 1000;
        return input;
      });
    },
    { maxBytes: READ_AHEAD_BYTES, maxBlocks: d.pool.size * 4 },
  );
  // Pixels with data per look over the whole tile: a look with none fed nothing and is not cited.
  const data = { before: tp.before.map(() => 0), after: tp.after.map(() => 0) };
  const inFlight = new Set<Promise<void>>();
  let firstError: Error | undefined;
  for (let k = 0; k < tp.blocks.length; k++) {
    if (firstError !== undefined) break;
    const block = blockAt(k);
    const job = (async (): Promise<void> => {
      try {
        // The block's own read buffers move to the worker (no copy, and no garbage left here).
        const { input, transfer } = await reader.take(k);
        if (looks) input.quicklook = { rgbStep: looks.rgbStep };
        let t = performance.now();
        const ev = await d.pool.run<ScanBlockInput, ScanBlockOutput>(
          'scan-block',
          input,
          transfer,
          d.signal,
          {
            label: `${tp.tile} block ${block.x},${block.y}`,
          },
        );
        ev.dataPixels.before.forEach((n, i) => (data.before[i] = (data.before[i] ?? 0) + n));
        ev.dataPixels.after.forEach((n, i) => (data.after[i] = (data.after[i] ?? 0) + n));
        d.clock.compute += (performance.now() - t) / 1000;
        t = performance.now();
        plane.addSparse(ev, block.x - win.x, block.y - win.y);
        if (looks && ev.quicklook) looks.add(ev.quicklook, block.x - win.x, block.y - win.y);
        d.clock.assemble += (performance.now() - t) / 1000;
        d.progress.tick();
      } finally {
        reader.release(k);
      }
    })();
    inFlight.add(job);
    job.then(
      () => inFlight.delete(job),
      (err: unknown) => {
        inFlight.delete(job);
        reader.stop();
        firstError ??= err instanceof Error ? err : new InternalError(`block failed: ${JSON.stringify(err)}`);
      },
    );
    // Bound the work queued on the pool: two blocks per worker between read and paste.
    if (inFlight.size >= d.pool.size * 2)
      await Promise.race([...inFlight].map((p) => p.catch(() => undefined)));
  }
  d.onBlocksHandedOut?.();
  reader.stop();
  await Promise.allSettled(inFlight);
  if (firstError !== undefined) throw firstError;
  let t = performance.now();
  const evidence = plane.build();
  d.clock.detect += (performance.now() - t) / 1000;
  const grid = {
    epsg: tp.grid.epsg,
    originX: tp.grid.originX + win.x * 10,
    originY: tp.grid.originY - win.y * 10,
    pixelSize: 10,
  };
  const beforeItems = tp.before.filter((_, i) => data.before[i] !== 0);
  const afterItems = tp.after.filter((_, i) => data.after[i] !== 0);
  // The quicklook COGs are written on the worker pool, idle now, while this thread detects the tile.
  t = performance.now();
  const cogRequests = looks?.cogRequests({
    grid,
    pondF: evidence.pondF,
    pondPixels: evidence.attrs.idx,
    metadata: cogMetadata(tp.tile, beforeItems, afterItems),
  });
  const cogs = cogRequests && encodeCogs(d.pool, cogRequests, tp.tile, d.signal);
  cogs?.catch(() => undefined); // awaited below; this only keeps a failed detection from leaving it unhandled
  let quicklookSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const detections = detectTile(evidence, d.params);
  d.clock.detect += (performance.now() - t) / 1000;
  let quicklook: TileQuicklook | undefined;
  if (looks && cogs) {
    t = performance.now();
    quicklook = looks.build({
      tile: tp.tile,
      grid,
      detections,
      // Any clearing with a pond gets its chip: a lone pond can make a site (sites.ts).
      minPonds: 1,
      cogs: await cogs,
    });
    quicklookSeconds += (performance.now() - t) / 1000;
    d.clock.quicklook = (d.clock.quicklook ?? 0) + quicklookSeconds;
  }
  return {
    tile: tp.tile,
    grid,
    detections,
    beforeItems: beforeItems.map((i) => i.id),
    afterItems: afterItems.map((i) => ({ id: i.id, datetime: i.datetime.toISOString() })),
    emptyItems: [
      ...tp.before.filter((_, i) => data.before[i] === 0),
      ...tp.after.filter((_, i) => data.after[i] === 0),
    ].map((i) => i.id),
    ...(quicklook ? { quicklook } : {}),
  };
}

/** Both quicklook COGs on the worker pool, their pixels moved there rather than copied. */
async function encodeCogs(
  pool: WorkerPool,
  req: QuicklookCogRequests,
  tile: string,
  signal: AbortSignal | undefined,
): Promise<TileQuicklook['cogs']> {
  const { ndviChange: dense, pondFraction: sparse } = req;
  const [ndviChange, pondFraction] = await Promise.all([
    pool.runTask('encode-cog', { dense }, [dense.data.buffer as ArrayBuffer], signal, {
      label: `${tile} NDVI-change COG`,
    }),
    pool.runTask(
      'encode-cog',
      { sparse },
      [sparse.pixels.buffer as ArrayBuffer, sparse.values.buffer as ArrayBuffer],
      signal,
      { label: `${tile} pond-fraction COG` },
    ),
  ]);
  return { ndviChange: ndviChange.bytes, pondFraction: pondFraction.bytes };
}

/** What each quicklook COG says of where it came from (GDAL metadata items). */
function cogMetadata(
  tile: string,
  beforeItems: TilePlan['before'],
  afterItems: TilePlan['after'],
): Record<string, string> {
  const p = provenanceOf([...beforeItems, ...afterItems]);
  return {
    ...Object.fromEntries(Object.entries(provenanceMembers(p)).map(([k, v]) => [k, String(v)])),
    tile,
    before_items: beforeItems.map((i) => i.id).join(' '),
    after_items: afterItems.map((i) => i.id).join(' '),
  };
}
