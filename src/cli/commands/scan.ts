/**
 * `minewatch scan`: the CLI contract of ../shared/DESIGN.md. Parses and validates every flag
 * before any network request (a bad AOI or date fails at once), then runs the scan.
 */
import { Command } from 'commander';
import { loadAoi } from '../../config/aoi-loader.js';
import { parseStacSource } from '../../config/stac-source.js';
import { InvalidInputError } from '../../errors.js';
import { parseAllowHost, type AllowedHost } from '../../run/asset-policy.js';
import { LocalTileRunner } from '../../run/runners/local.js';
import { DEFAULT_QUEUE, parseQueueName, parseRedisUrl } from '../../run/runners/redis-options.js';
import type { TileRunner } from '../../run/runners/types.js';
import { runScan, type ScanSummary } from '../../run/scan.js';
import {
  aoiOption,
  outOption,
  parseInterval,
  partialOptions,
  partialReadOptions,
  readOptions,
  runnerOptions,
  stacOption,
  type PartialFlags,
  type RunnerFlags,
} from '../flags.js';
import { loadJobSecret } from '../job-secret.js';
import { commandLogger, logOptions, type LogFlags } from '../logger.js';
import { runDeadline, TIMEOUT_FLAG, withDeadline } from '../run-timeout.js';

export interface ScanFlags extends RunnerFlags, PartialFlags, LogFlags {
  stac: string;
  /** Undefined: the provider's current collection (providers.ts DEFAULT_COLLECTION). */
  collection?: string;
  provider?: string;
  allowHost?: string[];
  aoi: string;
  before: string;
  after: string;
  maxCloud: number;
  concurrency: number;
  fixedConcurrency?: boolean;
  out: string;
  json?: boolean;
  /** Commander's `--no-evidence` sets this false. */
  evidence: boolean;
  /** `--timeout`, in milliseconds. */
  timeout?: number;
}

export async function scanCommand(flags: ScanFlags): Promise<ScanSummary> {
  const stac = parseStacSource(flags.stac, '--stac');
  const before = parseInterval(flags.before, '--before');
  const after = parseInterval(flags.after, '--after');
  const aoi = loadAoi(flags.aoi);
  const allowHosts: AllowedHost[] = (flags.allowHost ?? []).map(parseAllowHost);
  commandLogger(flags).debug(
    { stac, aoi: flags.aoi, before, after, out: flags.out, runner: flags.runner ?? 'local' },
    'Scan:Starting',
  );
  const runner = await tileRunner(flags);
  const deadline = runDeadline(flags.timeout);
  try {
    return await withDeadline(deadline, () =>
      runScan({
        stac,
        ...(flags.collection !== undefined ? { collection: flags.collection } : {}),
        ...(flags.provider !== undefined ? { provider: flags.provider } : {}),
        allowHosts,
        aoi,
        before,
        after,
        maxCloud: flags.maxCloud,
        concurrency: flags.concurrency,
        ...(flags.fixedConcurrency ? { fixedConcurrency: true } : {}),
        out: flags.out,
        json: !!flags.json,
        quiet: !!flags.quiet,
        evidence: flags.evidence,
        runner,
        signal: deadline.signal,
        ...partialOptions(flags),
      }),
    );
  } finally {
    await runner.close();
  }
}

/**
 * `--runner local` (default) or `--runner bullmq --redis <url>`; shared by scan, batch and rescan.
 * BullMQ and ioredis are loaded only for a bullmq run.
 */
export async function tileRunner(flags: RunnerFlags): Promise<TileRunner> {
  if (flags.runner === undefined || flags.runner === 'local') {
    if (flags.redis) throw new InvalidInputError('--redis needs --runner bullmq');
    if (flags.jobSecretFile !== undefined)
      throw new InvalidInputError('--job-secret-file needs --runner bullmq');
    return new LocalTileRunner();
  }
  if (flags.runner === 'bullmq') {
    if (!flags.redis) throw new InvalidInputError('--runner bullmq needs --redis <url>');
    const redis = parseRedisUrl(flags.redis);
    const queue = parseQueueName(flags.queue ?? DEFAULT_QUEUE);
    // Before BullMQ loads: a scan without the workers' secret would queue jobs they all refuse.
    const secret = loadJobSecret(flags);
    const { BullmqTileRunner } = await import('../../run/runners/bullmq.js');
    return new BullmqTileRunner({ redis, queue, redisTimeoutMs: (flags.redisTimeout ?? 30) * 1000, secret });
  }
  throw new InvalidInputError(`--runner ${JSON.stringify(flags.runner)}: expected local or bullmq`);
}

export function registerScan(program: Command): Command {
  const cmd = stacOption(
    program
      .command('scan')
      .description(
        'Find new rare-earth mine sites between two seasons and write GeoJSON candidates and a report',
      ),
  )
    .option(
      '--collection <id>',
      "STAC collection (default: the provider's current one, sentinel-2-c1-l2a on Earth Search; a local file: all it holds)",
    )
    .option(
      '--provider <name>',
      'earth-search | planetary-computer: asset keys, asset hosts, signing, radiometry (default: from the --stac host)',
    )
    .option(
      '--allow-host <host[:port]>',
      'also allow asset hrefs on this host (repeatable; loopback only when named)',
      (v: string, prev: string[] = []) => [...prev, v],
    );
  aoiOption(cmd, 'GeoJSON Polygon/MultiPolygon/Feature/FeatureCollection file, or a preset name')
    .requiredOption(
      '--before <start/end>',
      'ISO 8601 interval of the reference season, e.g. 2020-12-01/2021-02-28',
    )
    .requiredOption('--after <start/end>', 'ISO 8601 interval of the season to test for new sites');
  readOptions(cmd).option(
    '--fixed-concurrency',
    'keep --concurrency requests in flight under 429 / 503 SlowDown instead of lowering it',
  );
  outOption(cmd).option('--json', 'machine-readable progress and summary on stdout');
  logOptions(cmd)
    .option(
      '--no-evidence',
      'skip the chips, overlays, report.html and the extra formats (GeoJSON and reports only)',
    )
    .option(...TIMEOUT_FLAG);
  return runnerOptions(partialReadOptions(cmd)).action(async (flags: ScanFlags) => {
    const s = await scanCommand(flags);
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'summary', ...s })}\n`);
    else
      process.stdout.write(
        `scan: ${s.candidates} candidates holding ${s.ponds} ponds (${s.clearings} clearings, ${s.pond_outlines} pond outlines in all) from ${s.items.before}+${s.items.after} items ` +
          `(${s.tiles} tiles, ${s.blocks} blocks) in ${s.seconds.toFixed(1)} s; outputs in ${s.out}\n`,
      );
  });
}
