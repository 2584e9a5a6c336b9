/**
 * The `bullmq` runner, worker side: a BullMQ Worker that runs tile jobs exactly as a local scan
 * runs a tile (it reads the COGs itself over HTTP range requests, the bytes never pass through
 * Redis), merges a scan's tile results in plan order when all of them are in, and runs scheduled
 * re-scans. One local pool of worker threads per process serves every job.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { assetKeysOf, type S2Asset } from '../../catalog/item.js';
import { openSource } from '../../io/byte-source.js';
import { readCogHeader } from '../../io/cog-header.js';
import { HttpClient } from '../../io/http.js';
import { assetPolicy } from '../asset-policy.js';
import { unverifiedJob, verifyJob, type JobData, type Verified } from '../job-auth.js';
import { JobRefusedError, printable, stacRootFor, type WorkerPolicy } from '../worker-policy.js';
import type { OpenedAsset } from '../block-reader.js';
import { ProgressReporter } from '../progress.js';
import { IoQueue } from '../queue.js';
import type { StageClock } from './types.js';
import { WorkerPool } from '../worker-pool.js';
import { DistributedRunError, SCAN_JOB, TILE_JOB, type ScanJobData } from './bullmq.js';
import { runTileDroppingFailedItems } from './local.js';
import { redisConnection } from './redis.js';
import { DEFAULT_QUEUE } from './redis-options.js';
import { SILENT_LOG, type EventLog } from '../../types/event-log.js';
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
  /** What this worker may read and write, whatever a job asks (./worker-policy.ts). */
  policy: WorkerPolicy;
  /**
   * The secret jobs must be signed with (../job-auth.ts). `undefined` only when the operator chose
   * --insecure-unsigned-jobs: signatures are then not checked (the policy still is).
   */
  secret: Buffer | undefined;
  /** Other job kinds (a scheduled re-scan), by job name; `data` is verified, without `sig`. */
  handlers?: Record<string, (job: Job, data: JobData) => Promise<unknown>>;
  /** Where the worker's events go (the CLI's logger); silent without one. */
  log?: EventLog;
}

export interface RunningWorker {
  /** Stops taking jobs, waits for the current ones, releases the pool and the connection. */
  close(): Promise<void>;
}

export function startTileWorker(options: TileWorkerOptions): RunningWorker {
  const log = options.log ?? SILENT_LOG;
  const pool = new WorkerPool({ size: options.threads ?? 2, taskTimeoutMs: 10 * 60_000 });
  const connection = redisConnection(options.redis, 'minewatch-worker');
  const handlers = options.handlers ?? {};

  const { policy, secret } = options;

  const processor = async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const id = printable(job.id);
    // Nothing in a job is used before its signature is checked: not even its kind.
    const verified: Verified = secret ? verifyJob(secret, job.name, job.data) : unverifiedJob(job.data);
    if (!verified.ok) throw refused(job, verified.reason);
    try {
      if (job.name === TILE_JOB) return await runTileJob(verified.data, id, policy, pool, log, signal);
      if (job.name === SCAN_JOB) return await mergeScan(job, verified.data);
      const handler = handlers[job.name];
      if (handler) return await handler(job, verified.data);
    } catch (err) {
      // A job that breaks the policy or the schema fails the same way on every attempt.
      if (err instanceof JobRefusedError) throw refused(job, err.message);
      throw err;
    }
    throw refused(job, `unknown job name ${JSON.stringify(job.name).slice(0, 80)}`);
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
  worker.on('error', (err) => log.error({ reason: err.message }, 'Redis:Failed'));
  // The reason of a refused job already names it (job <id> (<name>) refused: ...), control
  // characters replaced; the JSON line escapes whatever else a job's id or name holds.
  worker.on('failed', (job, err) =>
    log.warn(
      {
        job: printable(job?.id),
        name: printable(job?.name, 40),
        attempt: job?.attemptsMade,
        reason: err.message,
      },
      'Job:Failed',
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

function refused(job: Job, reason: string): UnrecoverableError {
  // One line, bounded: the reason ends up in failedReason and in the worker's log.
  const line = printable(reason, 500);
  return new UnrecoverableError(`job ${printable(job.id)} (${printable(job.name, 40)}) refused: ${line}`);
}

async function runTileJob(
  data: unknown,
  jobId: string,
  policy: WorkerPolicy,
  pool: WorkerPool,
  log: EventLog,
  signal: AbortSignal | undefined,
): Promise<string> {
  let job: ReturnType<typeof decodeTileJob>;
  try {
    job = decodeTileJob(data, jobId);
  } catch (err) {
    throw new JobRefusedError((err as Error).message);
  }
  // The asset policy is the worker's: built from its own --stac-root that the job's catalogue
  // falls under (and its --allow-host), never from a URL the job carries.
  const root = stacRootFor(policy, job.stac.href);
  if (!root.ok) throw new JobRefusedError(root.reason);
  const allow = assetPolicy({ stac: root.value, extraHosts: policy.extraHosts });
  const items = [...job.tile.before, ...job.tile.after];
  for (const item of items)
    for (const b of assetKeysOf(item)) {
      const href = (item.assets[b] as S2Asset).href;
      if (!allow(href))
        throw new JobRefusedError(
          `item ${JSON.stringify(item.id).slice(0, 80)} asset "${b}" href ${JSON.stringify(href.href).slice(0, 160)} is outside this worker's asset policy`,
        );
    }
  const t0 = performance.now();
  log.info({ tile: job.tile.tile, job: jobId, blocks: job.tile.blocks.length }, 'TileJob:Started');
  const http = new HttpClient({ allow });
  const io = new IoQueue({ concurrency: job.concurrency });
  const opened = new Map<string, OpenedAsset>();
  try {
    await Promise.all(
      items.flatMap((item) =>
        assetKeysOf(item).map(async (b) => {
          const href = (item.assets[b] as S2Asset).href;
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
      // The tile runner's one event is an item dropped from the tile; `detail` is its own line.
      (line) => log.warn({ tile: job.tile.tile, job: jobId, detail: line }, 'TileJob:ItemSkipped'),
    );
    progress.finish();
    log.info(
      {
        tile: job.tile.tile,
        job: jobId,
        seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
        requests: http.stats.requests,
      },
      'TileJob:Done',
    );
    return encodeOutcome({ ...outcome, clock });
  } finally {
    await Promise.allSettled([...opened.values()].map((o) => o.source.close()));
  }
}

/** The parent job: every child's encoded outcome, in the plan order its data lists. */
async function mergeScan(job: Job, verified: JobData): Promise<unknown[]> {
  const data = verified as Partial<ScanJobData>;
  if (
    !Array.isArray(data.children) ||
    data.children.length > 100_000 ||
    !data.children.every((c) => typeof c === 'string' && c.length <= 128)
  )
    throw new JobRefusedError('malformed payload: children must be job ids');
  const values = (await job.getChildrenValues()) as Record<string, unknown>;
  // Keys are "<prefix>:<queue>:<job id>".
  const byId = new Map(Object.entries(values).map(([key, v]) => [key.slice(key.lastIndexOf(':') + 1), v]));
  return data.children.map((id) => {
    if (!byId.has(id))
      throw new DistributedRunError(`scan job ${printable(job.id)}: tile job ${id} has no result`);
    return byId.get(id);
  });
}
