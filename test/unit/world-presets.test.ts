/**
 * fixtures/world/presets.json: the committed presets resolve to the worlds the generator draws,
 * and a broken presets file fails with one line naming the file and what is wrong.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  defaultWorldConfig,
  evalWorldConfig,
  parsePresets,
  PRESETS_FILE,
  smallWorldConfig,
} from '../../src/fixtures/world/config.js';
import { InvalidInputError } from '../../src/errors.js';

const committed = readFileSync(PRESETS_FILE, 'utf8');
const edited = (change: (j: Record<string, unknown>) => void): string => {
  const j = JSON.parse(committed) as Record<string, unknown>;
  change(j);
  return JSON.stringify(j);
};
const presetsOf = (j: Record<string, unknown>): Record<string, Record<string, unknown>> =>
  j['presets'] as Record<string, Record<string, unknown>>;

describe('world presets', () => {
  it('the committed file parses, and each preset builds its world', () => {
    const p = parsePresets(committed, PRESETS_FILE);
    expect(p.areas.map((a) => a.id)).toEqual(['chipwi', 'pangwa', 'momauk', 'zone-edge']);
    const demo = defaultWorldConfig(1);
    expect(demo.areas.map((a) => a.id)).toEqual(p.presets.demo.areas);
    expect(demo.seasons.map((s) => s.id)).toEqual(p.presets.demo.seasons);
    expect(demo.randomised).toBeUndefined();
    // The small world shrinks its areas and keeps everything else of them.
    const small = smallWorldConfig(1);
    const pangwa = p.areas.find((a) => a.id === 'pangwa');
    expect(small.areas[0]).toEqual({ ...pangwa, sizeM: 5120 });
    expect(small.tileSize).toBe(512);
  });

  it('an eval world takes its area from the seed, cycling through the list', () => {
    const ids = [0, 1, 2, 3].map((seed) => evalWorldConfig(7000 + seed).areas.map((a) => a.id));
    expect(ids.every((a) => a.length === 1)).toBe(true);
    expect(ids[0]).toEqual(ids[3]);
    expect(new Set(ids.flat()).size).toBe(3);
    expect(evalWorldConfig(7001).randomised).toBe(true);
    expect(evalWorldConfig(7001).areas[0]?.newMines).toEqual([4, 7]);
  });

  it.each([
    ['not JSON', '{', /presets\.json: not JSON/],
    [
      'an unknown area',
      edited((j) => (presetsOf(j)['demo']!['areas'] = ['chipwi', 'atlantis'])),
      /preset demo names unknown area atlantis/,
    ],
    [
      'an unknown season',
      edited((j) => (presetsOf(j)['small']!['seasons'] = ['2020-21', '1999-00'])),
      /preset small names unknown season 1999-00/,
    ],
    ['a tile size COGs do not use', edited((j) => (presetsOf(j)['eval']!['tileSize'] = 300)), /tileSize/],
    [
      'a count range upside down',
      edited((j) => ((j['areas'] as Record<string, unknown>[])[0]!['newMines'] = [6, 4])),
      /min <= max/,
    ],
    ['a misspelt field', edited((j) => (presetsOf(j)['demo']!['acquisitionPerSeason'] = 3)), /acquisition/],
  ])('%s fails with one line naming the file', (_what, text, message) => {
    let err: unknown;
    try {
      parsePresets(text, 'x/presets.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    const m = (err as Error).message;
    expect(m).toMatch(/^x\/presets\.json: /);
    expect(m).toMatch(message);
    expect(m).not.toContain('\n');
  });
});
