/**
 * Confinement of asset requests to `<root>/assets`: the only place files are served from.
 *
 * Refused (404, indistinguishable from a missing file): `..` and `.` segments raw or percent-encoded,
 * encoded slashes or backslashes, NUL (raw or `%00`), malformed percent-encoding, dotfiles, empty
 * segments, paths whose real path (symlinks followed) leaves the assets folder, and anything that is
 * not a regular file (directories are never listed).
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { makeEtag, type FileInfo } from './range.js';

const CONTENT_TYPES: Record<string, string> = {
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.jp2': 'image/jp2',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.json': 'application/json',
  '.geojson': 'application/geo+json',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Splits the raw (still percent-encoded) URL path below the assets prefix into safe, decoded segments,
 * or `undefined` when any segment is unacceptable.
 */
export function safeSegments(rawSubPath: string): string[] | undefined {
  if (rawSubPath.includes('\0') || rawSubPath.includes('\\')) return undefined;
  const parts = rawSubPath.split('/');
  const out: string[] = [];
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '' || decoded.startsWith('.')) return undefined; // '', '.', '..', dotfiles
    if (/[\0/\\]/.test(decoded)) return undefined;
    out.push(decoded);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Resolves a request below `/assets/` to a regular file inside `assetsRoot` (already a real path), or
 * `undefined`.
 */
export async function resolveAsset(assetsRoot: string, rawSubPath: string): Promise<FileInfo | undefined> {
  const segments = safeSegments(rawSubPath);
  if (!segments) return undefined;
  const candidate = path.resolve(assetsRoot, ...segments);
  if (!candidate.startsWith(assetsRoot + path.sep)) return undefined;
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(assetsRoot + path.sep)) return undefined;
    const st = await stat(real);
    if (!st.isFile()) return undefined;
    return {
      path: real,
      size: st.size,
      mtime: st.mtime,
      etag: makeEtag(st.size, st.mtimeMs),
      contentType: contentTypeFor(real),
    };
  } catch {
    return undefined;
  }
}
