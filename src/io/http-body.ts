/**
 * Response body reading with a size cap, a budget shared by many bodies and a stall timer, and
 * `Content-Range` parsing. Node's fetch (undici) waits up to 300 s for a silent body by default
 * (RELIABILITY.md H5), so every chunk re-arms our own, much shorter, stall timer. Both byte limits are
 * checked as each chunk arrives: a body past either is cancelled there, never buffered whole.
 */
import { at } from '../types/checked.js';

export type ContentRange =
  | { kind: 'range'; start: number; end: number; total: number | undefined }
  | { kind: 'unsatisfied'; total: number };

const RANGE_RE = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i;
const UNSATISFIED_RE = /^bytes\s+\*\/(\d+)$/i;

/** Parses `bytes a-b/size`, `bytes a-b/*` or `bytes *\/size`; undefined when absent or malformed. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  if (header === null) return undefined;
  const v = header.trim();
  const m = RANGE_RE.exec(v);
  if (m) {
    const start = Number(m[1]);
    const end = Number(m[2]);
    const total = m[3] === '*' ? undefined : Number(m[3]);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
    if (total !== undefined && (!Number.isSafeInteger(total) || end >= total)) return undefined;
    return { kind: 'range', start, end, total };
  }
  const u = UNSATISFIED_RE.exec(v);
  if (u) {
    const total = Number(u[1]);
    return Number.isSafeInteger(total) ? { kind: 'unsatisfied', total } : undefined;
  }
  return undefined;
}

/**
 * Bytes that many bodies draw from together (all the JSON of one run): concurrent requests each
 * take their chunks from it as they arrive, so together they can never pass it.
 */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  /** Takes `n` bytes; false (and nothing taken) when that would pass the limit. */
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  get spent(): number {
    return this.used;
  }
}

export interface ReadBodyOptions {
  /** More bytes than this and `tooLarge()` is thrown, with the stream cancelled. */
  maxBytes: number;
  /** Drawn from chunk by chunk; when it runs out `overBudget()` is thrown, with the stream cancelled. */
  budget?: ByteBudget;
  overBudget?: () => Error;
  /** Milliseconds without a chunk before `onStall` is called (it should abort the request). */
  stallMs: number;
  onStall: () => void;
  /**
   * The minimum transfer speed (curl's --speed-limit/--speed-time): fewer than `bytes` in any
   * `ms` of the body and `onSlow` is called (it should abort the request). A trickle that beats
   * the stall timer, a byte every few seconds, would otherwise hold a request for its whole timeout.
   */
  lowSpeed?: { bytes: number; ms: number; onSlow: () => void };
  tooLarge: () => Error;
}

/** Reads a whole body. Errors from the stream (reset, abort) propagate unchanged for the caller to classify. */
export async function readBody(
  body: ReadableStream<Uint8Array> | null,
  opts: ReadBodyOptions,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(opts.onStall, opts.stallMs);
  };
  let sinceTick = 0;
  let tickAt = performance.now();
  const low = opts.lowSpeed;
  const speed = low
    ? setInterval(() => {
        const now = performance.now();
        // A tick that comes late means this process, not the server, was busy: bytes may be
        // waiting unread, so that window is not judged.
        if (now - tickAt < 1.5 * low.ms && sinceTick < low.bytes) low.onSlow();
        sinceTick = 0;
        tickAt = now;
      }, low.ms)
    : undefined;
  try {
    arm();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      sinceTick += value.byteLength;
      if (total > opts.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw opts.tooLarge();
      }
      if (opts.budget && !opts.budget.take(value.byteLength)) {
        await reader.cancel().catch(() => undefined);
        throw (opts.overBudget ?? opts.tooLarge)();
      }
      chunks.push(value);
      arm();
    }
  } finally {
    clearTimeout(timer);
    clearInterval(speed);
    reader.releaseLock();
  }
  if (chunks.length === 1) return at(chunks, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
