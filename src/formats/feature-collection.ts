/**
 * A scan's features as RFC 7946 FeatureCollection text: WGS84, no `crs`, a `bbox`, CCW exteriors
 * from the vectoriser, MultiPolygons of 7-decimal coordinates with valid rings, and where the
 * pixels came from (the Copernicus attribution, or `synthetic: true`). Pure: features in, text out.
 */
import type { Feature, GeoJsonProperties, Geometry } from 'geojson';
import * as turf from '../geo/turf.js';
import { publishedFeatures } from './layer.js';
import { provenanceMembers, type Provenance } from './provenance.js';

export function featureCollection<P extends GeoJsonProperties>(
  features: readonly Feature<Geometry, P>[],
  provenance: Provenance,
  name: string,
): string {
  const published = publishedFeatures(features);
  const fc = turf.featureCollection(published);
  const bbox = published.length > 0 ? turf.bbox(fc).map((v) => Math.round(v * 1e7) / 1e7) : undefined;
  // Key order: type, name, attribution, synthetic, bbox, features; one feature per line keeps
  // diffs readable.
  const head = JSON.stringify({
    type: 'FeatureCollection',
    name,
    ...provenanceMembers(provenance),
    ...(bbox ? { bbox } : {}),
  }).slice(0, -1);
  const body = published
    .map((f) => JSON.stringify({ type: 'Feature', properties: f.properties, geometry: f.geometry }))
    .join(',\n');
  return `${head},"features":[\n${body}\n]}\n`;
}
