/**
 * What `minewatch serve` may send, decided without touching the disk: the page's own assets and
 * MapLibre's by a fixed list (never by the request's path), and output files by a request path that
 * must be plain segments under /data/ (no "..", ".", empty or hidden segment, no encoded slash or
 * NUL). Pure: a URL path in, a verdict out; viewer-server.ts then checks the real file on disk.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Both src/viewer and dist/viewer sit two levels below the checkout. */
const CHECKOUT = path.resolve(here, '../..');
export const STATIC_DIR = path.join(CHECKOUT, 'src', 'viewer', 'static');
export const MAPLIBRE_DIR = path.join(CHECKOUT, 'node_modules', 'maplibre-gl', 'dist');

/** Fixed routes to files outside the output folder: the page and the bundled MapLibre. */
export const FIXED_ROUTES: Readonly<Record<string, string>> = {
  '/': path.join(STATIC_DIR, 'index.html'),
  '/index.html': path.join(STATIC_DIR, 'index.html'),
  '/viewer/viewer.js': path.join(STATIC_DIR, 'viewer.js'),
  '/viewer/viewer.css': path.join(STATIC_DIR, 'viewer.css'),
  '/vendor/maplibre-gl/maplibre-gl.mjs': path.join(MAPLIBRE_DIR, 'maplibre-gl.mjs'),
  '/vendor/maplibre-gl/maplibre-gl-worker.mjs': path.join(MAPLIBRE_DIR, 'maplibre-gl-worker.mjs'),
  '/vendor/maplibre-gl/maplibre-gl.css': path.join(MAPLIBRE_DIR, 'maplibre-gl.css'),
};

export const DATA_PREFIX = '/data/';

export type Route =
  | { kind: 'fixed'; file: string }
  | { kind: 'data'; segments: string[] }
  | { kind: 'bad'; status: 400 | 404; reason: string };

/**
 * Routes the raw request target (path and query, still percent-encoded). Query strings are
 * ignored (MapLibre adds ?v= to its worker URL).
 */
export function route(rawTarget: string): Route {
  if (!rawTarget.startsWith('/')) return { kind: 'bad', status: 400, reason: 'not an origin-form path' };
  const rawPath = rawTarget.split(/[?#]/, 1)[0] as string;
  const fixed = FIXED_ROUTES[rawPath];
  if (fixed) return { kind: 'fixed', file: fixed };
  if (!rawPath.startsWith(DATA_PREFIX)) return { kind: 'bad', status: 404, reason: 'no such route' };
  const segments: string[] = [];
  for (const raw of rawPath.slice(DATA_PREFIX.length).split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { kind: 'bad', status: 400, reason: 'malformed percent-encoding' };
    }
    // Each rule closes a way out: climbing, absolute or empty parts, encoded separators, NUL,
    // and hidden files (our own temporaries are dotfiles).
    if (seg === '' || seg === '.' || seg === '..' || seg.startsWith('.') || /[/\\\0:]/.test(seg))
      return { kind: 'bad', status: 404, reason: 'not a plain relative path' };
    segments.push(seg);
  }
  return { kind: 'data', segments };
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.geojson': 'application/geo+json; charset=utf-8',
  '.geojsonl': 'application/geo+json-seq; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.fgb': 'application/flatgeobuf',
  '.tif': 'image/tiff',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
