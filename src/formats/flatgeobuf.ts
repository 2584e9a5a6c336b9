/**
 * FlatGeobuf output (EPSG:4326) for downstream maps: GDAL, QGIS and tippecanoe read it directly,
 * and it streams where a GeoJSON file must be parsed whole. Pure: features in, bytes out.
 *
 * The library's one-call serialiser takes its column schema from the first feature alone (a null
 * there makes a numeric column textual) and fails on an empty collection, so this module builds
 * the schema itself from every feature and uses the library's header and feature encoders. Every
 * geometry becomes a MultiPolygon (one layer type, as GeoPackage and GeoParquet writers prefer) and
 * nested values (arrays, objects) become JSON text, which every reader understands.
 */
import type { MultiPolygon, Polygon, Feature } from 'geojson';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';

type Primitive = string | number | boolean | null;

function flatProperties(p: object, attribution: string): Record<string, Primitive> {
  const out: Record<string, Primitive> = {};
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null) out[k] = null;
    else if (typeof v === 'object') out[k] = JSON.stringify(v);
    else out[k] = v as Primitive;
  }
  out['attribution'] = attribution;
  return out;
}

function columnType(values: Primitive[]): ColumnType {
  const v = values.find((x) => x !== null);
  if (typeof v === 'number')
    return values.every((x) => x === null || Number.isInteger(x)) ? ColumnType.Long : ColumnType.Double;
  if (typeof v === 'boolean') return ColumnType.Bool;
  return ColumnType.String;
}

function column(name: string, type: ColumnType): ColumnMeta {
  return {
    name,
    type,
    title: null,
    description: null,
    width: -1,
    precision: -1,
    scale: -1,
    nullable: true,
    unique: false,
    primary_key: false,
  };
}

/** Polygon or MultiPolygon features in WGS84 to a FlatGeobuf file (no spatial index). */
export function toFlatGeobuf(
  features: readonly Feature<Polygon | MultiPolygon, object>[],
  attribution: string,
): Uint8Array {
  const rows = features.map((f) => flatProperties(f.properties, attribution));
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns = names.map((n) => column(n, columnType(rows.map((r) => r[n] ?? null))));
  const header: HeaderMeta = {
    geometryType: GeometryType.MultiPolygon,
    columns,
    envelope: null,
    featuresCount: features.length,
    indexNodeSize: 0,
    crs: null,
    title: null,
    description: null,
    metadata: null,
  };
  const parts: Uint8Array[] = [magicbytes, buildHeader(header, 4326)];
  features.forEach((f, i) => {
    const g = f.geometry;
    const multi: MultiPolygon =
      g.type === 'MultiPolygon' ? g : { type: 'MultiPolygon', coordinates: [g.coordinates] };
    // Every column gets a value; null is what the encoder skips, so readers see NULL.
    const props = Object.fromEntries(names.map((n) => [n, rows[i]![n] ?? null]));
    parts.push(buildFeature(parseGeometry(multi), props, header));
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
