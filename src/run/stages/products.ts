/**
 * Stage 6 of a scan: the tiles' detections made into products. Candidate sites, ponds and
 * clearings clustered across tiles (detect/sites.ts) and kept where they touch the AOI, the
 * provenance of the tiles as scanned, and the report. Pure: the references are handed in.
 */
import type { Feature, Geometry } from 'geojson';
import type { OffsetDecision } from '../../catalog/offset-decision.js';
import type { DateWindow } from '../../catalog/filters.js';
import type { DetectParams } from '../../detect/params.js';
import type {
  CandidateProperties,
  ClearingProperties,
  Geom,
  PondProperties,
} from '../../detect/product-properties.js';
import { buildProducts } from '../../detect/sites.js';
import type { Aoi } from '../../geo/aoi.js';
import * as turf from '../../geo/turf.js';
import { provenanceOf, type Provenance } from '../../formats/provenance.js';
import type { Reference } from '../../report/references.js';
import { buildReport, type Report } from '../../report/report.js';
import { acquisitionRows, candidateInputs } from '../../report/report-rows.js';
import type { Completeness } from '../completeness.js';
import type { TilePlan } from '../planner.js';
import type { ScannedTile } from '../runners/types.js';

/** A window as the products name it. */
export interface WindowText {
  start: string;
  end: string;
}

export interface Software {
  version: string;
  algorithm_version: string;
}

/** The scan options the products read. */
export interface ProductOptions {
  stac: string;
  aoi: Aoi;
  before: DateWindow;
  after: DateWindow;
}

export interface ProductsInput {
  tiles: readonly TilePlan[];
  contexts: readonly ScannedTile[];
  collectionLabel: string;
  software: Software;
  params: DetectParams;
  references: Reference[];
  offsets: ReadonlyMap<string, OffsetDecision>;
  itemsUsed: number;
  completeness: Completeness;
}

export interface Products {
  /** The tiles as scanned: items dropped mid-scan are out of them. */
  scannedTiles: TilePlan[];
  candidates: Feature<Geom, CandidateProperties>[];
  ponds: Feature<Geom, PondProperties>[];
  clearings: Feature<Geom, ClearingProperties>[];
  provenance: Provenance;
  windows: { before: WindowText; after: WindowText };
  report: Report;
}

/**
 * The tiles as scanned: items dropped mid-scan are out of them, so neither the evidence nor the
 * provenance cites an item whose pixels were refused. Tiles that did not run are left out.
 */
export function scannedTiles(tiles: readonly TilePlan[], contexts: readonly ScannedTile[]): TilePlan[] {
  return tiles.flatMap((tp) => {
    const ctx = contexts.find((c) => c.tile === tp.tile);
    if (!ctx) return [];
    const after = new Set(ctx.afterItems.map((a) => a.id));
    return [
      {
        ...tp,
        before: tp.before.filter((i) => ctx.beforeItems.includes(i.id)),
        after: tp.after.filter((i) => after.has(i.id)),
      },
    ];
  });
}

export function scanProductsOf(opts: ProductOptions, input: ProductsInput): Products {
  const { aoi } = opts;
  const { params } = input;
  const scanned = scannedTiles(input.tiles, input.contexts);
  const products = buildProducts(input.contexts, aoi.townships, params);
  const inAoi = <G extends turf.AllGeoJSON>(f: { geometry: G }): boolean =>
    turf.booleanIntersects(f.geometry as never, aoi.geometry);
  const candidates = products.candidates.filter(inAoi);
  const clearings = products.clearings.filter(inAoi);
  const ponds = products.ponds.filter(inAoi);
  const provenance = provenanceOf(scanned.flatMap((tp) => [...tp.before, ...tp.after]));
  const windows = {
    before: { start: opts.before.start, end: opts.before.end },
    after: { start: opts.after.start, end: opts.after.end },
  };
  const report = buildReport({
    aoiName: aoi.name,
    townshipsApproximate: aoi.townships.length > 0,
    windows,
    source: { stac: opts.stac, collection: input.collectionLabel },
    software: input.software,
    candidates: candidateInputs(candidates as unknown as Feature<Geometry, Record<string, unknown>>[]),
    townships: aoi.townships.map((x) => x.name),
    references: input.references,
    provenance,
    itemsUsed: input.itemsUsed,
    minConfidence: params.minConfidence,
    ...(input.completeness.complete ? {} : { incomplete: input.completeness }),
    acquisitions: acquisitionRows(
      {
        before: [...new Map(scanned.flatMap((tp) => tp.before).map((i) => [i.id, i])).values()],
        after: [...new Map(scanned.flatMap((tp) => tp.after).map((i) => [i.id, i])).values()],
      },
      input.offsets,
    ),
    parameters: { ...params },
  });
  return { scannedTiles: scanned, candidates, ponds, clearings, provenance, windows, report };
}
