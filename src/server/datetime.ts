/**
 * RFC 3339 timestamps and STAC `datetime` intervals, as Earth Search (stac-server) accepts them.
 *
 * Times are kept as epoch milliseconds with a fractional part, so that the microseconds Earth Search
 * writes (`2023-10-08T17:37:26.656958Z`) still order correctly. Pure: no I/O, no clock.
 */

import { InvalidInputError } from '../errors.js';

/** Full RFC 3339 date-time, the only form stac-server accepts (a bare date is a 400 there too). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/i;

/** A closed or half-open time range in epoch ms; `null` ends are open. */
export interface TimeRange {
  start: number | null;
  end: number | null;
}

/** Parses an RFC 3339 date-time into epoch ms (fractional), or `undefined` when it is not one. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  const fraction = m[7] ? Number(m[7]) * 1000 : 0;
  let offsetMs = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMs = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return utc + fraction - offsetMs;
}

/** Lenient parse for timestamps found in catalogue data (not request parameters). */
export function parseDataTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const strict = parseRfc3339(value);
  if (strict !== undefined) return strict;
  const loose = Date.parse(value);
  return Number.isNaN(loose) ? undefined : loose;
}

/** A `datetime` parameter that is not one; the server answers it as a 400 (search-params.ts). */
export class DatetimeError extends InvalidInputError {}

/**
 * Parses a STAC API `datetime` parameter: an instant, or `start/end` with `..` or an empty string for an
 * open end. Messages follow stac-server's wording.
 */
export function parseDatetimeParam(raw: string): TimeRange {
  const text = raw.trim().toUpperCase();
  const parts = text.split('/');
  if (parts.length > 2) {
    throw new DatetimeError('datetime value is invalid, too many forward slashes for an interval');
  }
  const toTime = (s: string): number => {
    const t = parseRfc3339(s);
    if (t === undefined) throw new DatetimeError('datetime value is invalid, does not match RFC3339 format');
    return t;
  };
  if (parts.length === 1) {
    const t = toTime(text);
    return { start: t, end: t };
  }
  const [a = '', b = ''] = parts;
  const open = (s: string): boolean => s === '' || s === '..';
  if (open(a) && open(b)) {
    throw new DatetimeError('datetime value is invalid, at least one end of the interval must be closed');
  }
  const start = open(a) ? null : toTime(a);
  const end = open(b) ? null : toTime(b);
  if (start !== null && end !== null && end < start) {
    throw new DatetimeError(
      'datetime value is invalid, start datetime must be before end datetime with interval',
    );
  }
  return { start, end };
}

/** True when two ranges share at least one instant (ends inclusive, `null` = unbounded). */
export function rangesOverlap(a: TimeRange, b: TimeRange): boolean {
  const aStart = a.start ?? -Infinity;
  const aEnd = a.end ?? Infinity;
  const bStart = b.start ?? -Infinity;
  const bEnd = b.end ?? Infinity;
  return aStart <= bEnd && bStart <= aEnd;
}
