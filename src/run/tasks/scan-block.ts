/**
 * Worker task: decode one block's compressed COG tiles for every acquisition (native zlib and
 * predictor undo, see PERFORMANCE.md) and compute its per-pixel evidence. The main thread only
 * moves bytes; the CPU work runs here, one block per task.
 */
import type { TaskContext } from '../task-registry.js';
import type { CogImage } from '../../io/cog-image.js';
import type { PixelWindow } from '../../io/cog-window.js';
import { assembleWindow, decodeTile, type Pixels } from '../../io/decode-tile.js';
import { compactBlockEvidence, EvidenceScratch, type Observation } from '../../detect/block-evidence.js';
import type { CompactBlock } from '../../detect/evidence-plane.js';
import type { DetectParams } from '../../detect/params.js';
import { ItemFailedError } from '../item-failure.js';

export type BandKey = 'blue' | 'green' | 'red' | 'nir' | 'swir16' | 'scl';

export interface BandPayload {
  image: CogImage;
  window: PixelWindow;
  tiles: [number, Uint8Array | null][];
  /** Names the asset in errors. */
  source: string;
}

export interface ObservationPayload {
  item: string;
  offsetDn: number;
  bands: Record<BandKey, BandPayload>;
}

export interface ScanBlockInput {
  width: number;
  height: number;
  before: ObservationPayload[];
  after: ObservationPayload[];
  params: DetectParams;
}

function decodeBand(b: BandPayload): Pixels {
  const tiles = new Map<number, Pixels>();
  for (const [index, bytes] of b.tiles)
    tiles.set(index, decodeTile(bytes, b.image, 0, `${b.source} tile ${index}`));
  return assembleWindow(tiles, b.image, b.window);
}

function observation(o: ObservationPayload): Observation {
  try {
    return decodeObservation(o);
  } catch (err) {
    // A corrupt tile is this item's failure, not the block's: the scan drops the item.
    throw new ItemFailedError(o.item, `cannot decode: ${(err as Error).message}`);
  }
}

function decodeObservation(o: ObservationPayload): Observation {
  return {
    blue: decodeBand(o.bands.blue) as Uint16Array,
    green: decodeBand(o.bands.green) as Uint16Array,
    red: decodeBand(o.bands.red) as Uint16Array,
    nir: decodeBand(o.bands.nir) as Uint16Array,
    swir16: decodeBand(o.bands.swir16) as Uint16Array,
    scl: decodeBand(o.bands.scl) as Uint8Array,
    offsetDn: o.offsetDn,
  };
}

/** Float planes reused by every block this worker computes (one block at a time per worker). */
const scratch = new EvidenceScratch();

export default function scanBlock(input: ScanBlockInput, context: TaskContext): CompactBlock {
  const c = compactBlockEvidence(
    {
      width: input.width,
      height: input.height,
      before: input.before.map(observation),
      after: input.after.map(observation),
    },
    input.params,
    scratch,
  );
  // Only two dense planes and the attributes of the few pixels with evidence go back.
  context.transfer(
    c.flags.buffer as ArrayBuffer,
    c.pondF.buffer as ArrayBuffer,
    c.attrs.idx.buffer as ArrayBuffer,
    ...Object.values(c.attrs.fields).map((a) => a.buffer as ArrayBuffer),
  );
  return c;
}
