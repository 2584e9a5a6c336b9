/**
 * `minewatch batch <pipeline.yaml>`: scans every window of a spec against its baseline, links the
 * candidates into sites with a history, and writes sites.geojson and the report.
 *
 * Each window's scan is written to `<out>/windows/<id>/` (the same files a scan writes) as soon
 * as it ends, marked with the spec's fingerprint: a batch killed midway and run again reuses the
 * finished windows and scans only the rest. The top-level files are written last, all at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Feature } from 'geojson';
import { loadAoi } from '../config/aoi-loader.js';
import { IncompleteScanError, NoItemsFoundError } from '../errors.js';
import type { Aoi } from '../geo/aoi.js';
import { buildBatchReport, batchReportMarkdown } from '../report/batch-report.js';
import { loadReferences } from '../report/references.js';
import { combineProvenance, provenanceMembers, type Provenance } from '../formats/provenance.js';
import { stacCatalog } from '../formats/stac.js';
import { featureCollection } from '../formats/feature-collection.js';
import { prepareOutputFolder, writeOutputs, type OutputFiles } from '../io/outputs.js';
import type { TileRunner } from '../run/runners/types.js';
import { scanProducts } from '../run/scan.js';
import { ALGORITHM_VERSION } from '../run/version.js';
import { crashPoint } from '../state/crash-point.js';
import type { CandidateFeature } from '../state/store.js';
import { linkSites, type WindowResult } from './site-history.js';
import { windowText, type PipelineSpec, type WindowSpec } from './spec.js';
import { SILENT_LOG, type EventLog } from '../types/event-log.js';

export interface BatchOptions {
  /** Overrides the spec's output folder. */
  out?: string;
  json: boolean;
  quiet: boolean;
  /** Where the batch's own events go (the CLI's logger decides the level); silent without one. */
  events?: EventLog;
  signal?: AbortSignal;
  /** Runs each scan's tiles (default: in this process). */
  runner?: TileRunner;
  /** Publish even when a window's scan was incomplete (that window then counts as without imagery). */
  allowPartial?: boolean;
  maxLostShare?: number;
}

export interface BatchSummary {
  out: string;
  sites: number;
  windows: {
    id: string;
    imagery: boolean;
    candidates: number;
    reused: boolean;
    seconds: number;
    /** Set when the window's scan read too little (see completeness.ts): what is missing. */
    incomplete?: string;
  }[];
  seconds: number;
}

interface WindowFile {
  batch_fingerprint: string;
  window: WindowSpec;
  imagery: boolean;
  /**
   * False when a scan of the window read too little to be a result; such a window is published
   * only with --allow-partial and is never reused as finished (a later run scans it again).
   */
  complete: boolean;
  years: number[];
  /** True when the window's imagery was synthetic (absent for real imagery). */
  synthetic?: true;
  scans: unknown[];
}

/** Everything that changes a window's result; the output folder does not. */
function fingerprintOf(spec: PipelineSpec, aois: Aoi[]): string {
  const { out: _out, file: _file, ...given } = spec;
  // The windows as written (their parsed spans say nothing more); overriding keeps the key order.
  const inputs = { ...given, baseline: windowText(spec.baseline), windows: spec.windows.map(windowText) };
  return createHash('sha256')
    .update(JSON.stringify({ inputs, aois: aois.map((a) => a.geometry), algorithm: ALGORITHM_VERSION }))
    .digest('hex');
}

function readWindow(
  dir: string,
  fingerprint: string,
): { meta: WindowFile; candidates: CandidateFeature[] } | undefined {
  const runFile = path.join(dir, 'run.json');
  if (!existsSync(runFile)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(runFile, 'utf8')) as WindowFile;
    if (meta.batch_fingerprint !== fingerprint || meta.complete !== true) return undefined;
    const fc = JSON.parse(readFileSync(path.join(dir, 'candidates.geojson'), 'utf8')) as {
      features: CandidateFeature[];
    };
    return { meta, candidates: fc.features };
  } catch {
    return undefined; // unreadable: scan the window again
  }
}

function byId<F extends Feature>(lists: F[][]): F[] {
  const seen = new Map<string, F>();
  for (const list of lists)
    for (const f of list) {
      const id = String((f.properties as { id?: unknown } | null)?.id);
      if (!seen.has(id)) seen.set(id, f);
    }
  return [...seen.values()];
}

export async function runBatch(spec: PipelineSpec, opts: BatchOptions): Promise<BatchSummary> {
  const lock = await prepareOutputFolder(opts.out ?? spec.out, opts.out !== undefined ? '--out' : 'out:');
  try {
    return await batchInLockedFolder(spec, opts);
  } finally {
    lock.release();
  }
}

async function batchInLockedFolder(spec: PipelineSpec, opts: BatchOptions): Promise<BatchSummary> {
  const t0 = performance.now();
  const out = path.resolve(opts.out ?? spec.out);
  const log = opts.events ?? SILENT_LOG;
  const aois = spec.aois.map((a) => loadAoi(a));
  const fingerprint = fingerprintOf(spec, aois);
  const results: WindowResult[] = [];
  const brokenWindows: string[] = [];
  const summaries: BatchSummary['windows'] = [];
  const provenances: Provenance[] = [];

  for (const [k, window] of spec.windows.entries()) {
    const tw = performance.now();
    const dir = path.join(out, 'windows', window.id);
    const label = {
      window: window.id,
      of: `${k + 1}/${spec.windows.length}`,
      start: window.start,
      end: window.end,
    };
    const done = readWindow(dir, fingerprint);
    if (done) {
      log.info({ ...label, dir }, 'Window:Reused');
      results.push({ window, imagery: done.meta.imagery, candidates: done.candidates });
      provenances.push(
        combineProvenance([
          { synthetic: done.meta.synthetic === true, years: done.meta.years, attribution: '' },
        ]),
      );
      summaries.push({
        id: window.id,
        imagery: done.meta.imagery,
        candidates: done.candidates.length,
        reused: true,
        seconds: 0,
      });
      continue;
    }
    log.info({ ...label, baseline: spec.baseline.id }, 'Window:Scanning');
    const scans = [];
    for (const aoi of aois) {
      try {
        scans.push(
          await scanProducts({
            stac: spec.stac,
            collection: spec.collection,
            aoi,
            before: spec.baseline,
            after: window,
            maxCloud: spec.maxCloud,
            concurrency: spec.concurrency,
            out: dir,
            json: opts.json,
            quiet: opts.quiet,
            params: spec.params,
            // Judged below, per window: a broken window is reported and not reused, and the
            // batch fails at the end unless --allow-partial.
            allowPartial: true,
            ...(opts.maxLostShare !== undefined ? { maxLostShare: opts.maxLostShare } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(opts.runner ? { runner: opts.runner } : {}),
          }),
        );
      } catch (err) {
        // A window (or AOI) with no imagery is a fact to report, not a reason to stop the batch.
        if (!(err instanceof NoItemsFoundError)) throw err;
        log.warn({ ...label, aoi: aoi.name, reason: err.message }, 'Window:NoImagery');
      }
    }
    // Imagery means pixels were used in both windows of every scan, not merely that items were
    // found: a window whose every read failed says nothing about whether a site was there.
    const broken = scans.filter((s) => !s.completeness.complete);
    const complete = broken.length === 0;
    const imagery = scans.length > 0 && complete;
    const incomplete = broken.map((s) => s.completeness.problem).join('; ');
    if (!complete) {
      log.warn({ ...label, problem: incomplete }, 'Window:Incomplete');
      brokenWindows.push(`${window.id} (${incomplete})`);
      if (!opts.allowPartial) {
        summaries.push({ id: window.id, imagery, candidates: 0, reused: false, seconds: 0, incomplete });
        continue;
      }
    }
    const candidates = byId(scans.map((s) => s.candidates)) as unknown as CandidateFeature[];
    const provenance = combineProvenance(scans.map((s) => s.provenance));
    provenances.push(provenance);
    const meta: WindowFile = {
      batch_fingerprint: fingerprint,
      window,
      imagery,
      complete,
      years: provenance.years,
      ...(provenance.synthetic ? { synthetic: true as const } : {}),
      scans: scans.map((s) => JSON.parse(String(s.files['run.json'])) as unknown),
    };
    // One AOI: exactly the scan's files. Several: their layers merged by id.
    const files: OutputFiles =
      scans.length === 1 && scans[0]
        ? { ...scans[0].files }
        : {
            'candidates.geojson': featureCollection(candidates, provenance, 'candidates'),
            'ponds.geojson': featureCollection(byId(scans.map((s) => s.ponds)), provenance, 'ponds'),
            'clearings.geojson': featureCollection(
              byId(scans.map((s) => s.clearings)),
              provenance,
              'clearings',
            ),
          };
    files['run.json'] = `${JSON.stringify(meta, null, 2)}\n`;
    opts.signal?.throwIfAborted(); // stopped (--timeout): publish nothing more
    await writeOutputs(dir, files);
    crashPoint('batch-window-written');
    results.push({ window, imagery, candidates });
    const seconds = Math.round(performance.now() - tw) / 1000;
    summaries.push({
      id: window.id,
      imagery,
      candidates: candidates.length,
      reused: false,
      seconds,
      ...(complete ? {} : { incomplete }),
    });
    log.info({ ...label, candidates: candidates.length, seconds: Number(seconds.toFixed(1)) }, 'Window:Done');
  }

  if (brokenWindows.length > 0 && !opts.allowPartial)
    throw new IncompleteScanError(
      `batch incomplete: ${brokenWindows.length} of ${spec.windows.length} windows read too little: ${brokenWindows.join('; ')}; the batch outputs in ${out} are unchanged (--allow-partial publishes them anyway)`,
    );
  const sites = linkSites(results);
  const provenance = combineProvenance(provenances);
  const report = buildBatchReport({
    pipeline: spec.name,
    aois: aois.map((a) => a.name),
    baseline: windowText(spec.baseline),
    windows: results.map((r) => ({
      ...windowText(r.window),
      imagery: r.imagery,
      candidates: r.candidates.length,
    })),
    sites: sites.map((s) => s.properties),
    townships: [...new Set(aois.flatMap((a) => a.townships.map((t) => t.name)))],
    townshipsApproximate: aois.some((a) => a.townships.length > 0),
    references: loadReferences(),
    provenance,
    minConfidence: spec.params.minConfidence,
  });
  const seconds = Math.round(performance.now() - t0) / 1000;
  opts.signal?.throwIfAborted();
  await writeOutputs(out, {
    'sites.geojson': featureCollection(sites, provenance, 'sites'),
    // One STAC Item per window (each window folder describes its own outputs).
    'catalog.json': `${JSON.stringify(
      stacCatalog(
        `minewatch-batch-${spec.name}`.replace(/[^A-Za-z0-9_-]/g, '-'),
        `minewatch batch ${spec.name}: one item per window. ${provenance.attribution}`,
        results
          .filter((r) => existsSync(path.join(out, 'windows', r.window.id, 'item.json')))
          .map((r) => ({ href: `./windows/${r.window.id}/item.json`, title: `window ${r.window.id}` })),
      ),
      null,
      2,
    )}\n`,
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'report.md': batchReportMarkdown(report),
    'run.json': `${JSON.stringify(
      {
        kind: 'batch',
        pipeline: spec.name,
        spec: spec.file,
        batch_fingerprint: fingerprint,
        windows: summaries,
        sites: sites.length,
        seconds,
        ...provenanceMembers(provenance),
      },
      null,
      2,
    )}\n`,
  });
  return { out, sites: sites.length, windows: summaries, seconds };
}
