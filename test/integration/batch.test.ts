/**
 * `minewatch batch` on a generated world with three dry seasons, where the truth says in which
 * season each mine opened: the sites' first_seen must say the same. Also: a batch killed after a
 * window resumes from it and ends byte-identical.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as turf from '@turf/turf';
import type { FeatureCollection, Geometry } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type BatchSummary } from '../../src/batch/run-batch.js';
import { loadPipelineSpec } from '../../src/batch/spec.js';
import { smallWorldConfig } from '../../src/fixtures/world/config.js';
import { generateWorld } from '../../src/fixtures/world/generate.js';
import { runCli, type Ran } from '../helpers/cli-process.js';

let tmp: string;
let specFile: string;
let summary: BatchSummary;

const SPEC = (out: string): string => `
name: three-seasons
stac: world/stac/items.json
aois: [kachin]
baseline: { id: "2020-21", start: 2020-12-01, end: 2021-02-28 }
windows:
  - { id: "2021-22", start: 2021-12-01, end: 2022-02-28 }
  - { id: "2022-23", start: 2022-12-01, end: 2023-02-28 }
  - { id: "2023-24", start: 2023-12-01, end: 2024-02-29 }
out: ${out}
`;

type Fc = FeatureCollection<Geometry, Record<string, unknown>>;
const readFc = (f: string): Fc => JSON.parse(readFileSync(f, 'utf8')) as Fc;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mw-batch-'));
  const base = smallWorldConfig(11);
  await generateWorld(
    {
      ...base,
      seasons: [
        { id: '2020-21', start: '2020-12-01', end: '2021-02-28' },
        { id: '2021-22', start: '2021-12-01', end: '2022-02-28' },
        { id: '2023-24', start: '2023-12-01', end: '2024-02-29' },
      ],
    },
    path.join(tmp, 'world'),
  );
  specFile = path.join(tmp, 'batch.yaml');
  writeFileSync(specFile, SPEC('out'));
  summary = await runBatch(loadPipelineSpec(specFile, ['kachin']), { json: false, quiet: true });
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('batch over three seasons', () => {
  it('reports a window without imagery instead of failing', () => {
    expect(summary.windows.map((w) => [w.id, w.imagery])).toEqual([
      ['2021-22', true],
      ['2022-23', false],
      ['2023-24', true],
    ]);
  });

  it('each site is first seen in the season its mine opened (truth), with a history per window', () => {
    const sites = readFc(path.join(tmp, 'out', 'sites.geojson'));
    const mines = readFc(path.join(tmp, 'world', 'truth.geojson')).features.filter(
      (f) => f.properties.class === 'new_mine',
    );
    expect(new Set(mines.map((m) => m.properties.first_season)).size).toBe(2); // mines open in both seasons
    let matched = 0;
    for (const mine of mines) {
      const site = sites.features.find((s) =>
        turf.booleanIntersects(s.geometry as never, mine.geometry as never),
      );
      if (!site) continue;
      matched++;
      expect(site.properties.first_seen, String(mine.properties.id)).toBe(mine.properties.first_season);
      const history = site.properties.history as { window: string; seen: boolean | null }[];
      expect(history.map((h) => h.window)).toEqual(['2021-22', '2022-23', '2023-24']);
      expect(history[1]?.seen).toBeNull();
    }
    expect(matched).toBeGreaterThanOrEqual(Math.ceil(mines.length * 0.8));
    expect(new Set(sites.features.map((s) => s.properties.id)).size).toBe(sites.features.length);
  });

  it('the report counts sites per township and window as sites.geojson has them', () => {
    const sites = readFc(path.join(tmp, 'out', 'sites.geojson')).features;
    const report = JSON.parse(readFileSync(path.join(tmp, 'out', 'report.json'), 'utf8')) as {
      totals: { sites: number; by_window: Record<string, number> };
      townships: { township: string; total: number }[];
    };
    expect(report.totals.sites).toBe(sites.length);
    for (const w of ['2021-22', '2023-24'])
      expect(report.totals.by_window[w]).toBe(sites.filter((s) => s.properties.first_seen === w).length);
    expect(report.townships.reduce((s, t) => s + t.total, 0)).toBe(sites.length);
    const md = readFileSync(path.join(tmp, 'out', 'report.md'), 'utf8');
    expect(md).toContain('ISP-Myanmar');
    // The demo world is synthetic: the report says so and claims no Copernicus data.
    expect(md).toContain('SYNTHETIC DATA');
    expect(md).toContain('For comparison, real-world figures');
    expect(md).not.toContain('Copernicus');
  });

  it('killed after its first window, the batch resumes from it and ends byte-identical', async () => {
    const run = (env: Record<string, string>): Promise<Ran> =>
      runCli(['batch', specFile, '--out', path.join(tmp, 'resumed'), '--json', '--quiet'], { env });
    const killed = await run({ MW_CRASH_AT: 'batch-window-written' });
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await run({});
    expect(resumed.code).toBe(0);
    const s = JSON.parse(resumed.stdout.trim().split('\n').pop() ?? '{}') as BatchSummary;
    expect(s.windows.map((w) => w.reused)).toEqual([true, false, false]);
    for (const f of ['sites.geojson', 'report.json', 'report.md'])
      expect(readFileSync(path.join(tmp, 'resumed', f), 'utf8')).toBe(
        readFileSync(path.join(tmp, 'out', f), 'utf8'),
      );
  }, 180_000);
});
