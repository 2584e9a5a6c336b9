/**
 * A STAC description of a run's outputs, so stac-browser, pystac or QGIS's STAC plugin can open
 * them: `item.json` (one Item per scan or batch window, every output file an asset) and
 * `catalog.json` (a Catalog linking the Items). Hrefs are relative: the folder can move. Pure.
 */
import path from 'node:path';
import type { Geometry } from 'geojson';
import type { Provenance } from './provenance.js';

const STAC_VERSION = '1.0.0';

const MEDIA: Record<string, { type: string; roles: string[] }> = {
  '.geojson': { type: 'application/geo+json', roles: ['data'] },
  '.geojsonl': { type: 'application/geo+json-seq', roles: ['data'] },
  '.fgb': { type: 'application/vnd.flatgeobuf', roles: ['data'] },
  '.csv': { type: 'text/csv', roles: ['data'] },
  '.kml': { type: 'application/vnd.google-earth.kml+xml', roles: ['data'] },
  '.tif': { type: 'image/tiff; application=geotiff; profile=cloud-optimized', roles: ['data'] },
  '.png': { type: 'image/png', roles: ['visual'] },
  '.svg': { type: 'image/svg+xml', roles: ['visual'] },
  '.html': { type: 'text/html', roles: ['metadata'] },
  '.md': { type: 'text/markdown', roles: ['metadata'] },
  '.json': { type: 'application/json', roles: ['metadata'] },
  '.xml': { type: 'application/xml', roles: ['metadata'] },
};

/** Asset key of a relative path: "chips/mw-1-before.png" -> "chips_mw-1-before_png". */
const assetKey = (file: string): string => file.replace(/[^A-Za-z0-9-]/g, '_');

export interface StacItemInput {
  id: string;
  title: string;
  geometry: Geometry;
  bbox: number[];
  /** The after window: the period the results describe. */
  start: string;
  end: string;
  /** Output files, relative to the item's folder. */
  files: readonly string[];
  provenance: Provenance;
  properties: Record<string, unknown>;
}

export function stacItem(x: StacItemInput): Record<string, unknown> {
  const assets = Object.fromEntries(
    [...x.files].sort().map((f) => {
      const m = MEDIA[path.extname(f).toLowerCase()] ?? { type: 'application/octet-stream', roles: ['data'] };
      return [assetKey(f), { href: `./${f}`, type: m.type, roles: m.roles, title: f }];
    }),
  );
  return {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: [],
    id: x.id,
    geometry: x.geometry,
    bbox: x.bbox,
    properties: {
      title: x.title,
      datetime: null,
      start_datetime: `${x.start}T00:00:00Z`,
      end_datetime: `${x.end}T23:59:59Z`,
      ...x.properties,
      'minewatch:attribution': x.provenance.attribution,
      ...(x.provenance.synthetic ? { 'minewatch:synthetic': true } : {}),
    },
    links: [
      { rel: 'root', href: './catalog.json', type: 'application/json' },
      { rel: 'parent', href: './catalog.json', type: 'application/json' },
    ],
    assets,
  };
}

export function stacCatalog(
  id: string,
  description: string,
  items: readonly { href: string; title: string }[],
): Record<string, unknown> {
  return {
    type: 'Catalog',
    stac_version: STAC_VERSION,
    id,
    description,
    links: [
      { rel: 'root', href: './catalog.json', type: 'application/json' },
      ...items.map((i) => ({ rel: 'item', href: i.href, type: 'application/geo+json', title: i.title })),
    ],
  };
}
