/** A pond as its published feature. */
import * as turf from '../geo/turf.js';
import type { Feature } from 'geojson';
import type { GeoPond } from './geo-detections.js';
import type { Geom, PondProperties } from './product-properties.js';
import { placeId, r3 } from './published-values.js';
import { poolEstimate } from './pool-estimate.js';

/**
 * Compact and near-rectangular, as a dug pit is (pond-shape.ts): not a ragged char patch nor a
 * shadow band along a slope. A single pixel passes; shape says little below 2 x 2.
 */
export function isDugShape(q: GeoPond): boolean {
  return q.elongation <= 2.5 && q.rectangularity >= 0.75;
}

export function pondFeature(q: GeoPond, clearingId: string | null): Feature<Geom, PondProperties> {
  const pools = poolEstimate([{ waterM2: q.waterM2, peaks: q.peaks }]);
  return turf.feature(q.geometry, {
    // Ponds sit a few metres apart: five decimals (about 1 m) keep their ids distinct.
    id: placeId('pond', q.centroid, 5),
    area_m2: Math.round(q.areaM2),
    water_area_m2: Math.round(q.waterM2),
    kind: q.kind,
    water_fraction_max: r3(q.maxFraction),
    pool_estimate: pools.estimate,
    pool_estimate_low: pools.low,
    pool_estimate_high: pools.high,
    swir_material: q.swir,
    material_green: q.swirGreen === q.swirGreen ? r3(q.swirGreen) : null,
    material_swir16: q.swir16 === q.swir16 ? r3(q.swir16) : null,
    material_swir22: q.swir22 === q.swir22 ? r3(q.swir22) : null,
    elongation: Math.round(q.elongation * 100) / 100,
    rectangularity: Math.round(q.rectangularity * 100) / 100,
    clearing_id: clearingId,
    tile: q.tile,
  });
}
