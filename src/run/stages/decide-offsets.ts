/**
 * Stage 3 of a scan: each usable item's BOA offset, declared, then checked against the darkest
 * pixels of a small overview of red (or a window of the full image: never more than
 * OFFSET_CHECK_SAMPLES decoded per item, offset-sample.ts). Reads only through the opened
 * assets handed in. An item whose red cannot be read is that item's problem, not the run's.
 */
import { decideOffset, uncheckedOffset, type OffsetDecision } from '../../catalog/offset-decision.js';
import type { S2Item } from '../../catalog/item.js';
import { darkDnEvidence } from '../../catalog/offset-evidence.js';
import { readWindow } from '../../io/window-reader.js';
import type { OpenedAsset } from '../block-reader.js';
import { offsetSample } from '../offset-sample.js';
import type { IoQueue } from '../queue.js';
import type { SkippedItem } from '../runners/types.js';

export interface OpenedItems {
  opened: ReadonlyMap<string, OpenedAsset>;
  usable: ReadonlySet<string>;
}

export interface DecidedOffsets {
  offsets: Map<string, OffsetDecision>;
  /** The usable items less those whose red overview could not be read. */
  usable: Set<string>;
  skipped: SkippedItem[];
}

/** `items` in catalogue order; only the usable ones are read, through `io`. */
export async function decideOffsets(
  items: readonly S2Item[],
  assets: OpenedItems,
  io: IoQueue,
): Promise<DecidedOffsets> {
  const offsets = new Map<string, OffsetDecision>();
  const usable = new Set(assets.usable);
  const skipped: SkippedItem[] = [];
  await Promise.all(
    items
      .filter((i) => usable.has(i.id))
      .map(async (item) => {
        try {
          offsets.set(item.id, await itemOffset(item, assets.opened, io));
        } catch (err) {
          usable.delete(item.id);
          skipped.push({ item: item.id, reason: `cannot read its red overview: ${(err as Error).message}` });
        }
      }),
  );
  return { offsets, usable, skipped };
}

async function itemOffset(
  item: S2Item,
  opened: ReadonlyMap<string, OpenedAsset>,
  io: IoQueue,
): Promise<OffsetDecision> {
  const red = opened.get(`${item.id}/red`) as OpenedAsset;
  const sample = offsetSample(red.header.images);
  if (sample.kind === 'skip') return uncheckedOffset(item, sample.reason, 'red');
  const px = await readWindow(red.source, sample.image, sample.window, {
    name: `${item.id} red offset-check`,
    queue: io,
  });
  return decideOffset(item, darkDnEvidence(px), 'red');
}
