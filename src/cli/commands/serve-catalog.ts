/**
 * `minewatch serve-catalog`: serve a generated world as a local Earth Search v1 imitation.
 *
 * Prints the STAC API URL on stdout as one line once listening, then serves until SIGINT or SIGTERM,
 * when it closes every connection and lets the process exit on its own.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startCatalogServer, type CatalogServer } from '../../server/catalog-server.js';
import { isLoopbackHost } from '../../io/loopback.js';
import { SERVER_PROFILES, type ServerProfile } from '../../server/provider-shapes.js';

export interface ServeCatalogOptions {
  root: string;
  port: number;
  host: string;
  latencyMs: number;
  basePath: string | undefined;
  allowRemote: boolean;
  profile: ServerProfile;
}

function parseProfile(value: string): ServerProfile {
  const p = SERVER_PROFILES.find((x) => x === value);
  if (!p) throw new InvalidArgumentError(`expected one of ${SERVER_PROFILES.join(', ')}`);
  return p;
}

/** Where the command writes and which signals stop it; tests pass their own. */
export interface ServeCatalogIo {
  stdout: { write(text: string): unknown };
  signals: {
    once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
  stderr?: { write(text: string): unknown };
  /** Called with the running server (tests use it to reach stats or close it). */
  onStarted?: (server: CatalogServer) => void;
  /** Called after a signal closed the server. */
  onStopped?: () => void;
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError('expected a port number between 0 and 65535');
  }
  return Number(value);
}

function parseLatency(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 600_000) {
    throw new InvalidArgumentError('expected milliseconds between 0 and 600000');
  }
  return n;
}

/** Starts the server for already-parsed options and stops it on the first SIGINT or SIGTERM. */
export async function serveCatalog(opts: ServeCatalogOptions, io: ServeCatalogIo): Promise<CatalogServer> {
  if (!isLoopbackHost(opts.host) && !opts.allowRemote) {
    throw new InvalidArgumentError(
      `refusing to serve on non-loopback host ${opts.host}: pass --allow-remote to expose the catalogue`,
    );
  }
  const server = await startCatalogServer({
    root: opts.root,
    host: opts.host,
    port: opts.port,
    latencyMs: opts.latencyMs,
    ...(opts.basePath !== undefined ? { basePath: opts.basePath } : {}),
    profile: opts.profile,
  });
  const stop = (): void => {
    io.signals.off('SIGINT', stop);
    io.signals.off('SIGTERM', stop);
    server.close().then(
      () => io.onStopped?.(),
      () => io.onStopped?.(),
    );
  };
  io.signals.once('SIGINT', stop);
  io.signals.once('SIGTERM', stop);
  io.stdout.write(`${server.url.href}\n`);
  if (server.assetsUrl.origin !== server.url.origin) {
    // The asset host is another origin: a scan must be told it may read there.
    io.stderr?.write(
      `serve-catalog: ${opts.profile} assets on ${server.assetsUrl.origin}; scan with --allow-host ${server.assetsUrl.host}\n`,
    );
  }
  io.onStarted?.(server);
  return server;
}

export function registerServeCatalog(
  program: Command,
  io: ServeCatalogIo = { stdout: process.stdout, stderr: process.stderr, signals: process },
): Command {
  return program
    .command('serve-catalog')
    .description(
      'Serve a generated world (stac/items.json, stac/collection.json, assets/) as a local STAC API ' +
        'that imitates Earth Search v1, with byte-range asset downloads; prints the STAC URL',
    )
    .requiredOption('--root <dir>', 'world folder to serve')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 0)
    .option('--host <h>', 'address to bind', '127.0.0.1')
    .option('--latency <ms>', 'delay added to every response', parseLatency, 0)
    .option(
      '--profile <c1-l2a|l2a|pc>',
      "serve the world in a provider's shape: Earth Search Collection 1 (assets on a second port), its legacy L2A, or the Planetary Computer (SAS tokens)",
      parseProfile,
      'c1-l2a',
    )
    .option('--base-path <path>', 'prefix of the STAC API, e.g. /v1 (default: none; /api/stac/v1 for pc)')
    .option('--allow-remote', 'allow a non-loopback --host', false)
    .action(
      async (
        raw: {
          root: string;
          port: number;
          host: string;
          latency: number;
          basePath?: string;
          allowRemote: boolean;
          profile: ServerProfile;
        },
        cmd: Command,
      ) => {
        try {
          await serveCatalog(
            {
              root: raw.root,
              port: raw.port,
              host: raw.host,
              latencyMs: raw.latency,
              basePath: raw.basePath,
              allowRemote: raw.allowRemote,
              profile: raw.profile,
            },
            io,
          );
        } catch (err) {
          if (err instanceof InvalidArgumentError)
            cmd.error(`error: ${err.message}`, { exitCode: 2, code: err.code });
          throw err;
        }
      },
    );
}
