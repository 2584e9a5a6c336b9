/**
 * From per-tile detections to the products: clearings and ponds in WGS84 with evidence, merged
 * where overlapping tiles (two MGRS tiles, or two UTM zones) saw the same ground, and mine-site
 * candidates: merged clearings holding enough new ponds, scored by `siteConfidence`. Pure.
 */
import * as turf from '../geo/turf.js';
import type { Feature } from 'geojson';
import { dedupePonds, intersects, mergeClearings, unionFindGroups } from './clearing-merge.js';
import { rawSiteScore, siteConfidence } from './confidence.js';
import { toGeo, type GeoPond, type TileContext } from './geo-detections.js';
import type { DetectParams } from './params.js';
import { pondFeature } from './pond-feature.js';
import { poolEstimate } from './pool-estimate.js';
import type {
  CandidateProperties,
  ClearingProperties,
  Geom,
  PondProperties,
  Products,
  Township,
} from './product-properties.js';
import { placeId, r3 } from './published-values.js';
import { siteEvidence, swirConfirmed } from './site-evidence.js';

function townshipOf(townships: readonly Township[], lonLat: [number, number]): string | null {
  const pt = turf.point(lonLat);
  for (const t of townships) if (turf.booleanPointInPolygon(pt, t.geometry)) return t.name;
  return null;
}

export function buildProducts(
  tiles: readonly TileContext[],
  townships: readonly Township[],
  p: DetectParams,
): Products {
  const all = tiles.flatMap(toGeo);
  const real = all.filter((c) => c.pixels > 0);
  const loosePonds = all.filter((c) => c.pixels === 0).flatMap((c) => c.ponds);
  const merged = unionFindGroups(real, (a, b) => a.tiles[0] !== b.tiles[0] && intersects(a, b)).map(
    mergeClearings,
  );
  merged.sort((a, b) => a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);

  const clearings: Feature<Geom, ClearingProperties>[] = [];
  const ponds: Feature<Geom, PondProperties>[] = [];
  const candidates: Feature<Geom, CandidateProperties>[] = [];
  for (const c of merged) {
    const id = placeId('clr', c.centroid);
    const township = townshipOf(townships, c.centroid);
    const cPonds = dedupePonds(c.ponds);
    // Published: pond blobs (one ponds.geojson feature each; neighbours merged at 10 m count once).
    // The site rule and the confidence weigh water-fraction peaks (site-evidence.ts).
    const pondCount = cPonds.length;
    clearings.push(
      turf.feature(c.geometry, {
        id,
        area_m2: Math.round(c.areaM2),
        ndvi_before: r3(c.ndviBefore),
        ndvi_after: r3(c.ndviAfter),
        pond_count: pondCount,
        clear_observations_before: r3(c.clearBefore),
        clear_observations_after: r3(c.clearAfter),
        obscured_fraction: r3(c.obscuredFraction),
        tiles: c.tiles,
        ...(township ? { township } : {}),
      }),
    );
    for (const q of cPonds) ponds.push(pondFeature(q, id));
    const evidence = siteEvidence(c, cPonds, p);
    if (!evidence) continue;
    const byKind = (k: GeoPond['kind']): number => cPonds.filter((q) => q.kind === k).length;
    const waterM2 = cPonds.reduce((s, q) => s + q.waterM2, 0);
    const confidence = siteConfidence(evidence);
    if (confidence < p.minConfidence) continue;
    const pools = poolEstimate(cPonds.map((q) => ({ waterM2: q.waterM2, peaks: q.peaks })));
    candidates.push(
      turf.feature(c.geometry, {
        id: placeId('mw', c.centroid),
        confidence,
        score_uncalibrated: r3(rawSiteScore(evidence)),
        corroboration: evidence.corroboration,
        area_m2: Math.round(c.areaM2),
        cleared_area_m2: Math.round(Math.max(0, c.areaM2 - waterM2)),
        pond_count: pondCount,
        pool_estimate: pools.estimate,
        pool_estimate_low: pools.low,
        pool_estimate_high: pools.high,
        pond_area_m2: Math.round(waterM2),
        swir_confirmed_ponds: swirConfirmed(cPonds),
        turquoise_ponds: byKind('turquoise'),
        dark_ponds: byKind('dark'),
        turbid_ponds: byKind('turbid'),
        ndvi_before: r3(c.ndviBefore),
        ndvi_after: r3(c.ndviAfter),
        first_seen: c.firstSeen ?? null,
        township,
        items: c.items,
        tiles: c.tiles,
        clear_observations_before: r3(c.clearBefore),
        clear_observations_after: r3(c.clearAfter),
        obscured_fraction: r3(c.obscuredFraction),
        restored_observations: c.restored,
      }),
    );
  }
  for (const q of dedupePonds(loosePonds)) ponds.push(pondFeature(q, null));
  return { candidates, clearings, ponds };
}
