/**
 * What one timed run yielded besides time and memory: our scan's run.json (phase timings, blocks
 * planned, counts, HTTP totals) and the peer's JSON line (its own stage timings and pixel counts).
 * Parsed at the edge with zod, so a changed output shape shows up as a note, not a crash.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { median, type TimedRun } from './measure.js';

export type Who = 'ours' | 'peer';

export interface CaseDef {
  id: string;
  label: string;
  who: Who;
  /** For our cases: the peer case it is compared with (same files, same transport). */
  peerId?: string;
  /** Scaling cases: blocks the AOI should plan. */
  expectedBlocks: number | null;
}

export interface OursExtra {
  timings: Record<string, number>;
  blocks: number;
  counts: string;
  requests: number;
  mbFetched: number;
}

export interface PeerExtra {
  totalS: number;
  stages: Record<string, number>;
  counts: string;
}

export interface RunRecord {
  caseId: string;
  run: number;
  timed: TimedRun;
  ours?: OursExtra;
  peer?: PeerExtra;
  note?: string;
}

const RunJsonSchema = z.looseObject({
  // Phase seconds; a nested object (e.g. per-stage sums over blocks) is flattened to "outer.inner".
  timings_s: z.record(z.string(), z.union([z.number(), z.record(z.string(), z.number())])),
  tiles: z.array(z.looseObject({ blocks: z.number() })),
  counts: z.looseObject({ candidates: z.number(), ponds: z.number(), clearings: z.number() }),
  http: z.looseObject({ requests: z.number(), bytes: z.number() }).optional(),
});

const CandidatesSchema = z.looseObject({
  features: z.array(z.looseObject({ properties: z.record(z.string(), z.unknown()) })),
});

/**
 * A short digest of the candidates (geometry and properties, less the `chips` paths that only the
 * default command writes), so the report shows at a glance that the default command, --no-evidence
 * and every run found the very same candidates.
 */
export function candidatesDigest(outDir: string): string {
  const file = path.join(outDir, 'candidates.geojson');
  if (!existsSync(file)) return 'no candidates.geojson';
  const fc = CandidatesSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const bare = fc.features.map((f) => {
    const { chips: _chips, ...props } = f.properties;
    return { ...f, properties: props };
  });
  return createHash('sha256').update(JSON.stringify(bare)).digest('hex').slice(0, 12);
}

export function readRunJson(outDir: string): OursExtra | string {
  const file = path.join(outDir, 'run.json');
  if (!existsSync(file)) return `no ${file}`;
  const r = RunJsonSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!r.success) return `run.json not understood: ${r.error.message.slice(0, 200)}`;
  const j = r.data;
  const timings: Record<string, number> = {};
  for (const [k, v] of Object.entries(j.timings_s)) {
    if (typeof v === 'number') timings[k] = v;
    else for (const [k2, v2] of Object.entries(v)) timings[`${k}.${k2}`] = v2;
  }
  return {
    timings,
    blocks: j.tiles.reduce((s, t) => s + t.blocks, 0),
    counts: `${j.counts.candidates} candidates, ${j.counts.ponds} ponds, ${j.counts.clearings} clearings (candidates sha256 ${candidatesDigest(outDir)})`,
    requests: j.http?.requests ?? 0,
    mbFetched: (j.http?.bytes ?? 0) / 2 ** 20,
  };
}

const PeerLineSchema = z.looseObject({
  total_s: z.number(),
  stage_s: z.record(z.string(), z.number()),
  changed_px: z.number(),
  components: z.number(),
  pond_components: z.number().optional(),
});

export function readPeerLine(stdout: string): PeerExtra | string {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) return 'the peer printed no JSON line';
  const r = PeerLineSchema.safeParse(JSON.parse(line));
  if (!r.success) return `peer JSON not understood: ${r.error.message.slice(0, 200)}`;
  const p = r.data;
  return {
    totalS: p.total_s,
    stages: p.stage_s,
    counts: `${p.changed_px} changed px, ${p.components} components, ${p.pond_components ?? '?'} pond components`,
  };
}

export interface CaseSummary {
  def: CaseDef;
  runs: number;
  ok: number;
  wallS: number | null;
  /** Fastest and slowest successful run: the spread says how far to trust a difference of medians. */
  wallRange: [number, number] | null;
  cpuS: number | null;
  rssMiB: number | null;
  /** Median of each phase over the successful runs (run.json timings_s or the peer's stage_s). */
  phases: Record<string, number>;
  /** Peer only: median of its own in-script total. */
  inScriptS: number | null;
  blocks: number[];
  counts: string[];
  requests: number | null;
  mbFetched: number | null;
}

function medianOf<T>(rows: T[], get: (r: T) => number | undefined): number | null {
  return median(rows.map(get).filter((v): v is number => v !== undefined));
}

export function summarise(def: CaseDef, records: RunRecord[]): CaseSummary {
  const mine = records.filter((r) => r.caseId === def.id);
  const good = mine.filter((r) => r.timed.ok);
  const phaseNames = [...new Set(good.flatMap((r) => Object.keys(r.ours?.timings ?? r.peer?.stages ?? {})))];
  const walls = good.map((r) => r.timed.figures?.wallS).filter((w): w is number => w !== undefined);
  const phases: Record<string, number> = {};
  for (const name of phaseNames) {
    const m = medianOf(good, (r) => (r.ours?.timings ?? r.peer?.stages ?? {})[name]);
    if (m !== null) phases[name] = m;
  }
  return {
    def,
    runs: mine.length,
    ok: good.length,
    wallS: medianOf(good, (r) => r.timed.figures?.wallS),
    wallRange: walls.length > 0 ? [Math.min(...walls), Math.max(...walls)] : null,
    cpuS: medianOf(good, (r) => r.timed.figures?.cpuS),
    rssMiB: medianOf(good, (r) => r.timed.figures?.rssMiB),
    phases,
    inScriptS: medianOf(good, (r) => r.peer?.totalS),
    blocks: [...new Set(good.map((r) => r.ours?.blocks).filter((b): b is number => b !== undefined))],
    counts: [...new Set(good.map((r) => r.ours?.counts ?? r.peer?.counts).filter((c) => c !== undefined))],
    requests: medianOf(good, (r) => r.ours?.requests),
    mbFetched: medianOf(good, (r) => r.ours?.mbFetched),
  };
}
