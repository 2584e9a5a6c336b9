/**
 * The `bullmq` runner, client side: enqueues a scan's tiles as one BullMQ flow (a parent job per
 * scan whose children are the tile jobs), waits for the parent with progress, and returns the
 * tiles' contexts in plan order. Workers (`minewatch worker`, ./tile-worker.ts) do the work.
 *
 * Waiting polls the parent's state rather than listening to QueueEvents: a poll notices what an
 * event stream cannot, a Redis that lost the jobs (restarted without persistence). The flow is
 * then enqueued again (ids are deterministic, so finished tiles are not redone while Redis still
 * holds them), and a Redis that stays unreachable ends the run with a clear error.
 */
import { FlowProducer, Job, Queue, type FlowJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { EXIT_CODES, MinewatchError } from '../../errors.js';
import { signJob, type JobData } from '../job-auth.js';
import type { TilePlan } from '../planner.js';
import { decodeOutcome, encodeTileJob, scanJobId, tileJobId } from './tile-job.js';
import { redisConnection } from './redis.js';
import { DEFAULT_QUEUE } from './redis-options.js';
import type { ScannedTile, SkippedItem, TileRunContext, TileRunner, TileRunResult } from './types.js';

/** Redis could not be reached for longer than the run allows. */
export class RedisUnavailableError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.tryAgain;
}

/** The distributed run failed (a tile failed all its attempts, or the jobs kept vanishing). */
export class DistributedRunError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.failed;
}

export interface BullmqRunnerOptions {
  redis: URL;
  queue?: string;
  /** Attempts per tile job, with exponential backoff from backoffMs (default 3, 2000). */
  attempts?: number;
  backoffMs?: number;
  /** How often the parent's state is read (default 500 ms). */
  pollMs?: number;
  /** How long Redis may stay unreachable before the run fails (default 30 s). */
  redisTimeoutMs?: number;
  /** How many times a flow that vanished from Redis is enqueued again (default 3). */
  maxResubmits?: number;
  /** How long finished tile results stay in Redis for re-use (default 7 days). */
  keepSeconds?: number;
  /**
   * The secret every job is signed with (../job-auth.ts), the workers' own. `undefined` only when
   * the operator chose --insecure-unsigned-jobs: jobs then go unsigned, for workers that do the same.
   */
  secret: Buffer | undefined;
}

export const SCAN_JOB = 'scan';
export const TILE_JOB = 'tile';

/** The parent's data: its children's ids in plan order. */
export interface ScanJobData {
  v: 1;
  children: string[];
}

export class BullmqTileRunner implements TileRunner {
  readonly name = 'bullmq';
  private readonly queueName: string;
  private readonly connection: Redis;
  private readonly queue: Queue;
  private readonly flows: FlowProducer;

  constructor(private readonly options: BullmqRunnerOptions) {
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    this.connection = redisConnection(options.redis, 'minewatch-scan');
    this.queue = new Queue(this.queueName, { connection: this.connection });
    this.flows = new FlowProducer({ connection: this.connection });
    // Errors surface through the commands the runner awaits; these only stop unhandled events.
    this.queue.on('error', () => undefined);
    this.flows.on('error', () => undefined);
  }

  async runTiles(tiles: readonly TilePlan[], ctx: TileRunContext): Promise<TileRunResult> {
    if (tiles.length === 0) return { contexts: [], skipped: [] };
    const o = this.options;
    const keep = { age: o.keepSeconds ?? 7 * 24 * 3600 };
    const sign = (name: string, data: JobData): JobData => (o.secret ? signJob(o.secret, name, data) : data);
    const children = tiles.map((tp) => ({
      id: tileJobId(tp, ctx.offsets, ctx.params, ctx.evidence === true),
      data: sign(
        TILE_JOB,
        encodeTileJob(tp, ctx.offsets, ctx.params, ctx.stac, ctx.concurrency, ctx.evidence === true),
      ),
    }));
    const parentId = scanJobId(children.map((c) => c.id));
    const flow: FlowJob = {
      name: SCAN_JOB,
      queueName: this.queueName,
      data: sign(SCAN_JOB, { v: 1, children: children.map((c) => c.id) } satisfies ScanJobData),
      opts: { jobId: parentId, attempts: 3, removeOnComplete: keep, removeOnFail: keep },
      children: children.map((c) => ({
        name: TILE_JOB,
        queueName: this.queueName,
        data: c.data,
        opts: {
          jobId: c.id,
          attempts: o.attempts ?? 3,
          backoff: { type: 'exponential', delay: o.backoffMs ?? 2000 },
          failParentOnFailure: true,
          removeOnComplete: keep,
          removeOnFail: keep,
        },
      })),
    };
    const blocks = tiles.reduce((n, tp) => n + tp.blocks.length, 0);
    ctx.log(
      `scan: ${tiles.length} tile jobs for queue "${this.queueName}" on ${redactedUrl(o.redis)} (scan job ${parentId})`,
    );

    const timeoutMs = o.redisTimeoutMs ?? 30_000;
    let lastContact = Date.now();
    /** Runs one Redis command; an unreachable Redis is retried until timeoutMs after the last success. */
    const redis = async <T>(what: string, command: () => Promise<T>): Promise<T> => {
      for (;;) {
        ctx.signal?.throwIfAborted();
        const left = timeoutMs - (Date.now() - lastContact);
        try {
          const value = await withTimeout(command(), Math.max(left, 1), what);
          lastContact = Date.now();
          return value;
        } catch (err) {
          if (Date.now() - lastContact >= timeoutMs)
            throw new RedisUnavailableError(
              `Redis at ${redactedUrl(o.redis)} unreachable for ${Math.round(timeoutMs / 1000)} s while ${what}: ${(err as Error).message}; the scan's tile jobs may still finish there, run the same scan again to collect them`,
            );
          await sleep(250, ctx.signal);
        }
      }
    };

    await redis('enqueueing the scan', () => this.submit(flow, parentId, ctx.log));
    let resubmits = 0;
    let ticked = 0;
    for (;;) {
      const state = await redis('reading the scan job', () => this.queue.getJobState(parentId));
      if (state === 'completed') break;
      if (state === 'failed') {
        const job = await redis('reading the failed scan job', () => Job.fromId(this.queue, parentId));
        throw new DistributedRunError(
          `scan job ${parentId} on ${redactedUrl(o.redis)} failed: ${job?.failedReason ?? 'no reason recorded'}`,
        );
      }
      if (state === 'unknown') {
        // The jobs are gone: Redis restarted without persistence, or someone obliterated the queue.
        if (++resubmits > (o.maxResubmits ?? 3))
          throw new DistributedRunError(
            `scan job ${parentId} vanished from Redis at ${redactedUrl(o.redis)} ${resubmits} times; giving up (is Redis evicting keys or restarting?)`,
          );
        ctx.log(
          `scan: the scan's jobs vanished from Redis (restarted?); enqueueing them again (${resubmits})`,
        );
        await redis('enqueueing the scan again', () => this.submit(flow, parentId, ctx.log));
        continue;
      }
      const counts = await redis('reading progress', async () => {
        const job = await Job.fromId(this.queue, parentId);
        return job ? job.getDependenciesCount({ processed: true }) : { processed: 0 };
      });
      // Progress moves per finished tile; the reporter counts blocks, so a tile is worth its share.
      const done = Math.round((blocks * (counts.processed ?? 0)) / tiles.length);
      if (done > ticked) {
        ctx.progress.tick(done - ticked);
        ticked = done;
      }
      await sleep(o.pollMs ?? 500, ctx.signal);
    }
    const parent = await redis('reading the results', () => Job.fromId(this.queue, parentId));
    const values: unknown = parent?.returnvalue;
    if (!Array.isArray(values) || values.length !== children.length)
      throw new DistributedRunError(`scan job ${parentId} finished without one result per tile`);
    if (blocks > ticked) ctx.progress.tick(blocks - ticked);
    const contexts: ScannedTile[] = [];
    const skipped: SkippedItem[] = [];
    values.forEach((v: unknown, k) => {
      const outcome = decodeOutcome(v, (children[k] as { id: string }).id);
      skipped.push(...outcome.skipped);
      if (outcome.context) contexts.push(outcome.context);
      for (const key of ['read', 'compute', 'assemble', 'detect'] as const)
        ctx.clock[key] += outcome.clock[key];
    });
    for (const s of skipped) ctx.log(`scan: skipped ${s.item}: ${s.reason}`);
    return { contexts, skipped };
  }

  /** Adds the flow; a parent that failed earlier is removed first, so running again retries it. */
  private async submit(flow: FlowJob, parentId: string, log: (msg: string) => void): Promise<void> {
    const previous = await Job.fromId(this.queue, parentId);
    if (previous && (await previous.isFailed())) {
      log(`scan: an earlier run of this scan failed (${previous.failedReason}); running it again`);
      await previous.remove({ removeChildren: true });
    }
    await this.flows.add(flow);
  }

  async close(): Promise<void> {
    // Closing waits for Redis; one that is down must not hold the process: give it 2 s.
    const closing = Promise.allSettled([this.flows.close(), this.queue.close()]);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.connection.disconnect();
  }
}

export function redactedUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.password) u.password = '***';
  return u.href;
}

/** Control flow: the rejection is caught by the retry loop in run(), which retries or, past the
 * deadline, reports it inside a RedisUnavailableError; it never leaves this module on its own. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms while ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort(): void {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
