/**
 * Stage 2 of a scan: every asset of every item opened and its COG header read, all at once (the
 * I/O queue bounds them). An item with an asset refused, unreadable or off its grid is skipped
 * with the reason; the others are usable. Sources come from the `open` handed in.
 */
import { assetKeysOf, type S2Asset, type S2Item } from '../../catalog/item.js';
import type { ByteSource } from '../../io/byte-source.js';
import { readCogHeader } from '../../io/cog-header.js';
import { InvalidInputError } from '../../errors.js';
import type { OpenedAsset } from '../block-reader.js';
import { gridMismatch } from '../grid-check.js';
import type { IoQueue } from '../queue.js';
import type { SkippedItem } from '../runners/types.js';
import type { BandKey } from '../tasks/scan-block.js';

export interface OpenAssetsInput {
  items: readonly S2Item[];
  /** The asset policy: the HTTP client checks every request and redirect; file: hrefs are checked here. */
  allow: (url: URL) => boolean;
  /** The byte source of one asset (HTTP or file, wrapped with a re-scan's cache or not). */
  open: (item: S2Item, href: URL) => ByteSource;
  io: IoQueue;
}

export interface OpenedAssets {
  /** By `${item.id}/${band}`; closed by the scan once its tiles are done (or on failure). */
  opened: Map<string, OpenedAsset>;
  /** Items whose every asset opened on its grid. */
  usable: Set<string>;
  skipped: SkippedItem[];
}

export async function openAssets(input: OpenAssetsInput): Promise<OpenedAssets> {
  const { allow, io } = input;
  const opened = new Map<string, OpenedAsset>();
  const usable = new Set<string>();
  const skipped: SkippedItem[] = [];
  await Promise.all(
    input.items.map(async (item) => {
      try {
        await Promise.all(
          assetKeysOf(item).map(async (b: BandKey) => {
            const asset = item.assets[b] as S2Asset;
            const href = asset.href;
            if (!allow(href))
              throw new InvalidInputError(`asset "${b}" href ${href.href} rejected by the asset policy`);
            const source = input.open(item, href);
            // A header that fails to parse leaves its file open unless closed here: nothing
            // else holds the source (only `opened` is closed at the end).
            const header = await io
              .add((signal) => readCogHeader(source, { signal }))
              .catch(async (err: unknown) => {
                await source.close().catch(() => undefined);
                throw err;
              });
            opened.set(`${item.id}/${b}`, { source, header });
            const mismatch = gridMismatch(header, asset, item.epsg);
            if (mismatch) throw new InvalidInputError(`asset "${b}": ${mismatch}`);
          }),
        );
        usable.add(item.id);
      } catch (err) {
        skipped.push({
          item: item.id,
          reason: `cannot read its COGs: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }),
  );
  return { opened, usable, skipped };
}

/** Closes every opened asset; one that fails to close does not keep the others open. */
export async function closeAssets(opened: ReadonlyMap<string, OpenedAsset>): Promise<void> {
  await Promise.allSettled([...opened.values()].map((o) => o.source.close()));
}
