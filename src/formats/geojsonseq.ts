/**
 * Newline-delimited GeoJSON (GDAL's GeoJSONSeq driver, `.geojsonl`): one Feature per line, so
 * `tippecanoe`, `jq -c` and line-oriented tools stream it without parsing the whole collection.
 * Pure: features in, text out. The provenance, which has no place in a bare Feature sequence,
 * travels on every feature as the `attribution` (and, when synthetic, `synthetic`) properties;
 * geometries are the published MultiPolygons.
 */
import type { Feature, Geometry } from 'geojson';
import { provenanceMembers, type Provenance } from './provenance.js';
import { publishedFeatures } from './layer.js';

export function geojsonSeq<P extends object>(
  features: readonly Feature<Geometry, P>[],
  provenance: Provenance,
): string {
  const extra = provenanceMembers(provenance);
  return publishedFeatures(features)
    .map(
      (f) =>
        `${JSON.stringify({ type: 'Feature', properties: { ...f.properties, ...extra }, geometry: f.geometry })}\n`,
    )
    .join('');
}
