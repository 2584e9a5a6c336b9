/**
 * Validation of one answer to a `Range: bytes=start-end` request. This is the check geotiff.js does
 * not make (RELIABILITY.md §0.2: shifted bytes under a claimed Content-Range gave 4,084 wrong pixels
 * out of 4,096 and no error): the Content-Range must name exactly the bytes asked for (clamped only
 * to a total the server reports), and the body must be exactly that long.
 */
import { parseContentRange } from './http-body.js';
import { HttpError } from './http-errors.js';

/** The bytes of a range and the resource size, when the server reported it. */
export interface RangeResult {
  kind: 'done';
  bytes: Uint8Array;
  total: number | undefined;
}

/** A 416: the resource has `total` bytes, fewer than the range needs. */
export interface RangeUnsatisfied {
  kind: 'unsatisfied';
  total: number;
}

/** Reads the body, throwing `tooLarge()` beyond `maxBytes`. */
export type BodyReader = (maxBytes: number, tooLarge: () => Error) => Promise<Uint8Array>;

async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

/**
 * Interprets a 206, 200 or 416 answer to a request for bytes `start..end` (inclusive). A 200 means the
 * server ignored Range: the whole body is accepted and sliced only when at most `fullBodyCap` bytes.
 */
export async function interpretRangeResponse(
  res: Response,
  url: URL,
  start: number,
  end: number,
  fullBodyCap: number,
  read: BodyReader,
): Promise<RangeResult | RangeUnsatisfied> {
  const header = res.headers.get('content-range');
  const cr = parseContentRange(header);
  if (res.status === 416) {
    await discard(res);
    if (cr?.kind !== 'unsatisfied') {
      throw new HttpError('status', url, `416 without a usable Content-Range (${String(header)})`, {
        status: 416,
        retryable: false,
      });
    }
    return { kind: 'unsatisfied', total: cr.total };
  }
  // undici would inflate a gzip body, and offsets into the decoded bytes are not file offsets.
  const encoding = res.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') {
    await discard(res);
    throw new HttpError('range', url, `range answered with Content-Encoding: ${encoding}`, {
      status: res.status,
      retryable: false,
    });
  }
  if (res.status === 200) {
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    const refuse = (): HttpError =>
      new HttpError(
        'range-ignored',
        url,
        `server ignored Range and sent the whole resource${Number.isFinite(declared) ? ` (${declared} bytes)` : ''}, above the ${fullBodyCap}-byte cap`,
        { status: 200, retryable: false },
      );
    if (declared > fullBodyCap) {
      await discard(res);
      throw refuse();
    }
    const all = await read(fullBodyCap, refuse);
    const from = Math.min(start, all.length);
    // slice, not subarray: do not pin the whole file for a few bytes.
    return { kind: 'done', bytes: all.slice(from, Math.min(end + 1, all.length)), total: all.length };
  }
  if (cr?.kind !== 'range') {
    await discard(res);
    throw new HttpError(
      'range',
      url,
      `206 with ${header === null ? 'no' : `an invalid`} Content-Range (${String(header)})`,
      {
        status: 206,
        retryable: true,
      },
    );
  }
  const wantEnd = cr.total === undefined ? end : Math.min(end, cr.total - 1);
  if (cr.start !== start || cr.end !== wantEnd) {
    await discard(res);
    throw new HttpError(
      'range',
      url,
      `Content-Range "${String(header)}" does not match requested bytes ${start}-${end}`,
      {
        status: 206,
        retryable: true,
      },
    );
  }
  const expected = wantEnd - start + 1;
  const short = (got: string): HttpError =>
    new HttpError(
      'short-body',
      url,
      `body of ${got} bytes for the ${expected}-byte range ${start}-${wantEnd}`,
      {
        status: 206,
        retryable: true,
      },
    );
  const bytes = await read(expected, () => short(`more than ${expected}`));
  if (bytes.length !== expected) throw short(String(bytes.length));
  return { kind: 'done', bytes, total: cr.total };
}
