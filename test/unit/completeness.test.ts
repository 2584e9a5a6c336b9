import { describe, expect, it } from 'vitest';
import { assessCompleteness, skipCounts, skipKind } from '../../src/run/completeness.js';

const ids = (p: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${p}${i}`);

describe('skipKind', () => {
  it('names the reasons the scan writes', () => {
    expect(skipKind('cannot read its COGs: asset "red": GET http://x/B04.tif: HTTP 404').kind).toBe(
      'HTTP 404',
    );
    expect(
      skipKind('cannot read its COGs: GET http://x: HTTP 503: SlowDown; gave up after 5 attempts').kind,
    ).toBe('HTTP 503 after retries');
    expect(
      skipKind('cannot read its COGs: asset "nir" href file:///x rejected by the asset policy').kind,
    ).toBe('refused by the asset policy');
    expect(skipKind('no data over 47RMJ: every pixel is nodata (SCL 0)')).toMatchObject({ benign: true });
    expect(skipKind('tile skipped: no usable after item left')).toMatchObject({ tile: true });
  });
});

describe('assessCompleteness', () => {
  const found = { before: ids('b', 4), after: ids('a', 4), unparsed: [] };
  it('a scan that used no pixels of a window is incomplete, however few items it lost', () => {
    const c = assessCompleteness({
      found,
      used: { before: new Set(ids('b', 4)), after: new Set() },
      skipped: [],
      maxLostShare: 0.5,
    });
    expect(c.complete).toBe(false);
    expect(c.problem).toBe('no usable pixels for the after window');
  });
  it('counts only failures as lost, and refuses more than the share', () => {
    const fail = (item: string): { item: string; reason: string } => ({ item, reason: 'x: HTTP 404' });
    const empty = (item: string): { item: string; reason: string } => ({
      item,
      reason: 'no data over T: every pixel is nodata (SCL 0)',
    });
    const used = { before: new Set(['b0']), after: new Set(['a0']) };
    const within = assessCompleteness({
      found,
      used,
      skipped: [...['b1', 'b2', 'a1', 'a2'].map(fail), ...['b3', 'a3'].map(empty)],
      maxLostShare: 0.5,
    });
    expect(within).toMatchObject({ complete: true, lost: 4, items: 8, used: 2 });
    const beyond = assessCompleteness({
      found,
      used,
      skipped: ['b1', 'b2', 'b3', 'a1', 'a2'].map(fail),
      maxLostShare: 0.5,
    });
    expect(beyond).toMatchObject({ complete: false, lost: 5 });
    expect(beyond.problem).toBe('5 of 8 items lost (more than 50 %)');
    expect(skipCounts(['b1', 'b2', 'b1'].map(fail))).toEqual({ 'HTTP 404': 2 });
  });
});
