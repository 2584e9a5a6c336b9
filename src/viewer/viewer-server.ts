/**
 * The read-only HTTP server of `minewatch serve`: the map page, the bundled MapLibre, and the files
 * of one output folder under /data/. GET and HEAD only; loopback by default; no directory
 * listings; nothing outside the output folder, including through symlinks (every file is
 * re-resolved with realpath and must still lie inside the folder's own realpath).
 */
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isLoopbackHost } from '../io/loopback.js';
import { isLoopbackHostHeader } from '../server/host-guard.js';
import { contentType, route } from './static-files.js';

export interface ViewerServerOptions {
  /** The scan's output folder. */
  root: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
}

export interface ViewerServer {
  url: URL;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The page loads nothing from elsewhere; MapLibre starts its worker from a same-origin module
  // or a blob: URL and decodes images through blob: URLs.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
} as const;

function refuse(
  res: http.ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

/** The real path of `file` when it is a regular file inside `realRoot`, else undefined. */
async function insideFile(
  realRoot: string,
  file: string,
): Promise<{ real: string; size: number } | undefined> {
  try {
    const real = await fs.realpath(file);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return undefined;
    const st = await fs.stat(real);
    return st.isFile() ? { real, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

export async function startViewerServer(opts: ViewerServerOptions): Promise<ViewerServer> {
  const loopback = isLoopbackHost(opts.host ?? '127.0.0.1');
  const root = path.resolve(opts.root);
  const realRoot = await fs.realpath(root);
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    });
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, 'read-only: GET and HEAD only', { Allow: 'GET, HEAD' });
      return;
    }
    // DNS rebinding: a page on another site may resolve its own name to 127.0.0.1; only the
    // names of this machine are answered while bound to loopback.
    if (loopback && !isLoopbackHostHeader(req.headers.host)) {
      refuse(res, 421, 'misdirected request: use the loopback address');
      return;
    }
    const r = route(req.url ?? '');
    if (r.kind === 'bad') {
      refuse(res, r.status, r.status === 404 ? 'not found' : 'bad request');
      return;
    }
    const found =
      r.kind === 'fixed'
        ? await insideFile(path.dirname(await fs.realpath(r.file).catch(() => r.file)), r.file)
        : await insideFile(realRoot, path.join(realRoot, ...r.segments));
    if (!found) {
      refuse(res, 404, 'not found');
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': contentType(found.real),
      'Content-Length': String(found.size),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: new URL(`http://${host}:${addr.port}/`),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
