/**
 * `make eval`: generate randomised synthetic worlds for a fixed list of seeds, serve each through
 * the local STAC API (as outside evaluations do), scan it with the unchanged CLI pipeline, and
 * score the candidates against the world's truth. Writes the report, a reliability diagram and
 * every candidate with its label and features (candidates.jsonl) into the report folder, which
 * is replaced only when the whole evaluation succeeded.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import {
  defaultWorldConfig,
  evalWorldConfig,
  smallWorldConfig,
  type WorldConfig,
} from '../fixtures/world/config.js';
import { DEFAULT_PARAMS } from '../detect/params.js';
import { generateWorld, GENERATOR_VERSION } from '../fixtures/world/generate.js';
import { publishDir, stagingDir } from '../io/atomic.js';
import { scanGeneratedWorld } from '../run/scan-world.js';
import type { EventLog } from '../types/event-log.js';
import {
  calibrationTable,
  expectedCalibrationError,
  precisionAtOrAbove,
  reliabilitySvg,
  type CalibrationBin,
} from './calibration.js';
import { combineResults, matchSites, truthFromGeoJson, type MatchResult, type TruthSite } from './match.js';

export type EvalPreset = 'eval' | 'demo' | 'small';

export interface EvalOptions {
  seeds: readonly number[];
  /** What the seeds are ('validation', 'tuning' or 'custom'), written into every output. */
  split: string;
  preset: EvalPreset;
  /** Worlds and scans are cached here. */
  workDir: string;
  /** report.md, summary.json, candidates.jsonl, reliability.svg/png land here. */
  reportDir: string;
  /** Progress events (a world generated, a seed scored). */
  log: EventLog;
}

export interface SeedResult {
  seed: number;
  result: MatchResult;
  candidates: number;
  truthSites: number;
  scanSeconds: number;
}

/** One line of candidates.jsonl: what a calibration fit needs. */
export interface LabelledCandidate {
  split: string;
  seed: number;
  id: string;
  confidence: number;
  /** At or above the reporting threshold: what a user would see. Only these are scored; the
   * rest are kept so the calibration is fitted on every scored site, not only the reported. */
  reported: boolean;
  /** 'strong', 'partial' or 'none' (confidence.ts): 'none' is capped, never calibrated. */
  corroboration: string;
  /** 'new_mine' when it matched a true new site, else the truth class it overlaps most, or 'background'. */
  label: string;
  correct: boolean;
  truth_id: string | null;
  truth_pool_count: number | null;
  truth_pool_blobs_10m: number | null;
  /** Every numeric or boolean property the scan wrote on the candidate. */
  features: Record<string, number | boolean>;
}

export interface EvalSummary {
  split: string;
  preset: EvalPreset;
  seeds: SeedResult[];
  total: MatchResult;
  worst: SeedResult | undefined;
  /** Observed precision per confidence bin: does 0.8 mean 80 %? */
  calibration: CalibrationBin[];
  atOrAbove08: { candidates: number; correct: number; precision: number };
  ece: number;
  falsePositivesByClass: { cls: string; confidences: number[] }[];
  /** Pool-estimate error against the real pool count, and pond_count against the merged blobs. */
  poolError: { mae: number; bias: number; n: number };
  blobError: { mae: number; bias: number; n: number };
  /** Recall by the site's real pool count: 1-2 pools give a detector almost nothing to see. */
  recallBySize: { pools: string; sites: number; found: number; recall: number }[];
  candidates: LabelledCandidate[];
}

/** Site-size buckets of the Pang War labels (318 sites: 110 with 1-2 pools, 83 with 3-9, 125 with 10+). */
export const SIZE_BUCKETS: readonly { pools: string; min: number; max: number }[] = [
  { pools: '1-2', min: 1, max: 2 },
  { pools: '3-9', min: 3, max: 9 },
  { pools: '10+', min: 10, max: Infinity },
];

type Geom = Polygon | MultiPolygon;

function configFor(preset: EvalPreset, seed: number): WorldConfig {
  if (preset === 'eval') return evalWorldConfig(seed);
  return preset === 'small' ? smallWorldConfig(seed) : defaultWorldConfig(seed);
}

async function ensureWorld(config: WorldConfig, dir: string, log: EventLog): Promise<void> {
  const stamp = path.join(dir, 'world.json');
  if (existsSync(stamp)) {
    const w = JSON.parse(readFileSync(stamp, 'utf8')) as { generator_version?: string; config?: unknown };
    if (w.generator_version === GENERATOR_VERSION && JSON.stringify(w.config) === JSON.stringify(config))
      return;
  }
  log.info({ seed: config.seed, dir }, 'World:Generating');
  await generateWorld(config, dir);
}

function readFc(file: string): Feature<Geom, Record<string, unknown>>[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { features: Feature<Geom, Record<string, unknown>>[] })
    .features;
}

function numericProps(p: Record<string, unknown>): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(p)) {
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function errorStats(errs: readonly number[]): { mae: number; bias: number; n: number } {
  const n = errs.length;
  return {
    mae: n ? errs.reduce((s, e) => s + Math.abs(e), 0) / n : NaN,
    bias: n ? errs.reduce((s, e) => s + e, 0) / n : NaN,
    n,
  };
}

/** Candidates at or above this are what the default command reports, and all that is scored. */
const REPORTED_MIN = DEFAULT_PARAMS.minConfidence;

async function scanWorld(worldDir: string, out: string, config: WorldConfig): Promise<number> {
  // Scoring reads only the candidates; chips and overlays would double the scan time. Every
  // scored site is written (minConfidence 0) so the calibration sees the ones below the
  // threshold too; the scores do not depend on minConfidence, which only filters.
  const summary = await scanGeneratedWorld(worldDir, config.seasons, {
    out,
    quiet: true,
    evidence: false,
    params: { ...DEFAULT_PARAMS, minConfidence: 0 },
  });
  return summary.seconds;
}

export async function runEval(opts: EvalOptions): Promise<EvalSummary> {
  const seeds: SeedResult[] = [];
  const allTruth: ReturnType<typeof truthFromGeoJson> = [];
  const labelled: LabelledCandidate[] = [];
  const blobErrs: number[] = [];
  for (const seed of opts.seeds) {
    const config = configFor(opts.preset, seed);
    const worldDir = path.join(opts.workDir, `world-${opts.preset}-${seed}`);
    await ensureWorld(config, worldDir, opts.log);
    const out = path.join(opts.workDir, `scan-${opts.preset}-${seed}`);
    const scanSeconds = await scanWorld(worldDir, out, config);
    const truthFeatures = readFc(path.join(worldDir, 'truth.geojson'));
    // Every new_mine of a world opened after its first (before) season, so all count as new.
    const truth = truthFromGeoJson(truthFeatures);
    const blobsOf = new Map<string, unknown>(
      truthFeatures.map((f) => [`${seed}/${String(f.properties['id'])}`, f.properties['pool_blobs_10m']]),
    );
    const candFeatures = readFc(path.join(out, 'candidates.geojson'));
    const cands = candFeatures.map((f) => {
      const p = f.properties;
      // The detector's pool estimate when it gives one, else its pond (blob) count.
      const estimate = typeof p['pool_estimate'] === 'number' ? p['pool_estimate'] : Number(p['pond_count']);
      return {
        id: `${seed}/${String(p['id'])}`,
        confidence: Number(p['confidence']),
        pondCount: estimate,
        geometry: f.geometry,
        props: p,
      };
    });
    const truthHere = truth.map((t) => ({ ...t, id: `${seed}/${t.id}` }));
    const reported = cands.filter((c) => c.confidence >= REPORTED_MIN);
    const result = matchSites(reported, truthHere);
    // The sites below the threshold are labelled by a match of their own, so they cannot take a
    // truth site from a reported candidate.
    const below = matchSites(
      cands.filter((c) => !(c.confidence >= REPORTED_MIN)),
      truthHere,
    );
    const byCand = new Map([...result.matches, ...below.matches].map((m) => [m.candidate, m] as const));
    const fpOf = new Map(
      [...result.falsePositiveIds, ...below.falsePositiveIds].map((f) => [f.candidate, f] as const),
    );
    for (const c of cands) {
      const m = byCand.get(c.id);
      const fp = fpOf.get(c.id);
      const truthId = m ? m.truth : fp && fp.hit !== 'background' ? fp.hit : null;
      const blobs = m ? blobsOf.get(m.truth) : undefined;
      const isReported = c.confidence >= REPORTED_MIN;
      if (isReported && m && typeof blobs === 'number') blobErrs.push(Number(c.props['pond_count']) - blobs);
      labelled.push({
        split: opts.split,
        seed,
        id: c.id,
        confidence: c.confidence,
        reported: isReported,
        corroboration: String(c.props['corroboration']),
        label: m ? 'new_mine' : (fp?.hitClass ?? 'background'),
        correct: m !== undefined,
        truth_id: truthId,
        truth_pool_count: m ? m.truthPondCount : null,
        truth_pool_blobs_10m: typeof blobs === 'number' ? blobs : null,
        features: numericProps(c.props),
      });
    }
    const truthSites = truth.filter((t) => t.class === 'new_mine').length;
    seeds.push({ seed, result, candidates: reported.length, truthSites, scanSeconds });
    allTruth.push(...truth.map((t) => ({ ...t, id: `${seed}/${t.id}` })));
    opts.log.info(
      {
        seed,
        precision: Number(result.precision.toFixed(3)),
        recall: Number(result.recall.toFixed(3)),
        f1: Number(result.f1.toFixed(3)),
        truePositives: result.truePositives,
        falsePositives: result.falsePositives,
        falseNegatives: result.falseNegatives,
        scanSeconds: Number(scanSeconds.toFixed(1)),
      },
      'Seed:Scored',
    );
  }
  const total = combineResults(seeds.map((r) => r.result));
  const summary = summarise(opts, seeds, total, labelled, blobErrs, allTruth);
  await writeReport(opts.reportDir, summary);
  return summary;
}

/** The totals, worst seed, false positives by class and calibration of scored seeds. Pure. */
export function summarise(
  opts: Pick<EvalOptions, 'split' | 'preset'>,
  seeds: SeedResult[],
  total: MatchResult,
  labelled: LabelledCandidate[],
  blobErrs: readonly number[],
  truth: readonly TruthSite[] = [],
): EvalSummary {
  const worst = [...seeds].sort(
    (a, b) => a.result.precision - b.result.precision || a.result.f1 - b.result.f1 || a.seed - b.seed,
  )[0];
  // The tables are about what a user is shown; the rows below the threshold are for the fit.
  const shown = labelled.filter((c) => c.reported);
  const fpClasses = new Map<string, number[]>();
  for (const c of shown) {
    if (c.correct) continue;
    fpClasses.set(c.label, [...(fpClasses.get(c.label) ?? []), c.confidence]);
  }
  const falsePositivesByClass = [...fpClasses.entries()]
    .map(([cls, confidences]) => ({ cls, confidences: confidences.sort((a, b) => b - a) }))
    .sort((a, b) => b.confidences.length - a.confidences.length || a.cls.localeCompare(b.cls));
  const calibration = calibrationTable(shown);
  const matched = new Set(total.matches.map((m) => m.truth));
  return {
    split: opts.split,
    preset: opts.preset,
    seeds,
    total,
    worst,
    calibration,
    atOrAbove08: precisionAtOrAbove(shown, 0.8),
    ece: expectedCalibrationError(calibration),
    falsePositivesByClass,
    poolError: errorStats(total.matches.map((m) => m.pondCount - m.truthPondCount)),
    blobError: errorStats(blobErrs),
    recallBySize: SIZE_BUCKETS.map((b) => {
      const sites = truth.filter(
        (t) => t.class === 'new_mine' && t.pondCount >= b.min && t.pondCount <= b.max,
      );
      const found = sites.filter((t) => matched.has(t.id)).length;
      return {
        pools: b.pools,
        sites: sites.length,
        found,
        recall: sites.length ? found / sites.length : NaN,
      };
    }),
    candidates: labelled,
  };
}

async function writeReport(dir: string, s: EvalSummary): Promise<void> {
  const staging = await stagingDir(dir);
  try {
    await fs.writeFile(path.join(staging, 'report.md'), `${formatEval(s)}\n`);
    await fs.writeFile(
      path.join(staging, 'candidates.jsonl'),
      s.candidates.map((c) => JSON.stringify(c)).join('\n') + (s.candidates.length ? '\n' : ''),
    );
    const { candidates: _omit, ...rest } = s;
    void _omit;
    await fs.writeFile(path.join(staging, 'summary.json'), `${JSON.stringify(rest, null, 1)}\n`);
    const svg = reliabilitySvg(s.calibration, `Reliability, ${s.split} seeds (${s.seeds.length} worlds)`);
    await fs.writeFile(path.join(staging, 'reliability.svg'), svg);
    const { default: sharp } = await import('sharp');
    await sharp(Buffer.from(svg)).png().toFile(path.join(staging, 'reliability.png'));
    await publishDir(staging, dir);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
}

const f3 = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(3));
const f2 = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(2));

export function formatEval(s: EvalSummary): string {
  const sum = (f: (r: SeedResult) => number): number => s.seeds.reduce((n, r) => n + f(r), 0);
  const lines = [
    `## minewatch eval: ${s.split} seeds, preset ${s.preset}, ${s.seeds.length} worlds`,
    '',
    '| seed | truth sites | candidates | TP | FP | FN | precision | recall | F1 | pool-estimate MAE | scan s |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...s.seeds.map(
      (r) =>
        `| ${r.seed} | ${r.truthSites} | ${r.candidates} | ${r.result.truePositives} | ${r.result.falsePositives} | ${r.result.falseNegatives} | ${f3(r.result.precision)} | ${f3(r.result.recall)} | ${f3(r.result.f1)} | ${f2(r.result.pondCountMae)} | ${r.scanSeconds.toFixed(1)} |`,
    ),
    `| all | ${sum((r) => r.truthSites)} | ${sum((r) => r.candidates)} | ${s.total.truePositives} | ${s.total.falsePositives} | ${s.total.falseNegatives} | ${f3(s.total.precision)} | ${f3(s.total.recall)} | ${f3(s.total.f1)} | ${f2(s.total.pondCountMae)} | |`,
    '',
    s.worst
      ? `Worst seed: ${s.worst.seed} (precision ${f3(s.worst.result.precision)}, recall ${f3(s.worst.result.recall)}, F1 ${f3(s.worst.result.f1)})`
      : 'Worst seed: none',
    '',
    'False positives by the truth class they overlap (confidences, highest first):',
    ...(s.falsePositivesByClass.length
      ? s.falsePositivesByClass.map(
          (c) => `- ${c.cls}: ${c.confidences.length} (${c.confidences.map((v) => v.toFixed(2)).join(', ')})`,
        )
      : ['- none']),
    '',
    `Pool count (matched sites, ${s.poolError.n}): pool estimate minus real pools, MAE ${f2(s.poolError.mae)}, mean ${f2(s.poolError.bias)}; ` +
      `pond_count minus merged blobs at 10 m (${s.blobError.n}), MAE ${f2(s.blobError.mae)}, mean ${f2(s.blobError.bias)}`,
    '',
    `Recall by real pool count: ${s.recallBySize.map((b) => `${b.pools} pools ${b.found}/${b.sites} (${f3(b.recall)})`).join(', ')}`,
    '',
    'Calibration (observed precision per confidence bin):',
    '',
    '| confidence | candidates | correct | mean confidence | observed precision |',
    '|---|---:|---:|---:|---:|',
    ...s.calibration.map(
      (b) =>
        `| ${b.lo.toFixed(1)}-${b.hi.toFixed(1)} | ${b.candidates} | ${b.correct} | ${f3(b.meanConfidence)} | ${f3(b.precision)} |`,
    ),
    `| >= 0.8 | ${s.atOrAbove08.candidates} | ${s.atOrAbove08.correct} | | ${f3(s.atOrAbove08.precision)} |`,
    '',
    `Expected calibration error: ${f3(s.ece)}`,
  ];
  return lines.join('\n');
}
