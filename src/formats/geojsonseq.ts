/**
 * Newline-delimited GeoJSON (GDAL's GeoJSONSeq driver, `.geojsonl`): one Feature per line, so
 * `tippecanoe`, `jq -c` and line-oriented tools stream it without parsing the whole collection.
 * Pure: features in, text out. The attribution, which has no place in a bare Feature sequence,
 * travels on every feature as the `attribution` property.
 */
import type { Feature, Geometry } from 'geojson';

export function geojsonSeq<P extends object>(
  features: readonly Feature<Geometry, P>[],
  attribution: string,
): string {
  return features
    .map(
      (f) =>
        `${JSON.stringify({ type: 'Feature', properties: { ...f.properties, attribution }, geometry: f.geometry })}\n`,
    )
    .join('');
}
