/**
 * Pipeline specs (`minewatch batch <pipeline.yaml>`): what to scan, against which baseline, over
 * which windows, from which STAC source, with which thresholds, into which folder. Validated at
 * the edge with errors that name the file and the field; relative paths resolve against the
 * spec's own folder so a spec works from any working directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_MAX_CLOUD, parseDateWindow, type DateWindow } from '../catalog/filters.js';
import { DEFAULT_PARAMS, type DetectParams } from '../detect/params.js';
import { InvalidInputError } from '../errors.js';
import { parseStacSource } from '../config/stac-source.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const Window = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-" (it names a folder)'),
  start: z.string().regex(DATE, 'a YYYY-MM-DD date'),
  end: z.string().regex(DATE, 'a YYYY-MM-DD date'),
});

/** Threshold overrides, in the spec's snake_case; unknown names are refused, not ignored. */
const Thresholds = z
  .strictObject({
    // NDVI lies in [-1, 1]; an NDVI threshold outside it switches a test off silently.
    forest_ndvi_min: z.number().min(-1).max(1),
    bare_ndvi_max: z.number().min(-1).max(1),
    ndvi_drop_min: z.number().min(0).max(2),
    min_clearing_pixels: z.number().int().positive(),
    max_pond_pixels: z.number().int().positive(),
    min_ponds_per_site: z.number().int().positive(),
    min_confidence: z.number().min(0).max(1),
  })
  .partial();

const SpecSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  stac: z.string().min(1),
  collection: z.string().default('sentinel-2-l2a'),
  aois: z.array(z.string().min(1)).min(1),
  baseline: Window,
  windows: z.array(Window).min(1),
  max_cloud: z.number().min(0).max(100).default(DEFAULT_MAX_CLOUD),
  concurrency: z.number().int().min(1).max(256).default(16),
  thresholds: Thresholds.default({}),
  out: z.string().min(1),
});

/** A named window of the spec, its dates parsed once here. */
export interface WindowSpec extends DateWindow {
  readonly id: string;
}

/** What a window's text says, without its parsed span: fingerprints and reports echo this. */
export function windowText(w: WindowSpec): { id: string; start: string; end: string } {
  return { id: w.id, start: w.start, end: w.end };
}

export interface PipelineSpec {
  name: string;
  file: string;
  stac: string;
  collection: string;
  /** Presets by name, files as absolute paths. */
  aois: string[];
  baseline: WindowSpec;
  windows: WindowSpec[];
  maxCloud: number;
  concurrency: number;
  params: DetectParams;
  out: string;
}

export function parsePipelineSpec(text: string, file: string, presets: readonly string[]): PipelineSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new InvalidInputError(`pipeline ${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = SpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new InvalidInputError(`pipeline ${file}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  const dir = path.dirname(path.resolve(file));
  const parse = (w: { id: string; start: string; end: string }): WindowSpec => {
    const dates = parseDateWindow(w.start, w.end, `pipeline ${file}: window ${w.id}`);
    return { id: w.id, ...dates };
  };
  const baseline = parse(s.baseline);
  const windows = s.windows.map(parse);
  const ids = new Set<string>();
  for (const w of s.windows) {
    if (ids.has(w.id)) throw new InvalidInputError(`pipeline ${file}: window id ${w.id} appears twice`);
    ids.add(w.id);
    if (w.start <= s.baseline.end)
      throw new InvalidInputError(
        `pipeline ${file}: window ${w.id} starts before the baseline ${s.baseline.id} ends`,
      );
  }
  const sorted = [...s.windows].sort((a, b) => a.start.localeCompare(b.start));
  if (sorted.some((w, i) => w !== s.windows[i]))
    throw new InvalidInputError(`pipeline ${file}: windows must be listed in time order`);
  const t = s.thresholds;
  const params: DetectParams = {
    ...DEFAULT_PARAMS,
    ...(t.forest_ndvi_min !== undefined && { forestNdviMin: t.forest_ndvi_min }),
    ...(t.bare_ndvi_max !== undefined && { bareNdviMax: t.bare_ndvi_max }),
    ...(t.ndvi_drop_min !== undefined && { ndviDropMin: t.ndvi_drop_min }),
    ...(t.min_clearing_pixels !== undefined && { minClearingPixels: t.min_clearing_pixels }),
    ...(t.max_pond_pixels !== undefined && { maxPondPixels: t.max_pond_pixels }),
    ...(t.min_ponds_per_site !== undefined && { minPondsPerSite: t.min_ponds_per_site }),
    ...(t.min_confidence !== undefined && { minConfidence: t.min_confidence }),
  };
  return {
    name: s.name,
    file: path.resolve(file),
    stac: parseStacSource(s.stac, `pipeline ${file}: stac`, dir),
    collection: s.collection,
    aois: s.aois.map((a) => (presets.includes(a) ? a : path.resolve(dir, a))),
    baseline,
    windows,
    maxCloud: s.max_cloud,
    concurrency: s.concurrency,
    params,
    out: path.resolve(dir, s.out),
  };
}

export function loadPipelineSpec(file: string, presets: readonly string[]): PipelineSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(
      `pipeline ${file}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return parsePipelineSpec(text, file, presets);
}
