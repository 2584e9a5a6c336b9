/**
 * What a scan hands back: its products before anything is written (batch and re-scan runs build
 * on them) and the summary the CLI prints. Pure assembly of what the stages made.
 */
import path from 'node:path';
import type { Feature, Geometry } from 'geojson';
import type { FoundItems, S2Item } from '../../catalog/index.js';
import type {
  CandidateProperties,
  ClearingProperties,
  PondProperties,
} from '../../detect/product-properties.js';
import type { Provenance } from '../../formats/provenance.js';
import type { HttpStats } from '../../io/http.js';
import type { OutputFiles } from '../../io/outputs.js';
import type { Completeness } from '../completeness.js';
import { tileKey, type ScanPlan } from '../planner.js';
import type { SkippedItem } from '../runners/types.js';
import type { Products } from './products.js';

export interface ScanSummary {
  out: string;
  candidates: number;
  /** Ponds in the candidates (the sum of their pond_count): the one pond number of every output. */
  ponds: number;
  /** Pond outlines in ponds.geojson, in candidates or not. */
  pond_outlines: number;
  clearings: number;
  items: { before: number; after: number; skipped: number; dropped: number };
  tiles: number;
  blocks: number;
  seconds: number;
  requests: number;
  bytes: number;
}

/** What a scan found, before anything is written: batch and re-scan runs build on it. */
export interface ScanResult {
  candidates: Feature<Geometry, CandidateProperties>[];
  ponds: Feature<Geometry, PondProperties>[];
  clearings: Feature<Geometry, ClearingProperties>[];
  /** Where the pixels came from: the Copernicus attribution for the years scanned, or synthetic. */
  provenance: Provenance;
  attribution: string;
  years: number[];
  /** Tiles scanned: the name features carry, the grid key (planner.tileKey), the items compared. */
  tiles: { tile: string; key: string; before: string[]; after: string[] }[];
  /** Items left out, with the reason. */
  skipped: SkippedItem[];
  /** How much of the input was used; `complete` false only when `allowPartial` let it through. */
  completeness: Completeness;
  /** The products as files, ready for writeOutputs. */
  files: OutputFiles;
  summary: ScanSummary;
}

export interface ResultInput {
  products: Products;
  found: FoundItems;
  plan: ScanPlan;
  skipped: SkippedItem[];
  completeness: Completeness;
  files: OutputFiles;
  seconds: number;
  http: HttpStats;
}

export function scanResult(opts: { out: string }, r: ResultInput): ScanResult {
  const { products, found, plan, skipped } = r;
  const { candidates, ponds, clearings, provenance } = products;
  const summary: ScanSummary = {
    out: path.resolve(opts.out),
    candidates: candidates.length,
    ponds: products.report.totals.ponds,
    pond_outlines: ponds.length,
    clearings: clearings.length,
    items: {
      before: found.before.length,
      after: found.after.length,
      skipped: skipped.length,
      dropped: found.dropped.length,
    },
    tiles: plan.tiles.length,
    blocks: plan.blockCount,
    seconds: r.seconds,
    requests: r.http.requests,
    bytes: r.http.bytes,
  };
  return {
    candidates,
    ponds,
    clearings,
    provenance,
    attribution: provenance.attribution,
    years: provenance.years,
    tiles: products.scannedTiles.map((tp) => ({
      tile: tp.tile,
      key: tileKey(tp.after[0] as S2Item),
      before: tp.before.map((i) => i.id),
      after: tp.after.map((i) => i.id),
    })),
    skipped,
    completeness: r.completeness,
    files: r.files,
    summary,
  };
}
