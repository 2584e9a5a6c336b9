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
import { loadAoi, presetNames } from '../../config/aoi-loader.js';
import { parseStacSource } from '../../config/stac-source.js';
import { InvalidInputError } from '../../errors.js';
import { signJob, type JobData } from '../../run/job-auth.js';
import { DEFAULT_QUEUE, parseQueueName, parseRedisUrl } from '../../run/runners/redis-options.js';
import { oneLineIssues } from '../../run/runners/tile-job.js';
import {
  JobRefusedError,
  MAX_PATH_CHARS,
  pathUnder,
  stacRootFor,
  type Checked,
  type WorkerPolicy,
} from '../../run/worker-policy.js';
import type { EventLog } from '../../types/event-log.js';
import { loadJobSecret } from '../job-secret.js';
import { registerRescan, rescanCommand, type RescanFlags } from './rescan.js';
import { parseInterval } from '../flags.js';

export const RESCAN_JOB = 'rescan';

const PathText = z.string().min(1).max(MAX_PATH_CHARS);
/** What a scheduled job carries: the re-scan's flags, paths made absolute. */
const RescanJobSchema = z.strictObject({
  v: z.literal(1),
  flags: z.strictObject({
    state: PathText,
    stac: PathText,
    collection: z.string().min(1).max(128),
    aoi: PathText,
    before: z.string().max(64),
    after: z.string().max(64),
    lookback: z.number().int().min(0),
    maxCloud: z.number().min(0).max(100),
    concurrency: z.number().int().min(1).max(256),
    out: PathText,
  }),
});
type RescanJobData = z.infer<typeof RescanJobSchema>;

function accepted<T>(c: Checked<T>): T {
  if (!c.ok) throw new JobRefusedError(c.reason);
  return c.value;
}

/**
 * The worker's handler for a scheduled re-scan (its data already verified): it runs here, tiles
 * on this worker's own pool, but only on a catalogue, state, AOI and output folder that the
 * worker's own policy allows; the job only chooses among them.
 */
export async function runScheduledRescan(
  job: Job,
  data: JobData,
  policy: WorkerPolicy,
  log: EventLog,
): Promise<unknown> {
  const parsed = RescanJobSchema.safeParse(data);
  if (!parsed.success) throw new JobRefusedError(`malformed payload: ${oneLineIssues(parsed.error)}`);
  const f = parsed.data.flags;
  if (policy.stateRoots.length === 0 || policy.outRoots.length === 0)
    throw new JobRefusedError(
      'this worker runs no scheduled re-scans (start it with --state-root and --out-root)',
    );
  accepted(stacRootFor(policy, f.stac));
  const state = accepted(pathUnder(policy.stateRoots, f.state, 'state', '--state-root'));
  const out = accepted(pathUnder(policy.outRoots, f.out, 'out', '--out-root'));
  // An AOI is a preset, or a file beside the state: never a path anywhere a job likes.
  const aoi = presetNames().includes(f.aoi)
    ? f.aoi
    : accepted(pathUnder(policy.stateRoots, f.aoi, 'aoi', '--state-root'));
  // The local runner: a worker that enqueued tiles and waited for them could wait on itself.
  const s = await rescanCommand({ ...f, state, out, aoi, quiet: true, runner: 'local' });
  log.info(
    { run: s.run, newItems: s.newItems, newCandidates: s.changes.new, out: s.out },
    'ScheduledRescan:Done',
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
  const redis = parseRedisUrl(flags.redis);
  const queueName = parseQueueName(flags.queue ?? DEFAULT_QUEUE);
  // Removing a scheduler adds no job: only registering one needs the workers' secret.
  const secret = flags.remove ? undefined : loadJobSecret(flags);
  // Loaded here, not at start-up: every other command would pay for BullMQ and ioredis.
  const [{ Queue }, { redisConnection }] = await Promise.all([
    import('bullmq'),
    import('../../run/runners/redis.js'),
  ]);
  const connection = redisConnection(redis, 'minewatch-schedule');
  const queue = new Queue(queueName, { connection });
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
        stac: parseStacSource(flags.stac, '--stac', process.cwd()),
        collection: flags.collection,
        // A file (not a preset) is made absolute too; workers accept it under a --state-root.
        aoi: presetNames().includes(flags.aoi) ? flags.aoi : path.resolve(flags.aoi),
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
        // The scheduler copies this data, signature included, into every job it adds.
        {
          name: RESCAN_JOB,
          data: secret ? signJob(secret, RESCAN_JOB, data) : data,
          opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
        },
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
