/**
 * The slice of the STAC data model the local catalogue server needs. Loose on purpose: the server passes
 * through every member it does not understand, exactly as Earth Search does.
 */
import type { Geometry } from 'geojson';

export type BBox = [number, number, number, number];

export interface StacLink {
  rel: string;
  href: string;
  type?: string;
  title?: string;
  method?: string;
  body?: Record<string, unknown>;
  merge?: boolean;
  [key: string]: unknown;
}

export interface StacAsset {
  href: string;
  type?: string;
  roles?: string[];
  [key: string]: unknown;
}

export interface StacItem {
  type: 'Feature';
  stac_version?: string;
  stac_extensions?: string[];
  id: string;
  collection: string;
  geometry: Geometry | null;
  bbox?: number[];
  properties: Record<string, unknown>;
  links: StacLink[];
  assets: Record<string, StacAsset>;
  [key: string]: unknown;
}

export interface StacCollection {
  type: 'Collection';
  id: string;
  links: StacLink[];
  [key: string]: unknown;
}

/** Properties whose string values are compared as instants rather than text. */
const TIME_FIELDS = new Set(['datetime', 'start_datetime', 'end_datetime', 'created', 'updated']);

/** Strips the `properties.` prefix stac-server expects on sort and query fields. */
export function bareFieldName(field: string): string {
  return field.startsWith('properties.') ? field.slice('properties.'.length) : field;
}

export function isTimeField(field: string): boolean {
  return TIME_FIELDS.has(bareFieldName(field));
}

/**
 * Reads a queryable field: `id` and `collection` from the item itself, anything else (with or without a
 * `properties.` prefix) from `properties`.
 */
export function readField(item: StacItem, field: string): unknown {
  if (field === 'id') return item.id;
  if (field === 'collection') return item.collection;
  if (field === 'geometry') return item.geometry;
  return item.properties[bareFieldName(field)];
}
