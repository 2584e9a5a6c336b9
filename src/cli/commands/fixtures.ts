/**
 * `minewatch fixtures world`: generate a deterministic synthetic Kachin world (COGs, an
 * Earth Search-shaped STAC catalogue and the ground truth) into a folder.
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  benchWorldConfig,
  defaultWorldConfig,
  evalWorldConfig,
  smallWorldConfig,
  type WorldConfig,
} from '../../fixtures/world/config.js';
import { generateWorld, type GenerateResult } from '../../fixtures/world/generate.js';
import type { EventLog } from '../../types/event-log.js';
import { createLogger } from '../logger.js';

export interface FixturesWorldOptions {
  seed: number;
  out: string;
  preset: Preset;
  tileSize?: 512 | 1024;
  quiet?: boolean;
}

function parseSeed(v: string): number {
  if (!/^\d{1,9}$/.test(v)) throw new InvalidArgumentError('expected a non-negative integer below 1e9');
  return Number(v);
}

function parseTileSize(v: string): 512 | 1024 {
  if (v !== '512' && v !== '1024') throw new InvalidArgumentError('expected 512 or 1024');
  return Number(v) as 512 | 1024;
}

type Preset = 'demo' | 'small' | 'eval' | 'bench-4096' | 'bench-10980';
const PRESETS: readonly Preset[] = ['demo', 'small', 'eval', 'bench-4096', 'bench-10980'];

function parsePreset(v: string): Preset {
  if (!(PRESETS as readonly string[]).includes(v))
    throw new InvalidArgumentError(`expected one of ${PRESETS.join(', ')}`);
  return v as Preset;
}

export function worldConfigFor(
  opts: Pick<FixturesWorldOptions, 'seed' | 'preset' | 'tileSize'>,
): WorldConfig {
  const config =
    opts.preset === 'small'
      ? smallWorldConfig(opts.seed)
      : opts.preset === 'eval'
        ? evalWorldConfig(opts.seed)
        : opts.preset === 'bench-4096'
          ? benchWorldConfig(opts.seed, 4096)
          : opts.preset === 'bench-10980'
            ? benchWorldConfig(opts.seed, 10980)
            : defaultWorldConfig(opts.seed);
  return opts.tileSize ? { ...config, tileSize: opts.tileSize } : config;
}

export async function fixturesWorld(opts: FixturesWorldOptions, log: EventLog): Promise<GenerateResult> {
  const config = worldConfigFor(opts);
  return generateWorld(config, opts.out, (written) => log.info(written, 'World:ItemWritten'));
}

export function registerFixtures(program: Command): Command {
  const fixtures = program.command('fixtures').description('Generate test and demo data');
  fixtures
    .command('world')
    .description(
      'Generate a deterministic synthetic Kachin world: Sentinel-2 L2A COGs, a STAC catalogue, ground truth',
    )
    .requiredOption('--out <dir>', 'folder to write (replaced atomically)')
    .option('--seed <n>', 'random seed; the same seed gives the same world', parseSeed, 1)
    .option(
      '--preset <name>',
      'demo (4 areas, 3 seasons), small (2 areas, for tests), bench-4096 or bench-10980 (one before/after pair)',
      parsePreset,
      'demo',
    )
    .option('--tile-size <px>', 'internal COG tile size, 512 or 1024 (default: preset)', parseTileSize)
    .option('--quiet', 'no progress lines')
    .action(async (o: FixturesWorldOptions) => {
      const r = await fixturesWorld(o, createLogger({ quiet: !!o.quiet }));
      process.stdout.write(
        `world written to ${r.outDir}: ${r.items} items (${r.acquisitions} acquisitions, ${r.chips} tile windows), ` +
          `${(r.bytes / 1e6).toFixed(1)} MB of COGs, ${r.newMineSites} new mine sites, in ${r.seconds.toFixed(1)} s\n`,
      );
    });
  return fixtures;
}
