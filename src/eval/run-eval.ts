/**
 * `make eval`: generate synthetic worlds for several seeds, serve each through the local STAC API
 * (as outside evaluations do), scan it, and score the candidates against the world's truth.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { defaultWorldConfig, smallWorldConfig, type WorldConfig } from '../fixtures/world/config.js';
import { generateWorld, GENERATOR_VERSION } from '../fixtures/world/generate.js';
import { loadAoi } from '../config/aoi-loader.js';
import { runScan } from '../run/scan.js';
import type { DetectParams } from '../detect/params.js';
import { startCatalogServer } from '../server/catalog-server.js';
import { matchSites, truthFromGeoJson, type MatchResult } from './match.js';

export interface EvalOptions {
  seeds: number[];
  preset: 'demo' | 'small';
  workDir: string;
  log: (line: string) => void;
  /** Detection parameters of the scans (default DEFAULT_PARAMS); fit-calibration lowers minConfidence. */
  params?: DetectParams;
}

export interface SeedResult {
  seed: number;
  result: MatchResult;
  candidates: number;
  truthSites: number;
  scanSeconds: number;
}

export interface EvalSummary {
  seeds: SeedResult[];
  total: MatchResult;
  /** Observed precision per confidence bin: does 0.8 mean 80 %? */
  calibration: { bin: string; candidates: number; precision: number }[];
}

type Geom = Polygon | MultiPolygon;

function configFor(preset: EvalOptions['preset'], seed: number): WorldConfig {
  return preset === 'small' ? smallWorldConfig(seed) : defaultWorldConfig(seed);
}

async function ensureWorld(config: WorldConfig, dir: string, log: (l: string) => void): Promise<void> {
  const stamp = path.join(dir, 'world.json');
  if (existsSync(stamp)) {
    const w = JSON.parse(readFileSync(stamp, 'utf8')) as { generator_version?: string; config?: unknown };
    if (w.generator_version === GENERATOR_VERSION && JSON.stringify(w.config) === JSON.stringify(config))
      return;
  }
  log(`eval: generating world seed ${config.seed} in ${dir}`);
  await generateWorld(config, dir);
}

export async function runEval(opts: EvalOptions): Promise<EvalSummary> {
  const seeds: SeedResult[] = [];
  const allCands: { id: string; confidence: number; pondCount: number; geometry: Geom }[] = [];
  const allTruth: ReturnType<typeof truthFromGeoJson> = [];
  for (const seed of opts.seeds) {
    const config = configFor(opts.preset, seed);
    const worldDir = path.join(opts.workDir, `world-${opts.preset}-${seed}`);
    await ensureWorld(config, worldDir, opts.log);
    const first = config.seasons[0];
    const last = config.seasons[config.seasons.length - 1];
    if (!first || !last || first === last) throw new Error('eval needs a world with at least two seasons');
    const server = await startCatalogServer({ root: worldDir, basePath: '/v1' });
    let summary;
    const out = path.join(opts.workDir, `scan-${opts.preset}-${seed}`);
    try {
      summary = await runScan({
        stac: server.url.href,
        collection: 'sentinel-2-l2a',
        aoi: loadAoi('kachin'),
        before: { start: first.start, end: first.end },
        after: { start: last.start, end: last.end },
        maxCloud: 60,
        concurrency: 16,
        out,
        json: false,
        quiet: true,
        // Scoring reads only the candidates; chips and overlays would double the scan time.
        evidence: false,
        ...(opts.params ? { params: opts.params } : {}),
      });
    } finally {
      await server.close();
    }
    const truthFc = JSON.parse(readFileSync(path.join(worldDir, 'truth.geojson'), 'utf8')) as {
      features: Feature<Geom, Record<string, unknown>>[];
    };
    // Every new_mine of a world opened after its first (before) season, so all count as new.
    const truth = truthFromGeoJson(truthFc.features);
    const candFc = JSON.parse(readFileSync(path.join(out, 'candidates.geojson'), 'utf8')) as {
      features: Feature<Geom, Record<string, unknown>>[];
    };
    const cands = candFc.features.map((f) => ({
      id: `${seed}/${String(f.properties['id'])}`,
      confidence: Number(f.properties['confidence']),
      pondCount: Number(f.properties['pond_count']),
      geometry: f.geometry,
    }));
    const result = matchSites(cands, truth);
    const truthSites = truth.filter((t) => t.class === 'new_mine').length;
    seeds.push({ seed, result, candidates: cands.length, truthSites, scanSeconds: summary.seconds });
    allCands.push(...cands);
    allTruth.push(...truth.map((t) => ({ ...t, id: `${seed}/${t.id}` })));
    opts.log(
      `eval: seed ${seed}: P ${result.precision.toFixed(3)} R ${result.recall.toFixed(3)} F1 ${result.f1.toFixed(3)} ` +
        `(${result.truePositives} TP, ${result.falsePositives} FP, ${result.falseNegatives} FN; scan ${summary.seconds.toFixed(1)} s)`,
    );
  }
  const total = matchSites(allCands, allTruth);
  const matched = new Set(total.matches.map((m) => m.candidate));
  const bins = [
    [0.5, 0.7],
    [0.7, 0.85],
    [0.85, 1.01],
  ] as const;
  const calibration = bins.map(([lo, hi]) => {
    const inBin = allCands.filter((c) => c.confidence >= lo && c.confidence < hi);
    return {
      bin: `${lo.toFixed(2)}-${Math.min(1, hi).toFixed(2)}`,
      candidates: inBin.length,
      precision: inBin.length ? inBin.filter((c) => matched.has(c.id)).length / inBin.length : NaN,
    };
  });
  return { seeds, total, calibration };
}

export function formatEval(s: EvalSummary): string {
  const pct = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(3));
  const lines = [
    '| seed | truth sites | candidates | TP | FP | FN | precision | recall | F1 | pond-count MAE | scan s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...s.seeds.map(
      (r) =>
        `| ${r.seed} | ${r.truthSites} | ${r.candidates} | ${r.result.truePositives} | ${r.result.falsePositives} | ${r.result.falseNegatives} | ${pct(r.result.precision)} | ${pct(r.result.recall)} | ${pct(r.result.f1)} | ${r.result.pondCountMae.toFixed(2)} | ${r.scanSeconds.toFixed(1)} |`,
    ),
    `| all | ${s.seeds.reduce((n, r) => n + r.truthSites, 0)} | ${s.seeds.reduce((n, r) => n + r.candidates, 0)} | ${s.total.truePositives} | ${s.total.falsePositives} | ${s.total.falseNegatives} | ${pct(s.total.precision)} | ${pct(s.total.recall)} | ${pct(s.total.f1)} | ${s.total.pondCountMae.toFixed(2)} | |`,
    '',
    `False positives by what they hit: ${
      Object.entries(s.total.falsePositivesByClass)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
    `Pond count: mean absolute error ${s.total.pondCountMae.toFixed(2)}, mean signed error ${s.total.pondCountBias.toFixed(2)} (candidate minus truth)`,
    `Confidence calibration (observed precision per bin): ${s.calibration.map((c) => `${c.bin}: ${pct(c.precision)} of ${c.candidates}`).join('; ')}`,
  ];
  return lines.join('\n');
}
