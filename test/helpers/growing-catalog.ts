/**
 * A catalogue that grows between runs, as Earth Search does: a folder whose stac/items.json holds
 * the subset of a generated world's items chosen so far, with the world's assets linked in. The
 * local STAC API serves it; `reload()` after `show()` publishes the new subset.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RawItem {
  id: string;
  properties: { datetime: string } & Record<string, unknown>;
}

export class GrowingCatalog {
  readonly items: RawItem[];
  private readonly doc: Record<string, unknown>;

  constructor(
    readonly world: string,
    readonly root: string,
  ) {
    this.doc = JSON.parse(readFileSync(path.join(world, 'stac', 'items.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    this.items = this.doc.features as RawItem[];
    mkdirSync(path.join(root, 'stac'), { recursive: true });
    copyFileSync(path.join(world, 'stac', 'collection.json'), path.join(root, 'stac', 'collection.json'));
    symlinkSync(path.join(world, 'assets'), path.join(root, 'assets'));
  }

  /** Publishes the items `keep` accepts (call the server's reload() after). Returns their ids. */
  show(keep: (item: RawItem) => boolean): string[] {
    const features = this.items.filter(keep);
    writeFileSync(path.join(this.root, 'stac', 'items.json'), JSON.stringify({ ...this.doc, features }));
    return features.map((f) => f.id);
  }
}

/** The asset paths of a server's byPath counter, grouped by the item folder they belong to. */
export function itemsRead(byPath: Record<string, number> | Map<string, number>): Set<string> {
  const paths = byPath instanceof Map ? [...byPath.keys()] : Object.keys(byPath);
  const items = new Set<string>();
  for (const p of paths) {
    const m = /\/(S2[AB]_[0-9A-Z]+_\d{8}_\d+_L2A)\//.exec(p);
    if (m?.[1]) items.add(m[1]);
  }
  return items;
}
