/**
 * `minewatch serve <outdir>`: the evidence viewer of a scan's outputs on a local, read-only web
 * server. Prints the page URL on stdout as one line once listening, then serves until SIGINT or
 * SIGTERM. Binds 127.0.0.1 unless told otherwise; a non-loopback --host needs --allow-remote.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { startViewerServer, type ViewerServer } from '../../viewer/viewer-server.js';
import { isLoopbackHost } from '../../io/loopback.js';

export interface ServeOptions {
  outDir: string;
  host: string;
  port: number;
  allowRemote: boolean;
}

export interface ServeIo {
  stdout: { write(text: string): unknown };
  signals: {
    once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
  onStarted?: (server: ViewerServer) => void;
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('expected a port number between 0 and 65535');
  return Number(value);
}

export async function serve(opts: ServeOptions, io: ServeIo): Promise<ViewerServer> {
  if (!isLoopbackHost(opts.host) && !opts.allowRemote)
    throw new InvalidArgumentError(
      `refusing to serve on non-loopback host ${opts.host}: pass --allow-remote to expose the outputs`,
    );
  const dir = path.resolve(opts.outDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InvalidInputError(`${opts.outDir} is not a folder: pass the --out folder of a scan`);
  // A scan's folder, or a batch's (its windows are then stepped through with the season slider).
  const batch = existsSync(path.join(dir, 'sites.geojson')) && existsSync(path.join(dir, 'windows'));
  if (!batch && !existsSync(path.join(dir, 'candidates.geojson')))
    throw new InvalidInputError(
      `${opts.outDir} holds no candidates.geojson or sites.geojson: pass the --out folder of a scan or of a batch`,
    );
  const server = await startViewerServer({ root: dir, host: opts.host, port: opts.port });
  const stop = (): void => {
    io.signals.off('SIGINT', stop);
    io.signals.off('SIGTERM', stop);
    void server.close();
  };
  io.signals.once('SIGINT', stop);
  io.signals.once('SIGTERM', stop);
  io.stdout.write(`${server.url.href}\n`);
  io.onStarted?.(server);
  return server;
}

export function registerServe(
  program: Command,
  io: ServeIo = { stdout: process.stdout, signals: process },
): Command {
  return program
    .command('serve')
    .description(
      "Serve a scan's output folder as a local, read-only map page (MapLibre, bundled: works offline) " +
        'with candidates, ponds, clearings, chips and the before/after imagery; prints the URL',
    )
    .argument(
      '<outdir>',
      'output folder of a scan (its --out), or of a batch (a season slider steps through its windows)',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 8080)
    .option('--host <h>', 'address to bind', '127.0.0.1')
    .option('--allow-remote', 'allow a non-loopback --host', false)
    .action(
      async (outDir: string, raw: { port: number; host: string; allowRemote: boolean }, cmd: Command) => {
        try {
          await serve({ outDir, host: raw.host, port: raw.port, allowRemote: raw.allowRemote }, io);
        } catch (err) {
          if (err instanceof InvalidArgumentError)
            cmd.error(`error: ${err.message}`, { exitCode: 2, code: err.code });
          throw err;
        }
      },
    );
}
