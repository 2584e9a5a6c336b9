/**
 * The `bullmq` runner, worker side: a BullMQ Worker that runs tile jobs exactly as a local scan
 * runs a tile (it reads the COGs itself over HTTP range requests, the bytes never pass through
 * Redis), merges a scan's tile results in plan order when all of them are in, and runs scheduled
 * re-scans. One local pool of worker threads per process serves every job.
 */
import { Worker, type Job } from 'bullmq';
import { assetKeysOf, type S2Asset } from '../../catalog/item.js';
import { openSource } from '../../io/byte-source.js';
import { readCogHeader } from '../../io/cog-header.js';
import { HttpClient } from '../../io/http.js';
import { assetPolicy } from '../asset-policy.js';
import type { OpenedAsset } from '../block-reader.js';
import { ProgressReporter } from '../progress.js';
import { IoQueue } from '../queue.js';
import type { StageClock } from '../scan.js';
import { WorkerPool } from '../worker-pool.js';
import { SCAN_JOB, TILE_JOB, type ScanJobData } from './bullmq.js';
import { runTileDroppingFailedItems } from './local.js';
import { redisConnection } from './redis.js';
import { DEFAULT_QUEUE } from './redis-options.js';
import { decodeTileJob, encodeOutcome } from './tile-job.js';

export interface TileWorkerOptions {
  redis: URL;
  queue?: string;
  /** Jobs this process runs at once (default 1: a tile job already keeps the pool busy). */
  concurrency?: number;
  /** Worker threads for the CPU kernels (default 2). */
  threads?: number;
  /**
   * A job's lock lasts lockMs and is renewed while the worker lives; a worker that dies stops
   * renewing, and within stalledMs of the lock's expiry another worker takes the job over.
   */
  lockMs?: number;
  stalledMs?: number;
  /** Queue-wide: at most `max` jobs start per `durationMs`, over all workers (protects the hosts). */
  limiter?: { max: number; durationMs: number };
  /** Other job kinds (a scheduled re-scan), by job name. */
  handlers?: Record<string, (job: Job) => Promise<unknown>>;
  log?: (msg: string) => void;
}

export interface RunningWorker {
  /** Stops taking jobs, waits for the current ones, releases the pool and the connection. */
  close(): Promise<void>;
}

export function startTileWorker(options: TileWorkerOptions): RunningWorker {
  const log = options.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  const pool = new WorkerPool({ size: options.threads ?? 2, taskTimeoutMs: 10 * 60_000 });
  const connection = redisConnection(options.redis, 'minewatch-worker');
  const handlers = options.handlers ?? {};

  const processor = async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const id = job.id ?? '?';
    if (job.name === TILE_JOB) return runTileJob(job.data, id, pool, log, signal);
    if (job.name === SCAN_JOB) return mergeScan(job);
    const handler = handlers[job.name];
    if (handler) return handler(job);
    throw new Error(`job ${id}: unknown job name ${JSON.stringify(job.name)}`);
  };

  const worker = new Worker(options.queue ?? DEFAULT_QUEUE, processor, {
    connection,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: options.stalledMs ?? 30_000,
    // A job whose worker died twice is more likely the cause than the victim.
    maxStalledCount: 2,
    ...(options.limiter
      ? { limiter: { max: options.limiter.max, duration: options.limiter.durationMs } }
      : {}),
  });
  worker.on('error', (err) => log(`worker: redis: ${err.message}`));
  worker.on('failed', (job, err) =>
    log(
      `worker: job ${job?.id ?? '?'} (${job?.name ?? '?'}) failed on attempt ${job?.attemptsMade ?? '?'}: ${err.message}`,
    ),
  );
  return {
    async close(): Promise<void> {
      await worker.close();
      await pool.close();
      connection.disconnect();
    },
  };
}

async function runTileJob(
  data: unknown,
  jobId: string,
  pool: WorkerPool,
  log: (msg: string) => void,
  signal: AbortSignal | undefined,
): Promise<string> {
  const job = decodeTileJob(data, jobId);
  const t0 = performance.now();
  log(`worker: tile ${job.tile.tile} job ${jobId} started (${job.tile.blocks.length} blocks)`);
  // The same asset policy as the scan that planned the job, built from its STAC URL.
  const allow = assetPolicy({ stac: job.stac });
  const http = new HttpClient({ allow });
  const io = new IoQueue({ concurrency: job.concurrency });
  const opened = new Map<string, OpenedAsset>();
  try {
    await Promise.all(
      [...job.tile.before, ...job.tile.after].flatMap((item) =>
        assetKeysOf(item).map(async (b) => {
          const href = (item.assets[b] as S2Asset).href;
          if (!allow(href)) throw new Error(`asset "${b}" href ${href.href} rejected by the asset policy`);
          const source = openSource(href, http);
          const header = await io
            .add((s) => readCogHeader(source, { signal: s }))
            .catch(async (err: unknown) => {
              await source.close().catch(() => undefined);
              throw err;
            });
          opened.set(`${item.id}/${b}`, { source, header });
        }),
      ),
    );
    const clock: StageClock = { read: 0, compute: 0, assemble: 0, detect: 0 };
    const progress = new ProgressReporter({ total: job.tile.blocks.length, silent: true });
    const outcome = await runTileDroppingFailedItems(
      job.tile,
      {
        clock,
        opened,
        offsets: job.offsets,
        io,
        pool,
        params: job.params,
        progress,
        signal,
        evidence: job.evidence,
      },
      log,
    );
    progress.finish();
    log(
      `worker: tile ${job.tile.tile} job ${jobId} done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${http.stats.requests} requests)`,
    );
    return encodeOutcome({ ...outcome, clock });
  } finally {
    await Promise.allSettled([...opened.values()].map((o) => o.source.close()));
  }
}

/** The parent job: every child's encoded outcome, in the plan order its data lists. */
async function mergeScan(job: Job): Promise<unknown[]> {
  const data = job.data as Partial<ScanJobData>;
  if (!Array.isArray(data.children) || !data.children.every((c) => typeof c === 'string'))
    throw new Error(`scan job ${job.id ?? '?'}: malformed payload: children must be job ids`);
  const values = (await job.getChildrenValues()) as Record<string, unknown>;
  // Keys are "<prefix>:<queue>:<job id>".
  const byId = new Map(Object.entries(values).map(([key, v]) => [key.slice(key.lastIndexOf(':') + 1), v]));
  return data.children.map((id) => {
    if (!byId.has(id)) throw new Error(`scan job ${job.id ?? '?'}: tile job ${id} has no result`);
    return byId.get(id);
  });
}
