/**
 * `minewatch worker --redis <url>`: processes the tile jobs that `scan --runner bullmq` enqueues
 * (and scheduled re-scans), until SIGTERM or SIGINT; then it finishes its current job and exits 0.
 */
import { Command } from 'commander';
import { DEFAULT_QUEUE, parseQueueName, parseRedisUrl } from '../../run/runners/redis-options.js';
import { positiveInt } from './scan.js';
import { RESCAN_JOB, runScheduledRescan } from './schedule-rescan.js';

export interface WorkerFlags {
  redis: string;
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
  // Loaded here, not at start-up: every other command would pay for BullMQ and ioredis.
  const { startTileWorker } = await import('../../run/runners/tile-worker.js');
  const running = startTileWorker({
    redis: parseRedisUrl(flags.redis),
    queue: parseQueueName(flags.queue),
    concurrency: flags.concurrency,
    threads: flags.threads,
    lockMs: flags.lockMs,
    stalledMs: flags.stalledMs,
    limiter: { max: flags.rateMax, durationMs: flags.rateMs },
    handlers: { [RESCAN_JOB]: runScheduledRescan },
  });
  process.stderr.write(`worker: pid ${process.pid} waiting for jobs on queue "${flags.queue}"\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`worker: ${signal}: finishing the current job, then exiting\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await running.close();
  process.stderr.write('worker: stopped\n');
}

export function registerWorker(program: Command): Command {
  return program
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
    .action(async (flags: WorkerFlags) => {
      await workerCommand(flags);
    });
}
