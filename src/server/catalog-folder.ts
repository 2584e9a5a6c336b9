/**
 * Reads a catalog folder (what the world generator writes, or any folder of STAC documents and files)
 * and publishes its STAC documents under this server's URLs.
 *
 * ```
 * <root>/stac/collection.json   a STAC Collection (optional: missing collections are synthesised)
 * <root>/stac/items.json        a STAC ItemCollection; asset hrefs relative to this file
 * <root>/assets/...             the files the asset hrefs point at
 * ```
 * Relative asset hrefs that land inside `<root>/assets` become `http://HOST:PORT/assets/...`; absolute
 * hrefs (https:, s3:, file:, ...) pass through untouched, so SSRF fixtures reach the client as written.
 * Structural links (self, parent, collection, root, items) are replaced by links to this server, in the
 * order stac-server writes them; links to the source API's endpoints (queryables, aggregate, thumbnail)
 * and relative links are dropped; other absolute links (license, cite-as, derived_from) are kept.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import type { BBox, StacAsset, StacCollection, StacItem, StacLink } from './stac-types.js';
import { at } from '../types/checked.js';

export interface CatalogFolderPaths {
  root: string;
  itemsFile: string;
  collectionFile: string;
  assetsDir: string;
}

export function catalogFolderPaths(root: string): CatalogFolderPaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    itemsFile: path.join(abs, 'stac', 'items.json'),
    collectionFile: path.join(abs, 'stac', 'collection.json'),
    assetsDir: path.join(abs, 'assets'),
  };
}

const LinkSchema = z.looseObject({ rel: z.string(), href: z.string() });

const ItemSchema = z.looseObject({
  type: z.literal('Feature'),
  id: z.string().min(1),
  collection: z.string().min(1).optional(),
  geometry: z.looseObject({ type: z.string() }).nullable(),
  bbox: z.array(z.number()).optional(),
  properties: z.looseObject({ datetime: z.string().nullable().optional() }),
  links: z.array(LinkSchema).default([]),
  assets: z.record(z.string(), z.looseObject({ href: z.string() })).default({}),
});

const ItemCollectionSchema = z.looseObject({
  type: z.literal('FeatureCollection'),
  features: z.array(ItemSchema),
});

const CollectionSchema = z.looseObject({
  type: z.literal('Collection'),
  id: z.string().min(1),
  links: z.array(LinkSchema).default([]),
});

/** A world folder that is missing, unreadable or not what the server expects: the user's input. */
export class CatalogFolderError extends InvalidInputError {}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CatalogFolderError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CatalogFolderError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new CatalogFolderError(
      `${file} is not what the catalogue server expects:\n${z.prettifyError(result.error)}`,
    );
  }
  return result.data;
}

export interface CatalogFolder {
  collections: StacCollection[];
  items: StacItem[];
}

function synthesiseCollection(id: string, items: StacItem[]): StacCollection {
  const mine = items.filter((i) => i.collection === id);
  const boxes = mine.map((i) => i.bbox).filter((b): b is number[] => Array.isArray(b) && b.length >= 4);
  const spatial: BBox =
    boxes.length > 0
      ? [
          Math.min(...boxes.map((b) => at(b, 0))),
          Math.min(...boxes.map((b) => at(b, 1))),
          Math.max(...boxes.map((b) => at(b, b.length === 6 ? 3 : 2))),
          Math.max(...boxes.map((b) => at(b, b.length === 6 ? 4 : 3))),
        ]
      : [-180, -90, 180, 90];
  const times = mine
    .map((i) => i.properties['datetime'])
    .filter((t): t is string => typeof t === 'string')
    .sort();
  return {
    type: 'Collection',
    id,
    stac_version: '1.0.0',
    description: `Collection ${id} (synthesised by the local catalogue server)`,
    license: 'proprietary',
    extent: {
      spatial: { bbox: [spatial] },
      temporal: { interval: [[times[0] ?? null, times[times.length - 1] ?? null]] },
    },
    links: [],
  };
}

/** Reads and validates the world's STAC files. Throws `CatalogFolderError` naming the file at fault. */
export async function loadCatalogFolder(paths: CatalogFolderPaths): Promise<CatalogFolder> {
  const itemCollection = parseWith(ItemCollectionSchema, await readJson(paths.itemsFile), paths.itemsFile);
  const collections: StacCollection[] = [];
  const hasCollectionFile = await access(paths.collectionFile).then(
    () => true,
    () => false,
  );
  if (hasCollectionFile) {
    const c: StacCollection = parseWith(
      CollectionSchema,
      await readJson(paths.collectionFile),
      paths.collectionFile,
    );
    collections.push(c);
  }
  const defaultCollection = collections.length === 1 ? collections[0]?.id : undefined;
  const items: StacItem[] = itemCollection.features.map((f, i) => {
    const collection = f.collection ?? defaultCollection;
    if (!collection) {
      throw new CatalogFolderError(`${paths.itemsFile}: feature ${i} (${f.id}) has no "collection"`);
    }
    return { ...f, collection } as StacItem;
  });
  for (const id of new Set(items.map((i) => i.collection))) {
    if (!collections.some((c) => c.id === id)) collections.push(synthesiseCollection(id, items));
  }
  return { collections, items };
}

/** Where published documents point: the STAC API root (no trailing slash) and the assets base. */
export interface PublishContext {
  /** The API root without a trailing slash, to append paths to (`http://h:p/v1` or `http://h:p`). */
  apiRoot: string;
  /** The API root as links name it (`http://h:p/v1`, or `http://h:p/` without a base path). */
  rootHref: string;
  assetsBase: URL;
  paths: CatalogFolderPaths;
}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Rewrites one href relative to items.json into an asset URL on this server; others pass through. */
export function publishHref(href: string, ctx: PublishContext): string {
  if (HAS_SCHEME.test(href) || href.startsWith('//')) return href;
  let file: string;
  try {
    file = fileURLToPath(new URL(href, pathToFileURL(ctx.paths.itemsFile)));
  } catch {
    return href;
  }
  const rel = path.relative(ctx.paths.assetsDir, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return href;
  const encoded = rel.split(path.sep).map(encodeURIComponent).join('/');
  return new URL(encoded, ctx.assetsBase).href;
}

/**
 * Links that name endpoints of the API a document came from (Earth Search's queryables, aggregations,
 * thumbnails...): dropped, so that a client never follows them off this server.
 */
const API_ENDPOINT_RELS = new Set([
  'http://www.opengis.net/def/rel/ogc/1.0/queryables',
  'aggregate',
  'aggregations',
  'search',
  'conformance',
  'data',
  'service-desc',
  'service-doc',
  'next',
  'prev',
  'thumbnail',
]);
const ITEM_STRUCTURAL = new Set(['self', 'parent', 'collection', 'root', ...API_ENDPOINT_RELS]);
const COLLECTION_STRUCTURAL = new Set([
  'self',
  'parent',
  'root',
  'items',
  'child',
  'item',
  ...API_ENDPOINT_RELS,
]);

function keptLinks(links: StacLink[], structural: Set<string>): StacLink[] {
  return links.filter((l) => !structural.has(l.rel) && HAS_SCHEME.test(l.href));
}

export function collectionUrl(ctx: PublishContext, collectionId: string): string {
  return `${ctx.apiRoot}/collections/${encodeURIComponent(collectionId)}`;
}

/** A copy of the item with asset hrefs and links on this server. */
export function publishItem(item: StacItem, ctx: PublishContext): StacItem {
  const collUrl = collectionUrl(ctx, item.collection);
  const assets: Record<string, StacAsset> = {};
  for (const [key, asset] of Object.entries(item.assets)) {
    assets[key] = { ...asset, href: publishHref(asset.href, ctx) };
  }
  const links: StacLink[] = [
    {
      rel: 'self',
      type: 'application/geo+json',
      href: `${collUrl}/items/${encodeURIComponent(item.id)}`,
    },
    ...keptLinks(item.links, ITEM_STRUCTURAL),
    { rel: 'parent', type: 'application/json', href: collUrl },
    { rel: 'collection', type: 'application/json', href: collUrl },
    { rel: 'root', type: 'application/json', href: ctx.rootHref },
  ];
  return { ...item, type: 'Feature', links, assets };
}

/** A copy of the collection with its links on this server. */
export function publishCollection(collection: StacCollection, ctx: PublishContext): StacCollection {
  const self = collectionUrl(ctx, collection.id);
  const links: StacLink[] = [
    { rel: 'self', type: 'application/json', href: self, title: collection.id },
    ...keptLinks(collection.links, COLLECTION_STRUCTURAL),
    { rel: 'parent', type: 'application/json', href: ctx.rootHref, title: 'Catalog' },
    { rel: 'root', type: 'application/json', href: ctx.rootHref, title: 'Catalog' },
    { rel: 'items', type: 'application/geo+json', href: `${self}/items`, title: 'Items' },
  ];
  return { ...collection, links };
}
