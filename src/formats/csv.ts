/**
 * candidates.csv: one row per candidate for spreadsheets and GIS (QGIS and `ogr2ogr` read the
 * WGS84 point from the `longitude` / `latitude` columns): the centroid first, then every
 * property, lists joined with ';', chips as one column per picture, and the provenance on every
 * row. Pure: features in, text out (RFC 4180 quoting by csv-stringify).
 */
import centroid from '@turf/centroid';
import { stringify } from 'csv-stringify/sync';
import type { Feature, Geometry } from 'geojson';
import type { Provenance } from './provenance.js';
import { CANDIDATE_PROPERTIES } from './dictionary.js';
import { publishedGeometry } from './layer.js';

type Cell = string | number | boolean | null;

function cell(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.join(';');
  if (typeof v === 'object') return JSON.stringify(v);
  return v as Cell;
}

export function candidatesCsv(
  features: readonly Feature<Geometry, Record<string, unknown>>[],
  provenance: Provenance,
): string {
  const present = new Set(features.flatMap((f) => Object.keys(f.properties)));
  const known = Object.keys(CANDIDATE_PROPERTIES).filter(
    (k) => present.has(k) && k !== 'chips' && k !== 'attribution' && k !== 'synthetic',
  );
  const others = [...present].filter((k) => !(k in CANDIDATE_PROPERTIES)).sort();
  const chipKeys = [
    ...new Set(
      features.flatMap((f) =>
        Object.keys((f.properties['chips'] as Record<string, unknown> | undefined) ?? {}),
      ),
    ),
  ];
  const header = [
    'id',
    'longitude',
    'latitude',
    ...known.filter((k) => k !== 'id'),
    ...others,
    ...chipKeys.map((k) => `chip_${k}`),
    'attribution',
    ...(provenance.synthetic ? ['synthetic'] : []),
  ];
  const rows = features.map((f) => {
    const [lon, lat] = centroid(publishedGeometry(f.geometry)).geometry.coordinates as [number, number];
    const chips = (f.properties['chips'] as Record<string, unknown> | undefined) ?? {};
    return [
      cell(f.properties['id']),
      Math.round(lon * 1e6) / 1e6,
      Math.round(lat * 1e6) / 1e6,
      ...known.filter((k) => k !== 'id').map((k) => cell(f.properties[k])),
      ...others.map((k) => cell(f.properties[k])),
      ...chipKeys.map((k) => cell(chips[k])),
      provenance.attribution,
      ...(provenance.synthetic ? [true] : []),
    ];
  });
  return stringify([header, ...rows], { cast: { boolean: (b) => (b ? 'true' : 'false') } });
}
