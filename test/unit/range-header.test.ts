import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeSegments } from '../../src/server/asset-path.js';
import { makeEtag, parseRangeHeader, preconditionStatus, type FileInfo } from '../../src/server/range.js';

describe('parseRangeHeader', () => {
  const SIZE = 100;
  const p = (h: string | undefined, size = SIZE): ReturnType<typeof parseRangeHeader> =>
    parseRangeHeader(h, size);

  it('selects one closed, open-ended or suffix range', () => {
    expect(p('bytes=0-0')).toEqual({ type: 'single', start: 0, end: 0 });
    expect(p('bytes=10-19')).toEqual({ type: 'single', start: 10, end: 19 });
    expect(p('bytes=90-')).toEqual({ type: 'single', start: 90, end: 99 });
    expect(p('bytes=-10')).toEqual({ type: 'single', start: 90, end: 99 });
    expect(p('bytes=99-99')).toEqual({ type: 'single', start: 99, end: 99 });
  });

  it('clamps an end past the file and a suffix longer than the file', () => {
    expect(p('bytes=50-1000')).toEqual({ type: 'single', start: 50, end: 99 });
    expect(p('bytes=-1000')).toEqual({ type: 'single', start: 0, end: 99 });
    expect(p('bytes=0-99999999999999999999999')).toEqual({ type: 'single', start: 0, end: 99 });
  });

  it('is case-insensitive on the unit and tolerates spaces around ranges', () => {
    expect(p('Bytes=1-2')).toEqual({ type: 'single', start: 1, end: 2 });
    expect(p('bytes= 1-2 ')).toEqual({ type: 'single', start: 1, end: 2 });
  });

  it('reports unsatisfiable ranges (416)', () => {
    expect(p('bytes=100-')).toEqual({ type: 'unsatisfiable' });
    expect(p('bytes=100-200')).toEqual({ type: 'unsatisfiable' });
    expect(p('bytes=-0')).toEqual({ type: 'unsatisfiable' });
    expect(p('bytes=200-300, 400-500')).toEqual({ type: 'unsatisfiable' });
    expect(p('bytes=0-', 0)).toEqual({ type: 'unsatisfiable' });
    expect(p('bytes=-5', 0)).toEqual({ type: 'unsatisfiable' });
    expect(p('bytes=99999999999999999999-')).toEqual({ type: 'unsatisfiable' });
  });

  it('reports several ranges as multiple (answered with the whole file)', () => {
    expect(p('bytes=0-1,4-5')).toEqual({ type: 'multiple' });
    expect(p('bytes=0-1, -5')).toEqual({ type: 'multiple' });
    expect(p('bytes=0-1,200-300')).toEqual({ type: 'multiple' });
  });

  it('ignores absent, malformed or foreign-unit headers (whole file, RFC 9110 §14.2)', () => {
    for (const h of [
      undefined,
      '',
      'bytes',
      'bytes=',
      'bytes=-',
      'bytes=abc',
      'bytes=5-2',
      'bytes=1-2-3',
      'bytes=0x10-20',
      'bytes=+1-2',
      'bytes=1.5-2',
      'items=0-1',
      'bytes=0-1,x',
    ]) {
      expect(p(h), String(h)).toEqual({ type: 'none' });
    }
  });

  it('returns a range inside the file of exactly the requested bytes, for any valid request', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.nat({ max: 1 << 30 }),
        fc.nat({ max: 1 << 30 }),
        (size, a, len) => {
          const r = parseRangeHeader(`bytes=${a}-${a + len}`, size);
          if (a >= size) {
            expect(r).toEqual({ type: 'unsatisfiable' });
          } else {
            expect(r).toEqual({ type: 'single', start: a, end: Math.min(a + len, size - 1) });
          }
          const suffix = parseRangeHeader(`bytes=-${len + 1}`, size);
          expect(suffix).toEqual({ type: 'single', start: Math.max(0, size - len - 1), end: size - 1 });
        },
      ),
    );
  });
});

describe('preconditionStatus', () => {
  const file: FileInfo = {
    path: '/x.tif',
    size: 10,
    mtime: new Date('2021-01-05T04:08:54Z'),
    etag: makeEtag(10, Date.parse('2021-01-05T04:08:54Z')),
    contentType: 'image/tiff',
  };
  const req = (headers: Record<string, string>): IncomingMessage =>
    ({ headers }) as unknown as IncomingMessage;

  it('answers 304 for a matching If-None-Match or an unmodified If-Modified-Since', () => {
    expect(preconditionStatus(req({ 'if-none-match': file.etag }), file)).toBe(304);
    expect(preconditionStatus(req({ 'if-none-match': `"other", W/${file.etag}` }), file)).toBe(304);
    expect(preconditionStatus(req({ 'if-none-match': '"other"' }), file)).toBeUndefined();
    expect(preconditionStatus(req({ 'if-modified-since': file.mtime.toUTCString() }), file)).toBe(304);
    expect(
      preconditionStatus(req({ 'if-modified-since': 'Mon, 04 Jan 2021 00:00:00 GMT' }), file),
    ).toBeUndefined();
  });

  it('answers 412 when If-Match does not match (the file changed between range reads)', () => {
    expect(preconditionStatus(req({ 'if-match': '"stale"' }), file)).toBe(412);
    expect(preconditionStatus(req({ 'if-match': file.etag }), file)).toBeUndefined();
    expect(preconditionStatus(req({ 'if-match': '*' }), file)).toBeUndefined();
  });

  it('makes strong ETags from size and mtime', () => {
    expect(makeEtag(16, 0x1a2b)).toBe('"1a2b-10"');
  });
});

describe('safeSegments (asset path confinement)', () => {
  it('decodes ordinary asset paths', () => {
    expect(safeSegments('sentinel-s2-l2a-cogs/47/R/PN/2021/1/S2B_47RPN_20210105_0_L2A/B04.tif')).toEqual([
      'sentinel-s2-l2a-cogs',
      '47',
      'R',
      'PN',
      '2021',
      '1',
      'S2B_47RPN_20210105_0_L2A',
      'B04.tif',
    ]);
    expect(safeSegments('a%20b/c.tif')).toEqual(['a b', 'c.tif']);
  });

  it('refuses traversal, encoded separators, NUL, dotfiles and empty segments', () => {
    for (const raw of [
      '../stac/items.json',
      'a/../../x',
      '%2e%2e/stac/items.json',
      '%2E%2E/x',
      '.%2e/x',
      'a/%2e%2e%2fb',
      'a%2f..%2fb',
      'a%5c..%5cb',
      'a\\..\\b',
      'a/b%00.tif',
      'a/b\0.tif',
      '.hidden',
      'a/.git/config',
      'a//b',
      '',
      'a/',
      '%',
      '%zz',
      './a',
    ]) {
      expect(safeSegments(raw), raw).toBeUndefined();
    }
  });
});
