/**
 * FlatGeobuf output (EPSG:4326) for downstream maps: GDAL, QGIS and tippecanoe read it directly,
 * and it streams where a GeoJSON file must be parsed whole. Pure: features in, bytes out.
 *
 * The library's one-call serialiser takes its column schema from the first feature alone (a null
 * there makes a numeric column textual), fails on an empty collection and names every layer "L1",
 * so this module writes the header itself (layer name, title, description, column types and
 * descriptions from the data dictionary) and uses the library's feature encoder. Every geometry is
 * a MultiPolygon (one layer type, as GeoPackage and Shapefile writers need), dates are DateTime
 * columns and lists are JSON columns (GDAL reads them as JSON strings).
 */
import * as flatbuffers from 'flatbuffers';
import type { Feature, Geometry } from 'geojson';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import type { ColumnMeta } from 'flatgeobuf/lib/mjs/column-meta.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import type { Provenance } from './provenance.js';
import type { PropertyDoc } from './dictionary.js';
import { publishedFeatures } from './layer.js';
import { at } from '../types/checked.js';

type Primitive = string | number | boolean | null;

function inferredKind(values: unknown[]): PropertyDoc['kind'] {
  const v = values.find((x) => x !== null && x !== undefined);
  if (typeof v === 'number')
    return values.every((x) => x === null || x === undefined || Number.isInteger(x)) ? 'integer' : 'real';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'object') return 'list';
  return 'text';
}

const TYPE: Record<PropertyDoc['kind'], ColumnType> = {
  integer: ColumnType.Long,
  real: ColumnType.Double,
  text: ColumnType.String,
  date: ColumnType.DateTime,
  list: ColumnType.Json,
  boolean: ColumnType.Bool,
};

function column(name: string, type: ColumnType, description: string | null): ColumnMeta {
  return {
    name,
    type,
    title: null,
    description,
    width: -1,
    precision: -1,
    scale: -1,
    nullable: true,
    unique: false,
    primary_key: false,
  };
}

function header(name: string, h: HeaderMeta, description: string): Uint8Array {
  const b = new flatbuffers.Builder();
  const cols = Header.createColumnsVector(
    b,
    h.columns!.map((c) => {
      const n = b.createString(c.name);
      const d = c.description ? b.createString(c.description) : 0;
      Column.startColumn(b);
      Column.addName(b, n);
      Column.addType(b, c.type);
      if (d) Column.addDescription(b, d);
      return Column.endColumn(b);
    }),
  );
  const nameOffset = b.createString(name);
  const titleOffset = b.createString(`minewatch ${name}`);
  const descriptionOffset = b.createString(description);
  Crs.startCrs(b);
  Crs.addCode(b, 4326);
  const crs = Crs.endCrs(b);
  Header.startHeader(b);
  Header.addName(b, nameOffset);
  Header.addCrs(b, crs);
  Header.addFeaturesCount(b, BigInt(h.featuresCount));
  Header.addGeometryType(b, h.geometryType);
  Header.addIndexNodeSize(b, 0);
  Header.addColumns(b, cols);
  Header.addTitle(b, titleOffset);
  Header.addDescription(b, descriptionOffset);
  b.finishSizePrefixed(Header.endHeader(b));
  return b.asUint8Array();
}

/**
 * Polygon or MultiPolygon features in WGS84 to a FlatGeobuf layer called `name` (no spatial index).
 * `docs` types and describes the columns; properties it does not list are typed from their values.
 */
export function toFlatGeobuf(
  name: string,
  features: readonly Feature<Geometry, object>[],
  provenance: Provenance,
  docs: Record<string, PropertyDoc> = {},
): Uint8Array {
  const published = publishedFeatures(features);
  const extra: Record<string, Primitive> = { attribution: provenance.attribution };
  if (provenance.synthetic) extra['synthetic'] = true;
  const props = published.map((f) => ({ ...(f.properties as Record<string, unknown>), ...extra }));
  const names = [...new Set(props.flatMap((r) => Object.keys(r)))];
  const kinds = Object.fromEntries(
    names.map((n) => [n, docs[n]?.kind ?? inferredKind(props.map((r) => r[n]))]),
  ) as Record<string, PropertyDoc['kind']>;
  const columns = names.map((n) =>
    column(
      n,
      TYPE[kinds[n]!],
      docs[n] ? `${docs[n].description}${docs[n].unit ? ` (${docs[n].unit})` : ''}` : null,
    ),
  );
  const meta: HeaderMeta = {
    geometryType: GeometryType.MultiPolygon,
    columns,
    envelope: null,
    featuresCount: published.length,
    indexNodeSize: 0,
    crs: null,
    title: null,
    description: null,
    metadata: null,
  };
  const parts: Uint8Array[] = [magicbytes, header(name, meta, provenance.attribution)];
  published.forEach((f, i) => {
    const row = at(props, i);
    // Every column gets a value; null is what the encoder skips, so readers see NULL.
    const values = Object.fromEntries(
      names.map((n) => {
        const v = row[n];
        if (v === undefined || v === null) return [n, null];
        if (kinds[n] === 'list' || typeof v === 'object') return [n, JSON.stringify(v)];
        return [n, v as Primitive];
      }),
    );
    parts.push(buildFeature(parseGeometry(f.geometry), values, meta));
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
