/**
 * `minewatch demo`: what `make run` does. Serves a generated world through the local STAC API on
 * 127.0.0.1 and scans it over HTTP exactly as a real Earth Search scan runs, then stops the server.
 */
import { Command } from 'commander';
import { scanGeneratedWorld } from '../../run/scan-world.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { commandLogger, logOptions, type LogFlags } from '../logger.js';

interface DemoFlags extends LogFlags {
  world: string;
  out: string;
  json?: boolean;
}

export function registerDemo(program: Command): Command {
  const cmd = program
    .command('demo')
    .description(
      'Scan a generated synthetic world through the local STAC API (the offline default of make run)',
    )
    .requiredOption('--world <dir>', 'world folder written by `minewatch fixtures world`')
    .option('--out <dir>', 'output folder', 'out/demo')
    .option('--json', 'machine-readable progress and summary on stdout');
  return logOptions(cmd).action(async (flags: DemoFlags) => {
    const world = JSON.parse(readFileSync(path.join(flags.world, 'world.json'), 'utf8')) as {
      config: { seasons: { id: string; start: string; end: string }[] };
    };
    const log = commandLogger(flags);
    const s = await scanGeneratedWorld(flags.world, world.config.seasons, {
      out: flags.out,
      json: !!flags.json,
      quiet: !!flags.quiet,
      onServing: (stac, before, after) =>
        log.info({ stac: stac.href, before: before.id, after: after.id }, 'Demo:Serving'),
    });
    if (flags.json) process.stdout.write(`${JSON.stringify({ event: 'summary', ...s })}\n`);
    else
      process.stdout.write(
        `demo: ${s.candidates} mine-site candidates holding ${s.ponds} ponds (${s.clearings} clearings, ${s.pond_outlines} pond outlines in all) in ${s.seconds.toFixed(1)} s ` +
          `(${s.requests} HTTP requests, ${(s.bytes / 1e6).toFixed(1)} MB read)\n` +
          `outputs: ${s.out}/report.html, report.md, candidates.geojson (.csv, .kml, .fgb), rasters/, chips/, catalog.json; docs/outputs.md explains each\n` +
          `see them on a map: npx minewatch serve ${path.relative(process.cwd(), s.out) || '.'}\n`,
      );
  });
}
