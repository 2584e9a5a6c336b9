/**
 * `minewatch serve-catalog`: serve a generated world as a local Earth Search v1 imitation.
 *
 * Prints the STAC API URL on stdout as one line once listening, then serves until SIGINT or SIGTERM,
 * when it closes every connection and lets the process exit on its own.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startCatalogServer, type CatalogServer } from '../../server/catalog-server.js';

export interface ServeCatalogOptions {
  root: string;
  port: number;
  host: string;
  latencyMs: number;
  basePath: string;
  allowRemote: boolean;
}

/** Where the command writes and which signals stop it; tests pass their own. */
export interface ServeCatalogIo {
  stdout: { write(text: string): unknown };
  signals: {
    once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
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

import { isLoopbackHost } from '../../server/host-guard.js';

export { isLoopbackHost };

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
    basePath: opts.basePath,
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
  io.onStarted?.(server);
  return server;
}

export function registerServeCatalog(
  program: Command,
  io: ServeCatalogIo = { stdout: process.stdout, signals: process },
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
    .option('--base-path <path>', 'prefix of the STAC API, e.g. /v1', '')
    .option('--allow-remote', 'allow a non-loopback --host', false)
    .action(
      async (
        raw: {
          root: string;
          port: number;
          host: string;
          latency: number;
          basePath: string;
          allowRemote: boolean;
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
