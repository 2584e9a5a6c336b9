import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineSpec } from '../../src/batch/spec.js';
import { parseStacSource } from '../../src/config/stac-source.js';

describe('parseStacSource', () => {
  it('a malformed URL is one InvalidInputError naming it (exit 2)', () => {
    expect(() => parseStacSource('http://[::1', '--stac')).toThrow('--stac "http://[::1": not a valid URL');
    expect(() => parseStacSource('ftp://x/y', '--stac')).toThrow(
      'expected an http(s) URL, a file: URL or a path',
    );
  });
  it('a file: URL is a path, never a path relative to the spec', () => {
    expect(parseStacSource('file:///x/items.json', 'stac', '/spec/dir')).toBe('/x/items.json');
    expect(parseStacSource('stac/items.json', 'stac', '/spec/dir')).toBe(
      path.join('/spec/dir', 'stac/items.json'),
    );
    expect(parseStacSource('https://earth-search.aws.element84.com/v1', '--stac')).toBe(
      'https://earth-search.aws.element84.com/v1',
    );
  });
});

describe('pipeline spec ranges', () => {
  const spec = (extra: string): string => `
name: t
stac: file:///data/items.json
aois: [kachin]
baseline: { id: b, start: 2020-12-01, end: 2021-02-28 }
windows:
  - { id: w, start: 2023-12-01, end: 2024-02-29 }
out: out
${extra}`;
  it('takes stac: file:///x as a URL', () => {
    expect(parsePipelineSpec(spec(''), '/p/t.yaml', ['kachin']).stac).toBe('/data/items.json');
  });
  it('refuses an NDVI threshold outside [-1, 1]', () => {
    expect(() =>
      parsePipelineSpec(spec('thresholds: { forest_ndvi_min: 5 }'), '/p/t.yaml', ['kachin']),
    ).toThrow(/pipeline \/p\/t\.yaml: thresholds\.forest_ndvi_min: .*1/);
  });
});
