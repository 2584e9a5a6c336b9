/**
 * `--stac` as a local file: a STAC ItemCollection (a FeatureCollection of Items), a single Item, or a
 * static Catalog/Collection whose `child` and `item` links are walked (with a cap on documents and
 * depth, and a visited set so a cycle ends). Asset hrefs stay relative to the file that held the item,
 * which is why items come back grouped by the file URL they resolve against. The search filters are
 * applied client-side, exactly as for an API (filters.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidInputError } from '../errors.js';
import { rawItemMatches, type SearchFilters } from './filters.js';

export interface LocalItemGroup {
  /** file: URL of the document the items were read from: their relative hrefs resolve against it. */
  base: URL;
  items: unknown[];
}

export interface LocalCatalogOptions {
  /** More JSON documents than this is an error; default 10,000. */
  maxDocuments?: number;
  /** Deeper `child` nesting than this is an error; default 32. */
  maxDepth?: number;
}

export interface LocalCatalog {
  groups: LocalItemGroup[];
  /** JSON files read. */
  documents: number;
}

type Json = Record<string, unknown>;

function asObject(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

/** A path, or a file: URL, to an absolute file: URL. */
export function localCatalogUrl(location: string | URL): URL {
  if (location instanceof URL) return location;
  if (/^file:/i.test(location)) return new URL(location);
  return pathToFileURL(path.resolve(location));
}

async function readJson(url: URL, signal: AbortSignal | undefined): Promise<Json> {
  const file = fileURLToPath(url);
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', ...(signal ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new InvalidInputError(`--stac ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`--stac ${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const obj = asObject(json);
  if (!obj) throw new InvalidInputError(`--stac ${file}: not a JSON object`);
  return obj;
}

function linkUrl(link: Json, base: URL): URL {
  const href = link['href'];
  let url: URL | undefined;
  if (typeof href === 'string') {
    try {
      url = new URL(href, base);
    } catch {
      url = undefined;
    }
  }
  if (!url || url.protocol !== 'file:') {
    throw new InvalidInputError(
      `--stac ${fileURLToPath(base)}: ${String(link['rel'])} link ${JSON.stringify(href)} is not a local file (only relative or file: links are followed)`,
    );
  }
  url.hash = '';
  return url;
}

/** Reads every item reachable from the file. */
export async function readLocalCatalog(
  location: string | URL,
  opts: LocalCatalogOptions = {},
  signal?: AbortSignal,
): Promise<LocalCatalog> {
  const maxDocuments = opts.maxDocuments ?? 10_000;
  const maxDepth = opts.maxDepth ?? 32;
  const start = localCatalogUrl(location);
  const groups: LocalItemGroup[] = [];
  const visited = new Set<string>();
  let documents = 0;

  const visit = async (url: URL, depth: number, expect: 'any' | 'item'): Promise<void> => {
    if (visited.has(url.href)) return; // a cycle, or the same item linked twice
    visited.add(url.href);
    if (++documents > maxDocuments) {
      throw new InvalidInputError(
        `--stac ${fileURLToPath(start)}: more than ${maxDocuments} documents in the catalogue`,
      );
    }
    if (depth > maxDepth) {
      throw new InvalidInputError(
        `--stac ${fileURLToPath(start)}: catalogue nested deeper than ${maxDepth} levels at ${fileURLToPath(url)}`,
      );
    }
    signal?.throwIfAborted();
    const doc = await readJson(url, signal);
    const type = doc['type'];
    if (type === 'Feature') {
      groups.push({ base: url, items: [doc] });
      return;
    }
    if (expect === 'any' && type === 'FeatureCollection') {
      const features = doc['features'];
      if (!Array.isArray(features))
        throw new InvalidInputError(
          `--stac ${fileURLToPath(url)}: FeatureCollection without a "features" array`,
        );
      groups.push({ base: url, items: features });
      return;
    }
    if (expect === 'any' && (type === 'Catalog' || type === 'Collection')) {
      const links = Array.isArray(doc['links']) ? doc['links'].map(asObject) : [];
      for (const link of links) {
        if (link?.['rel'] === 'child') await visit(linkUrl(link, url), depth + 1, 'any');
        else if (link?.['rel'] === 'item') await visit(linkUrl(link, url), depth + 1, 'item');
      }
      return;
    }
    throw new InvalidInputError(
      `--stac ${fileURLToPath(url)}: type ${JSON.stringify(type)} is not ${expect === 'item' ? 'an Item (Feature)' : 'an ItemCollection, Item, Catalog or Collection'}`,
    );
  };

  await visit(start, 0, 'any');
  return { groups, documents };
}

/** A local catalogue searched like an API: the same filters, applied here. */
export async function searchLocalCatalog(
  location: string | URL,
  filters: SearchFilters,
  opts: LocalCatalogOptions = {},
  signal?: AbortSignal,
): Promise<LocalCatalog & { filteredOut: number }> {
  const all = await readLocalCatalog(location, opts, signal);
  let filteredOut = 0;
  const groups: LocalItemGroup[] = [];
  for (const g of all.groups) {
    const items = g.items.filter((i) => rawItemMatches(i, filters));
    filteredOut += g.items.length - items.length;
    if (items.length > 0) groups.push({ base: g.base, items });
  }
  return { groups, documents: all.documents, filteredOut };
}
