/**
 * `minewatch schedule-rescan --redis <url> --every <cron> [rescan flags]`: scheduled re-scans as
 * a BullMQ job scheduler, an alternative to system cron. Redis holds the schedule; on each tick
 * BullMQ adds one job (its id derives from the scheduler and the tick), which one `minewatch
 * worker` runs as `minewatch rescan` would. Several worker replicas are safe: a tick is one job,
 * and the re-scan's own lock on its state folder refuses a second run on the same state.
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Job } from 'bullmq';
import { z } from 'zod';
import { loadAoi } from '../../config/aoi-loader.js';
import { InvalidInputError } from '../../errors.js';
import { DEFAULT_QUEUE, parseQueueName, parseRedisUrl } from '../../run/runners/redis-options.js';
import { registerRescan, rescanCommand, type RescanFlags } from './rescan.js';
import { parseInterval } from './scan.js';

export const RESCAN_JOB = 'rescan';

/** What a scheduled job carries: the re-scan's flags, paths made absolute. */
const RescanJobSchema = z.strictObject({
  v: z.literal(1),
  flags: z.strictObject({
    state: z.string().min(1),
    stac: z.string().min(1),
    collection: z.string().min(1),
    aoi: z.string().min(1),
    before: z.string(),
    after: z.string(),
    lookback: z.number().int().min(0),
    maxCloud: z.number().min(0).max(100),
    concurrency: z.number().int().min(1).max(256),
    out: z.string().min(1),
  }),
});
type RescanJobData = z.infer<typeof RescanJobSchema>;

/** The worker's handler for a scheduled re-scan: it runs here, tiles on this worker's own pool. */
export async function runScheduledRescan(job: Job): Promise<unknown> {
  const parsed = RescanJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new Error(`rescan job ${job.id ?? '?'}: malformed payload: ${z.prettifyError(parsed.error)}`);
  // The local runner: a worker that enqueued tiles and waited for them could wait on itself.
  const s = await rescanCommand({ ...parsed.data.flags, quiet: true, runner: 'local' });
  process.stderr.write(
    `worker: scheduled rescan run ${s.run}: ${s.newItems} new acquisitions, ${s.changes.new} new candidates; outputs in ${s.out}\n`,
  );
  return { run: s.run, newItems: s.newItems, changes: s.changes, candidates: s.candidates };
}

interface ScheduleFlags extends RescanFlags {
  every?: string;
  id: string;
  remove?: boolean;
}

export async function scheduleRescanCommand(flags: ScheduleFlags): Promise<string> {
  if (!flags.redis) throw new InvalidInputError('schedule-rescan needs --redis <url>');
  // Loaded here, not at start-up: every other command would pay for BullMQ and ioredis.
  const [{ Queue }, { redisConnection }] = await Promise.all([
    import('bullmq'),
    import('../../run/runners/redis.js'),
  ]);
  const connection = redisConnection(parseRedisUrl(flags.redis), 'minewatch-schedule');
  const queue = new Queue(parseQueueName(flags.queue ?? DEFAULT_QUEUE), { connection });
  try {
    if (flags.remove) {
      const removed = await queue.removeJobScheduler(flags.id);
      return removed ? `removed scheduler ${flags.id}` : `no scheduler ${flags.id}`;
    }
    // Fail now, not on the first tick at 3 a.m.: the same checks the re-scan makes first.
    parseInterval(flags.before, '--before');
    loadAoi(flags.aoi);
    const data: RescanJobData = {
      v: 1,
      flags: {
        // Workers run elsewhere: paths are absolute, and must name a folder they all see.
        state: path.resolve(flags.state),
        stac: flags.stac,
        collection: flags.collection,
        aoi: flags.aoi,
        before: flags.before,
        after: flags.after,
        lookback: flags.lookback,
        maxCloud: flags.maxCloud,
        concurrency: flags.concurrency,
        out: path.resolve(flags.out),
      },
    };
    try {
      await queue.upsertJobScheduler(
        flags.id,
        { pattern: flags.every ?? '' },
        // One attempt: a re-scan that failed (or found its state locked) waits for the next tick.
        { name: RESCAN_JOB, data, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
      );
    } catch (err) {
      throw new InvalidInputError(`--every ${JSON.stringify(flags.every)}: ${(err as Error).message}`);
    }
    return `scheduler ${flags.id}: rescan of ${data.flags.state} every "${flags.every}" on queue "${queue.name}"`;
  } finally {
    // BullMQ leaves a connection it was given open.
    await queue.close();
    connection.disconnect();
  }
}

export function registerScheduleRescan(program: Command): Command {
  const cmd = program
    .command('schedule-rescan')
    .description('Register (or --remove) a BullMQ job scheduler that runs a rescan on a worker, cron-style')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .option('--queue <name>', 'BullMQ queue name (the workers’)', DEFAULT_QUEUE)
    .option('--every <cron>', 'cron pattern, e.g. "0 3 * * *" (03:00 daily, UTC); required to register')
    .option('--id <name>', 'scheduler id: registering the same id again replaces it', 'rescan')
    .option('--remove', 'remove the scheduler --id instead');
  // Exactly the re-scan's own flags, defaults and parsers (runner and output-mode flags aside).
  const skip = new Set([
    '--runner',
    '--redis',
    '--queue',
    '--redis-timeout',
    '--json',
    '--quiet',
    '--exit-new',
  ]);
  for (const opt of registerRescan(new Command()).options) {
    if (skip.has(opt.long ?? '')) continue;
    // --state, --before and --after are required to register, not to --remove.
    const copy = new Option(opt.flags, opt.description);
    if (opt.defaultValue !== undefined) copy.default(opt.defaultValue);
    if (opt.parseArg) copy.argParser(opt.parseArg);
    cmd.addOption(copy);
  }
  return cmd.action(async (flags: ScheduleFlags) => {
    if (!flags.remove)
      for (const f of ['every', 'state', 'before', 'after'] as const)
        if (!flags[f]) throw new InvalidInputError(`schedule-rescan needs --${f}`);
    process.stdout.write(`${await scheduleRescanCommand(flags)}\n`);
  });
}
