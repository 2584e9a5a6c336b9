/**
 * HTTP range requests (RFC 9110 §14) and streaming of one file, S3-style.
 *
 * Policy, documented because clients differ:
 * - one satisfiable range -> 206 with an exact `Content-Range: bytes a-b/size`;
 * - a range set whose ranges are all unsatisfiable -> 416 with `Content-Range: bytes *\/size`;
 * - several ranges with at least one satisfiable -> 200 with the whole file (RFC 9110 lets a server
 *   ignore Range; we never send multipart/byteranges, and never silently the first range only);
 * - a syntactically invalid header or another unit -> ignored, 200 with the whole file (RFC 9110 §14.2).
 * - `If-Range` that does not match -> Range ignored; `If-None-Match`/`If-Modified-Since` -> 304;
 *   `If-Match` that does not match -> 412.
 *
 * `AssetTweaks` are the fault-injection knobs (shifted bytes, short bodies, resets, stalls, ignored
 * ranges); the normal path uses none of them.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RangeRequest =
  | { type: 'none' }
  | { type: 'single'; start: number; end: number }
  | { type: 'multiple' }
  | { type: 'unsatisfiable' };

const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Parses a `Range` header against a representation of `size` bytes. `end` is inclusive and clamped to
 * the last byte; a suffix range longer than the file selects the whole file.
 */
export function parseRangeHeader(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { type: 'none' };
  const eq = header.indexOf('=');
  if (eq < 0) return { type: 'none' };
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { type: 'none' };
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim());
  if (specs.length === 0 || specs.every((s) => s === '')) return { type: 'none' };
  const ranges: { start: number; end: number }[] = [];
  let unsatisfiable = 0;
  for (const spec of specs) {
    if (spec === '') continue; // empty list elements are allowed by the list syntax
    const m = RANGE_SPEC.exec(spec);
    if (!m) return { type: 'none' };
    const [, first = '', last = ''] = m;
    if (first === '' && last === '') return { type: 'none' };
    if (first === '') {
      const suffix = Number(last);
      if (suffix === 0 || size === 0) unsatisfiable++;
      else ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (end < start) return { type: 'none' }; // invalid range-spec: the whole header is ignored
    if (start >= size) unsatisfiable++;
    else ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (ranges.length === 0) return unsatisfiable > 0 ? { type: 'unsatisfiable' } : { type: 'none' };
  if (ranges.length + unsatisfiable > 1) return { type: 'multiple' };
  const [only] = ranges as [{ start: number; end: number }];
  return { type: 'single', start: only.start, end: only.end };
}

/** Fault-injection knobs for one asset response. All optional; none is used in normal operation. */
export interface AssetTweaks {
  /** Answer 200 with the whole file even when a Range was asked for (a server that ignores Range). */
  ignoreRange?: boolean;
  /** Read the body `n` bytes further on (negative: earlier), keeping the headers of the requested range. */
  shiftBytes?: number;
  /** Send only this many body bytes, with a Content-Length that matches (a short but "valid" body). */
  shortBodyBytes?: number;
  /** Destroy the socket after this many body bytes (Content-Length still announces the full body). */
  resetAfterBytes?: number;
  /** Stop sending after this many body bytes and keep the connection open (a stalled body). */
  stallAfterBytes?: number;
}

export interface FileInfo {
  path: string;
  size: number;
  mtime: Date;
  etag: string;
  contentType: string;
}

export interface SendResult {
  status: number;
  /** Body bytes written to the socket (0 for HEAD). */
  bytes: number;
  /** True when the answer was a 206 partial content. */
  partial: boolean;
}

/** A strong validator from size and modification time, like nginx's. */
export function makeEtag(size: number, mtimeMs: number): string {
  return `"${Math.floor(mtimeMs).toString(16)}-${size.toString(16)}"`;
}

function etagList(header: string): string[] {
  return header.split(',').map((s) => s.trim().replace(/^W\//, ''));
}

function httpDateSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** Evaluates conditional headers: the status to answer instead of the content, if any (RFC 9110 §13.2.2). */
export function preconditionStatus(req: IncomingMessage, file: FileInfo): 304 | 412 | undefined {
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined && ifMatch.trim() !== '*' && !etagList(ifMatch).includes(file.etag)) return 412;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*' || etagList(ifNoneMatch).includes(file.etag)) return 304;
    return undefined;
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since) && httpDateSeconds(file.mtime) <= Math.floor(since / 1000)) return 304;
  }
  return undefined;
}

/** `If-Range`: the Range applies only when the validator still matches (strong comparison). */
function ifRangeAllows(req: IncomingMessage, file: FileInfo): boolean {
  const header = req.headers['if-range'];
  const ifRange = Array.isArray(header) ? header[0] : header;
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"')) return v === file.etag;
  const date = Date.parse(v);
  return !Number.isNaN(date) && Math.floor(date / 1000) === httpDateSeconds(file.mtime);
}

function waitForDrainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Answers a GET or HEAD for one file: headers, conditional requests, a single range, then a streamed
 * body (fs.createReadStream with start/end, back-pressure respected).
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: FileInfo,
  tweaks: AssetTweaks = {},
  onBytes: (n: number) => void = () => {},
): Promise<SendResult> {
  const head = req.method === 'HEAD';
  const common: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    ETag: file.etag,
    'Last-Modified': file.mtime.toUTCString(),
    'Content-Type': file.contentType,
    'X-Content-Type-Options': 'nosniff',
  };
  const pre = preconditionStatus(req, file);
  if (pre !== undefined) {
    res.writeHead(pre, pre === 304 ? { ETag: file.etag, 'Last-Modified': common['Last-Modified'] } : {});
    res.end();
    return { status: pre, bytes: 0, partial: false };
  }
  const rangeHeader = tweaks.ignoreRange || !ifRangeAllows(req, file) ? undefined : req.headers.range;
  const range = parseRangeHeader(rangeHeader, file.size);
  if (range.type === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'Content-Range': `bytes */${file.size}`, 'Content-Length': '0' });
    res.end();
    return { status: 416, bytes: 0, partial: false };
  }
  const partial = range.type === 'single';
  const start = partial ? range.start : 0;
  const end = partial ? range.end : file.size - 1;
  const length = end - start + 1;
  const status = partial ? 206 : 200;
  const bodyLimit = Math.min(length, tweaks.shortBodyBytes ?? length);
  const headers: Record<string, string> = { ...common, 'Content-Length': String(bodyLimit) };
  if (partial) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
  res.writeHead(status, headers);
  if (head || length <= 0) {
    res.end();
    return { status, bytes: 0, partial };
  }
  const cut = Math.min(bodyLimit, tweaks.resetAfterBytes ?? Infinity, tweaks.stallAfterBytes ?? Infinity);
  const readStart = Math.max(0, start + (tweaks.shiftBytes ?? 0));
  const readEnd = Math.min(file.size - 1, readStart + cut - 1);
  let sent = 0;
  if (readEnd >= readStart) {
    const stream = createReadStream(file.path, { start: readStart, end: readEnd, highWaterMark: 256 * 1024 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (res.destroyed) break;
        sent += chunk.length;
        onBytes(chunk.length);
        if (!res.write(chunk)) await waitForDrainOrClose(res);
      }
    } catch (err) {
      res.destroy(err as Error);
      return { status, bytes: sent, partial };
    }
  }
  if (tweaks.resetAfterBytes !== undefined && sent >= tweaks.resetAfterBytes) {
    await new Promise<void>((resolve) => res.write('', () => resolve()));
    res.socket?.destroy();
  } else if (tweaks.stallAfterBytes !== undefined && sent >= tweaks.stallAfterBytes) {
    // leave the response open: the client's timeout, or server.close(), ends it
  } else {
    res.end();
  }
  return { status, bytes: sent, partial };
}
