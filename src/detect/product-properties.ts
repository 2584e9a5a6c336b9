/** The properties of the published features: clearings, ponds and mine-site candidates. */
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { SwirVerdict } from './pond-swir.js';

export type Geom = Polygon | MultiPolygon;

export interface ClearingProperties {
  id: string;
  area_m2: number;
  ndvi_before: number;
  ndvi_after: number;
  pond_count: number;
  clear_observations_before: number;
  clear_observations_after: number;
  obscured_fraction: number;
  tiles: string[];
  township?: string;
}

export interface PondProperties {
  id: string;
  area_m2: number;
  water_area_m2: number;
  kind: 'turquoise' | 'dark' | 'turbid';
  water_fraction_max: number;
  /** Pools this blob holds (pool-estimate.ts): merged neighbours counted from its water area. */
  pool_estimate: number;
  pool_estimate_low: number;
  pool_estimate_high: number;
  /** What the pond's SWIR says its material is (pond-swir.ts). */
  swir_material: SwirVerdict;
  /** Implied reflectance of the pond material (unmixed at 20 m); null where unknown. */
  material_green: number | null;
  material_swir16: number | null;
  material_swir22: number | null;
  elongation: number;
  rectangularity: number;
  clearing_id: string | null;
  tile: string;
}

export interface CandidateProperties {
  id: string;
  confidence: number;
  /** The logistic score before calibration (confidence.ts), what fit-calibration fits on. */
  score_uncalibrated: number;
  /** What corroborates its ponds' colour (confidence.ts SiteEvidence.corroboration). */
  corroboration: 'strong' | 'partial' | 'none';
  area_m2: number;
  cleared_area_m2: number;
  pond_count: number;
  /** Pools these blobs hold: neighbours 5-16 m apart merge into one blob at 10 m (pool-estimate.ts). */
  pool_estimate: number;
  pool_estimate_low: number;
  pool_estimate_high: number;
  pond_area_m2: number;
  /** Ponds whose material the SWIR test says is water (pond-swir.ts): not char, ash or shadow. */
  swir_confirmed_ponds: number;
  turquoise_ponds: number;
  dark_ponds: number;
  turbid_ponds: number;
  ndvi_before: number;
  ndvi_after: number;
  first_seen: string | null;
  township: string | null;
  items: string[];
  tiles: string[];
  clear_observations_before: number;
  clear_observations_after: number;
  obscured_fraction: number;
  restored_observations: number;
}

export interface Products {
  candidates: Feature<Geom, CandidateProperties>[];
  clearings: Feature<Geom, ClearingProperties>[];
  ponds: Feature<Geom, PondProperties>[];
}

export interface Township {
  name: string;
  geometry: Geom;
}
