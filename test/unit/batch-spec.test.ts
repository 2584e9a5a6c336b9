import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineSpec, parsePipelineSpec } from '../../src/batch/spec.js';
import { InvalidInputError } from '../../src/errors.js';

const PRESETS = ['kachin'];
const GOOD = `
name: t
stac: items.json
aois: [kachin, areas/mine.geojson]
baseline: { id: b, start: 2020-12-01, end: 2021-02-28 }
windows:
  - { id: w1, start: 2021-12-01, end: 2022-02-28 }
  - { id: w2, start: 2023-12-01, end: 2024-02-29 }
thresholds: { min_confidence: 0.7 }
out: ../out/t
`;

const bad = (text: string): string => {
  try {
    parsePipelineSpec(text, '/specs/p.yaml', PRESETS);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected the spec to be refused');
};

describe('pipeline specs', () => {
  it('resolves paths against the spec folder, keeps presets and https STAC roots, applies thresholds', () => {
    const s = parsePipelineSpec(GOOD, '/specs/p.yaml', PRESETS);
    expect(s.stac).toBe('/specs/items.json');
    expect(s.aois).toEqual(['kachin', '/specs/areas/mine.geojson']);
    expect(s.out).toBe('/out/t');
    expect(s.params.minConfidence).toBe(0.7);
    expect(s.maxCloud).toBe(60);
    const api = parsePipelineSpec(
      GOOD.replace('items.json', 'https://example.org/v1'),
      '/specs/p.yaml',
      PRESETS,
    );
    expect(api.stac).toBe('https://example.org/v1');
  });

  it('names the file and the field of every mistake', () => {
    expect(bad(GOOD.replace('name: t', ''))).toBe(
      'pipeline /specs/p.yaml: name: Invalid input: expected string, received undefined',
    );
    expect(bad(GOOD.replace('2021-12-01', '2021-13-01'))).toMatch(/window w1.*not a YYYY-MM-DD date/);
    expect(bad(GOOD.replace('min_confidence', 'min_confidance'))).toMatch(
      /thresholds.*min_confidance|Unrecognized key.*min_confidance/,
    );
    expect(bad(GOOD.replace('id: w2', 'id: w1'))).toMatch(/window id w1 appears twice/);
    expect(bad(GOOD.replace('start: 2021-12-01', 'start: 2021-01-01'))).toMatch(
      /w1 starts before the baseline b ends/,
    );
    expect(
      bad(
        GOOD.replace(
          'id: w1, start: 2021-12-01, end: 2022-02-28',
          'id: w1, start: 2024-12-01, end: 2025-02-28',
        ),
      ),
    ).toMatch(/time order/);
    expect(bad('name: [')).toMatch(/^pipeline \/specs\/p.yaml: not valid YAML/);
    expect(bad(GOOD.replace('id: b,', 'id: "../x",'))).toMatch(/baseline.id/);
  });

  it('a missing file is a clear error, not a stack', () => {
    expect(() => loadPipelineSpec(path.join('/nonexistent', 'p.yaml'), PRESETS)).toThrow(
      /pipeline \/nonexistent\/p.yaml: cannot read it: ENOENT/,
    );
  });

  it('the shipped pipelines parse', () => {
    for (const f of ['demo.yaml', 'kachin-2021-2024.yaml'])
      expect(
        loadPipelineSpec(path.resolve(__dirname, '../../pipelines', f), PRESETS).windows.length,
      ).toBeGreaterThan(1);
  });
});
