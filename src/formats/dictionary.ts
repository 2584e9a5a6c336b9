/**
 * What each published property means, in one place: FlatGeobuf column descriptions, the CSV and
 * KML writers and docs/outputs.md (which explains them at length) say the same. `kind` decides
 * the column type where a format has types. Pure data.
 */

export type PropertyKind = 'integer' | 'real' | 'text' | 'date' | 'list' | 'boolean';

export interface PropertyDoc {
  kind: PropertyKind;
  /** Unit, when the value has one. */
  unit?: string;
  description: string;
}

/** One pond, as the published counts use the word. */
export const POND_DEFINITION =
  'a pond is one connected blob of new open-water pixels at 10 m (one feature of ponds.geojson); pools closer together than a pixel or two merge into one blob and count once';

const common: Record<string, PropertyDoc> = {
  id: { kind: 'text', description: 'Stable id from the place (latitude, longitude of the centroid)' },
  area_m2: { kind: 'integer', unit: 'm²', description: 'Area of the outline' },
  ndvi_before: { kind: 'real', description: 'Mean NDVI of the before-season composite inside the outline' },
  ndvi_after: { kind: 'real', description: 'Mean NDVI of the after-season composite inside the outline' },
  pond_count: { kind: 'integer', description: `Ponds in it: ${POND_DEFINITION}` },
  township: {
    kind: 'text',
    description: 'Township whose (approximate) area holds the centroid; null outside them',
  },
  tiles: { kind: 'list', description: 'MGRS tiles that saw it' },
  clear_observations_before: {
    kind: 'real',
    description: 'Mean number of clear (SCL) before-season acquisitions per pixel',
  },
  clear_observations_after: {
    kind: 'real',
    description: 'Mean number of clear (SCL) after-season acquisitions per pixel',
  },
  obscured_fraction: {
    kind: 'real',
    description: 'Share of its pixels with no clear after-season acquisition (cloud, shadow)',
  },
  attribution: {
    kind: 'text',
    description: 'Where the pixels came from (Copernicus attribution or synthetic notice)',
  },
  synthetic: { kind: 'boolean', description: 'Present and true when the imagery was synthetic' },
};

export const CANDIDATE_PROPERTIES: Record<string, PropertyDoc> = {
  id: common.id!,
  confidence: { kind: 'real', description: 'Calibrated confidence 0..1 that this is a new mine site' },
  area_m2: common.area_m2!,
  cleared_area_m2: { kind: 'integer', unit: 'm²', description: 'Area cleared of forest, ponds excluded' },
  pond_count: common.pond_count!,
  pool_estimate: {
    kind: 'real',
    description: 'Estimated number of real pools (when the detector provides it)',
  },
  pool_estimate_low: { kind: 'real', description: 'Lower bound of pool_estimate' },
  pool_estimate_high: { kind: 'real', description: 'Upper bound of pool_estimate' },
  pond_area_m2: {
    kind: 'integer',
    unit: 'm²',
    description: 'Open-water area of its ponds (sub-pixel fractions summed)',
  },
  turquoise_ponds: {
    kind: 'integer',
    description: 'Of pond_count: bright turquoise (leach liquor, blue plastic)',
  },
  dark_ponds: { kind: 'integer', description: 'Of pond_count: dark water or black plastic' },
  turbid_ponds: { kind: 'integer', description: 'Of pond_count: turbid, sediment-laden water' },
  ndvi_before: common.ndvi_before!,
  ndvi_after: common.ndvi_after!,
  first_seen: { kind: 'date', description: 'Date of the first clear after-season acquisition that shows it' },
  township: common.township!,
  items: { kind: 'list', description: 'STAC item ids whose pixels fed it' },
  tiles: common.tiles!,
  clear_observations_before: common.clear_observations_before!,
  clear_observations_after: common.clear_observations_after!,
  obscured_fraction: common.obscured_fraction!,
  restored_observations: {
    kind: 'integer',
    description:
      'Pixel observations SCL called cloud that the spectrum showed to be bright water, used as clear',
  },
  chips: { kind: 'text', description: 'Relative paths of its chips (JSON object)' },
  attribution: common.attribution!,
  synthetic: common.synthetic!,
};

export const POND_PROPERTIES: Record<string, PropertyDoc> = {
  id: common.id!,
  area_m2: common.area_m2!,
  water_area_m2: { kind: 'integer', unit: 'm²', description: 'Open-water area (sub-pixel fractions summed)' },
  pond_count: { kind: 'integer', description: 'Where present, 1: each feature is one pond' },
  kind: { kind: 'text', description: 'turquoise, dark or turbid (see docs/outputs.md)' },
  water_fraction_max: { kind: 'real', description: 'Largest open-water fraction of any of its pixels, 0..1' },
  clearing_id: { kind: 'text', description: 'Id of the clearing it lies in (clr-...), null when in none' },
  tile: { kind: 'text', description: 'MGRS tile it was seen in' },
  pool_estimate: CANDIDATE_PROPERTIES.pool_estimate!,
  pool_estimate_low: CANDIDATE_PROPERTIES.pool_estimate_low!,
  pool_estimate_high: CANDIDATE_PROPERTIES.pool_estimate_high!,
  attribution: common.attribution!,
  synthetic: common.synthetic!,
};

export const CLEARING_PROPERTIES: Record<string, PropertyDoc> = {
  id: common.id!,
  area_m2: common.area_m2!,
  ndvi_before: common.ndvi_before!,
  ndvi_after: common.ndvi_after!,
  pond_count: common.pond_count!,
  clear_observations_before: common.clear_observations_before!,
  clear_observations_after: common.clear_observations_after!,
  obscured_fraction: common.obscured_fraction!,
  tiles: common.tiles!,
  township: common.township!,
  attribution: common.attribution!,
  synthetic: common.synthetic!,
};

export const LAYER_PROPERTIES: Record<string, Record<string, PropertyDoc>> = {
  candidates: CANDIDATE_PROPERTIES,
  ponds: POND_PROPERTIES,
  clearings: CLEARING_PROPERTIES,
  townships: {
    name: { kind: 'text', description: 'Township name' },
    attribution: common.attribution!,
    synthetic: common.synthetic!,
  },
};
