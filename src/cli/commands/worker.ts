/**
 * `minewatch worker --redis <url>`: processes the tile jobs that `scan --runner bullmq` enqueues
 * (and scheduled re-scans), until SIGTERM or SIGINT; then it finishes its current job and exits 0.
 *
 * A worker obeys no job blindly: jobs must be signed with its job secret, and what they may make
 * it read or write is its own flags' decision (--stac-root, --allow-host, --state-root,
 * --out-root; src/run/worker-policy.ts), never the job's.
 */
import { Command } from 'commander';
import { parseAllowHost } from '../../run/asset-policy.js';
import { DEFAULT_QUEUE, parseQueueName, parseRedisUrl } from '../../run/runners/redis-options.js';
import {
  DEFAULT_STAC_ROOTS,
  parseFolderRoot,
  parseStacRoot,
  type WorkerPolicy,
} from '../../run/worker-policy.js';
import { jobSecretOptions, loadJobSecret, type JobSecretFlags } from '../job-secret.js';
import { createLogger, logOptions, type LogFlags } from '../logger.js';
import { positiveInt } from '../flags.js';
import { RESCAN_JOB, runScheduledRescan } from './schedule-rescan.js';

export interface WorkerFlags extends JobSecretFlags, LogFlags {
  redis: string;
  stacRoot?: string[];
  allowHost?: string[];
  stateRoot?: string[];
  outRoot?: string[];
  queue: string;
  concurrency: number;
  threads: number;
  lockMs: number;
  stalledMs: number;
  rateMax: number;
  rateMs: number;
}

/** Runs until a signal; resolves once the worker has shut down cleanly. */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const redis = parseRedisUrl(flags.redis);
  const queue = parseQueueName(flags.queue);
  const policy = workerPolicy(flags);
  const log = createLogger(flags);
  const secret = loadJobSecret(flags, process.env, log);
  // Loaded here, not at start-up: every other command would pay for BullMQ and ioredis.
  const { startTileWorker } = await import('../../run/runners/tile-worker.js');
  const running = startTileWorker({
    redis,
    queue,
    policy,
    secret,
    concurrency: flags.concurrency,
    threads: flags.threads,
    lockMs: flags.lockMs,
    stalledMs: flags.stalledMs,
    limiter: { max: flags.rateMax, durationMs: flags.rateMs },
    handlers: { [RESCAN_JOB]: (job, data) => runScheduledRescan(job, data, policy, log) },
    log,
  });
  log.info(
    {
      queue,
      jobs: secret ? 'signed only' : 'UNSIGNED accepted',
      stacRoots: policy.stacRoots.map((r) => r.href),
      stateRoots: policy.stateRoots,
      outRoots: policy.outRoots,
    },
    'Worker:Waiting',
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal, then: 'finishing the current job, then exiting' }, 'Worker:Stopping');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await running.close();
  log.info({}, 'Worker:Stopped');
}

/** The worker's policy from its flags (paths resolved against the working directory). */
export function workerPolicy(flags: WorkerFlags, cwd = process.cwd()): WorkerPolicy {
  const roots = flags.stacRoot && flags.stacRoot.length > 0 ? flags.stacRoot : DEFAULT_STAC_ROOTS;
  return {
    stacRoots: roots.map((r) => parseStacRoot(r, cwd)),
    extraHosts: (flags.allowHost ?? []).map(parseAllowHost),
    stateRoots: (flags.stateRoot ?? []).map((r) => parseFolderRoot(r, '--state-root', cwd)),
    outRoots: (flags.outRoot ?? []).map((r) => parseFolderRoot(r, '--out-root', cwd)),
  };
}

const repeatable = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerWorker(program: Command): Command {
  const cmd = program
    .command('worker')
    .description('Process distributed scan jobs from Redis (BullMQ) until SIGTERM')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'BullMQ queue name', DEFAULT_QUEUE)
    .option('--concurrency <n>', 'jobs this process runs at once', positiveInt(64), 1)
    .option('--threads <n>', 'worker threads for the CPU kernels', positiveInt(256), 2)
    .option(
      '--lock-ms <ms>',
      'job lock; a dead worker’s job is taken over after it expires',
      positiveInt(3_600_000),
      30_000,
    )
    .option(
      '--stalled-ms <ms>',
      'how often workers look for jobs whose worker died',
      positiveInt(3_600_000),
      30_000,
    )
    .option(
      '--rate-max <n>',
      'queue-wide rate limit, over all workers: at most n jobs start per --rate-ms (protects the STAC API and asset hosts)',
      positiveInt(1_000_000),
      120,
    )
    .option('--rate-ms <ms>', 'the rate limit window', positiveInt(3_600_000), 60_000)
    .option(
      '--stac-root <url|path>',
      `repeatable: a STAC API root (or local catalogue file) whose jobs this worker runs; assets are read only from its origin (a local catalogue: its folder), the public Sentinel-2 hosts and --allow-host (default ${DEFAULT_STAC_ROOTS.join(', ')})`,
      repeatable,
    )
    .option(
      '--allow-host <host[:port]>',
      'repeatable: also allow asset hrefs on this host (as scan --allow-host)',
      repeatable,
    )
    .option(
      '--state-root <dir>',
      'repeatable: a folder scheduled re-scans may keep their state (and AOI file) in (default: none, re-scan jobs refused)',
      repeatable,
    )
    .option(
      '--out-root <dir>',
      'repeatable: a folder scheduled re-scans may write their outputs in (default: none, re-scan jobs refused)',
      repeatable,
    );
  return logOptions(jobSecretOptions(cmd)).action(async (flags: WorkerFlags) => {
    await workerCommand(flags);
  });
}
