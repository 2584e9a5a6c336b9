/**
 * The provenance stage of a scan: run.json, the account of what was read and how. Inputs and
 * parameters, every item found with why any was skipped, completeness, offsets, the pond SWIR
 * test's bands, the tiles as scanned, counts, stage timings and HTTP figures. Pure: every figure
 * is handed in.
 */
import type { OffsetDecision } from '../../catalog/offset-decision.js';
import type { FoundItems, S2Item } from '../../catalog/index.js';
import type { CatalogueChoice } from '../../catalog/providers.js';
import type { DetectParams } from '../../detect/params.js';
import { provenanceMembers } from '../../formats/provenance.js';
import type { HttpClient } from '../../io/http.js';
import type { AllowedHost } from '../asset-policy.js';
import type { Completeness } from '../completeness.js';
import type { SkippedItem, StageClock } from '../runners/types.js';
import type { Products, Software } from './products.js';

/**
 * run.json's account of the pond SWIR test (detect/pond-swir.ts): which after-season items had
 * B12 and were read with it, and which had none, so their ponds were judged on B11 alone.
 */
export function swirProvenance(after: readonly S2Item[]): {
  b12_items: number;
  b11_only_items: string[];
  used: string;
} {
  const without = after.filter((i) => i.assets.swir22 === undefined).map((i) => i.id);
  const withB12 = after.length - without.length;
  return {
    b12_items: withB12,
    b11_only_items: without,
    used:
      without.length === 0
        ? 'B11 and B12'
        : withB12 === 0
          ? 'B11 only: no after-season item has a swir22 (B12) asset'
          : 'B11 and B12 where the item has B12; B11 alone elsewhere',
  };
}

/** The scan options run.json records. */
export interface RunOptions {
  stac: string;
  allowHosts?: readonly AllowedHost[];
  aoi: { name: string };
  maxCloud: number;
  concurrency: number;
}

export interface RunRecordInput {
  software: Software & { node: string };
  clients: {
    catalogue: CatalogueChoice;
    http: Pick<HttpClient, 'stats' | 'concurrency'>;
    /** Counts the SAS tokens fetched, when the profile signs. */
    signer: { tokenRequests: number } | undefined;
  };
  products: Pick<Products, 'windows' | 'scannedTiles' | 'candidates' | 'ponds' | 'clearings' | 'provenance'>;
  params: DetectParams;
  found: FoundItems;
  skipped: readonly SkippedItem[];
  completeness: Completeness;
  offsets: ReadonlyMap<string, OffsetDecision>;
  usable: ReadonlySet<string>;
  timings: {
    /** Seconds per scan stage, in the order they ran. */
    stages: Record<string, number>;
    total: number;
    clock: StageClock;
    evidence: Record<string, number>;
  };
}

/** run.json's content (the scan serialises it). */
export function runRecord(opts: RunOptions, r: RunRecordInput): Record<string, unknown> {
  const { found, timings } = r;
  const { catalogue, http, signer } = r.clients;
  const { windows, candidates, ponds, clearings } = r.products;
  return {
    software: {
      name: 'minewatch',
      version: r.software.version,
      algorithm_version: r.software.algorithm_version,
      node: r.software.node,
    },
    inputs: {
      stac: opts.stac,
      collection: catalogue.collection ?? null,
      provider: catalogue.provider,
      profile: catalogue.profile.profile,
      signing: catalogue.profile.signing,
      allow_hosts: (opts.allowHosts ?? []).map((h) =>
        h.port === undefined ? h.host : `${h.host}:${h.port}`,
      ),
      aoi: opts.aoi.name,
      before: windows.before,
      after: windows.after,
      max_cloud: opts.maxCloud,
      concurrency: opts.concurrency,
    },
    parameters: r.params,
    items: {
      before: found.before.map((i) => i.id),
      after: found.after.map((i) => i.id),
      dropped: found.dropped,
      skipped: r.skipped,
    },
    completeness: r.completeness,
    offsets: Object.fromEntries([...r.offsets.entries()].sort(([a], [b]) => a.localeCompare(b))),
    swir: swirProvenance(found.after.filter((i) => r.usable.has(i.id))),
    tiles: r.products.scannedTiles.map((tp) => ({
      tile: tp.tile,
      epsg: tp.grid.epsg,
      blocks: tp.blocks.length,
      before: tp.before.length,
      after: tp.after.length,
    })),
    counts: { candidates: candidates.length, ponds: ponds.length, clearings: clearings.length },
    timings_s: {
      ...timings.stages,
      total: timings.total,
      block_stages_summed: Object.fromEntries(
        Object.entries(timings.clock).map(([k, v]) => [k, Math.round(v * 1000) / 1000]),
      ),
      evidence_stages: timings.evidence,
    },
    http: {
      ...http.stats,
      concurrency: http.concurrency,
      search_requests: found.requests,
      search_pages: found.pages,
      ...(signer ? { sas_token_requests: signer.tokenRequests } : {}),
    },
    ...provenanceMembers(r.products.provenance),
  };
}
