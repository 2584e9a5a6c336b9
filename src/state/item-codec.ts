/**
 * STAC items as the ledger stores them. A re-scan composites a tile from every acquisition of the
 * window, including ones an earlier run found and the search no longer returns (the look-back only
 * reaches so far), so the ledger keeps each item whole. Dates and URLs round-trip as strings.
 */
import { z } from 'zod';
import {
  assetKeysOf,
  S2_ASSET_KEYS,
  S2_OPTIONAL_ASSET_KEYS,
  type S2Asset,
  type S2AnyAssetKey,
  type S2Assets,
  type S2Item,
} from '../catalog/item.js';
import { InternalError } from '../errors.js';

type Stored = Omit<S2Item, 'datetime' | 'assets'> & {
  datetime: string;
  assets: Partial<Record<S2AnyAssetKey, Omit<S2Asset, 'href'> & { href: string }>>;
};

export function encodeItem(item: S2Item): string {
  const assets = Object.fromEntries(
    assetKeysOf(item).map((k) => {
      const a = item.assets[k] as S2Asset;
      return [k, { ...a, href: a.href.href }];
    }),
  ) as Stored['assets'];
  const stored: Stored = { ...item, datetime: item.datetime.toISOString(), assets };
  return JSON.stringify(stored);
}

const StoredShape = z.looseObject({
  id: z.string(),
  datetime: z.string(),
  assets: z.record(z.string(), z.looseObject({ href: z.string() })),
});

export function decodeItem(text: string): S2Item {
  const raw = StoredShape.parse(JSON.parse(text)) as unknown as Stored;
  const assets = Object.fromEntries(
    S2_ASSET_KEYS.map((k) => {
      const a = raw.assets[k];
      if (!a) throw new InternalError(`ledger item ${raw.id} lacks asset ${k}`);
      return [k, { ...a, href: new URL(a.href) }];
    }),
  ) as S2Assets;
  for (const k of S2_OPTIONAL_ASSET_KEYS) {
    const a = raw.assets[k];
    if (a) assets[k] = { ...a, href: new URL(a.href) };
  }
  return { ...raw, datetime: new Date(raw.datetime), assets };
}
