/**
 * Worker task: decode one block's compressed COG tiles for every acquisition (native zlib and
 * predictor undo, see PERFORMANCE.md) and compute its per-pixel evidence. The main thread only
 * moves bytes; the CPU work runs here, one block per task.
 */
import type { TaskContext } from '../task-handler.js';
import type { CogImage } from '../../io/cog-image.js';
import type { PixelWindow } from '../../io/cog-window.js';
import type { Pixels } from '../../io/decode-tile.js';
import { DecodedTileCache, decodeWindow } from '../../io/window-reader.js';
import type { Observation } from '../../detect/block-input.js';
import { compactBlockEvidence } from '../../detect/compact-block-evidence.js';
import { needsBlueToRestore } from '../../detect/look-status.js';
import { WasmEvidenceScratch } from '../../detect/wasm-scratch.js';
import { blockKernelsModule } from '../block-kernels-module.js';
import type { SparseBlock } from '../../detect/compact-block.js';
import { sparseBlock } from '../../detect/evidence-plane.js';
import type { DetectParams } from '../../detect/params.js';
import { ItemFailedError } from '../item-failure.js';
import {
  blockQuicklook,
  quicklookBuffers,
  type BlockQuicklook,
  type CompositePlanes,
} from '../../report/block-quicklook.js';
import { InternalError } from '../../errors.js';
import { u8At } from '../../types/checked.js';

export type BandKey = 'blue' | 'green' | 'red' | 'nir' | 'swir16' | 'swir22' | 'scl';

export interface BandPayload {
  image: CogImage;
  window: PixelWindow;
  tiles: [number, Uint8Array | null][];
  /** Names the asset in errors. */
  source: string;
}

/**
 * The bands read for each season's looks. A before look serves NDVI and the "was land" test (red,
 * NIR), its validity (SWIR, SCL) and the misflagged-water test (blue, decoded only when a cloud
 * pixel is dark enough in NIR to be water); its green is never used, so never fetched.
 */
export const SEASON_BANDS: Readonly<Record<'before' | 'after', readonly BandKey[]>> = {
  before: ['blue', 'red', 'nir', 'swir16', 'scl'],
  after: ['blue', 'green', 'red', 'nir', 'swir16', 'scl'],
};

/**
 * The bands a look of this item reads: SEASON_BANDS, and in the after season B12 where the item
 * has it (the pond's SWIR test, detect/pond-swir.ts; before-season ground needs no SWIR colour).
 */
export function lookBands(item: { assets: { swir22?: unknown } }, season: 'before' | 'after'): BandKey[] {
  const bands = [...SEASON_BANDS[season]];
  if (season === 'after' && item.assets.swir22 !== undefined) bands.push('swir22');
  return bands;
}

type CoreBand = 'red' | 'nir' | 'swir16' | 'scl';

export interface ObservationPayload {
  item: string;
  offsetDn: number;
  bands: Record<CoreBand, BandPayload> & Partial<Record<'blue' | 'green' | 'swir22', BandPayload>>;
}

/**
 * A block's evidence in sparse form (flags and pond fraction at its attribute rows only: the dense
 * planes are almost all zero), plus how many pixels of each look held data (SCL not "no data").
 */
export interface ScanBlockOutput extends SparseBlock {
  /** Per look, in the input's order: 20 m pixels whose SCL is not 0. */
  dataPixels: { before: number[]; after: number[] };
  /** The evidence outputs' pixels of this block, when the input asked for them. */
  quicklook?: BlockQuicklook;
}

export interface ScanBlockInput {
  width: number;
  height: number;
  before: ObservationPayload[];
  after: ObservationPayload[];
  params: DetectParams;
  /** Keep the evidence outputs' pixels (block-quicklook.ts), true-colour overlay at `rgbStep`. */
  quicklook?: { rgbStep: number };
}

/**
 * Decoded tiles that cover more than one block (a 20 m tile covers 2 x 2 blocks), kept for the
 * next blocks this worker gets. The scan hands out a tile's blocks one after another, so a few
 * entries suffice: two items x SWIR and SCL x two 20 m tiles.
 */
const SHARED_TILES = 8;
const sharedTiles = new DecodedTileCache(SHARED_TILES);

function decodeBand(b: BandPayload): Pixels {
  return decodeWindow(b.tiles, b.image, b.window, { name: b.source, cache: sharedTiles });
}

function observation(o: ObservationPayload, season: 'before' | 'after', w: number, h: number): Observation {
  try {
    return decodeObservation(o, season, w, h);
  } catch (err) {
    // A corrupt tile is this item's failure, not the block's: the scan drops the item.
    throw new ItemFailedError(o.item, `cannot decode: ${(err as Error).message}`);
  }
}

function decodeObservation(
  o: ObservationPayload,
  season: 'before' | 'after',
  w: number,
  h: number,
): Observation {
  const look: Observation = {
    red: decodeBand(o.bands.red) as Uint16Array,
    nir: decodeBand(o.bands.nir) as Uint16Array,
    swir16: decodeBand(o.bands.swir16) as Uint16Array,
    scl: decodeBand(o.bands.scl) as Uint8Array,
    offsetDn: o.offsetDn,
  };
  const { blue, green, swir22 } = o.bands;
  if (season === 'after' && swir22) look.swir22 = decodeBand(swir22) as Uint16Array;
  if (season === 'after') {
    if (!blue || !green) throw new InternalError('an after-season look needs its blue and green bands');
    look.blue = decodeBand(blue) as Uint16Array;
    look.green = decodeBand(green) as Uint16Array;
  } else if (blue && needsBlueToRestore(look, w, h)) {
    look.blue = decodeBand(blue) as Uint16Array;
  }
  return look;
}

/**
 * The scratch of the block kernels, remembering the float planes it lends by name: the season
 * composites compactBlockEvidence builds are asked for as `${season}.${band}` (season-composite.ts,
 * compositeSeason), and the evidence outputs read them from here after the block
 * (test/unit/block-quicklook.test.ts checks they are the composites the detector used).
 */
export class RecordingScratch extends WasmEvidenceScratch {
  readonly planes = new Map<string, Float32Array>();

  override reserve(bytes: number): void {
    this.planes.clear();
    super.reserve(bytes);
  }

  override f32(name: string, n: number): Float32Array {
    const a = super.f32(name, n);
    this.planes.set(name, a);
    return a;
  }
}

/** Planes reused by every block this worker computes (one block at a time per worker), in the
 * memory of its WebAssembly composite kernel. */
const scratch = new RecordingScratch(blockKernelsModule());

/** SCL class 0 is "no data": a look with none of its pixels otherwise saw nothing here. */
function dataPixels(o: Observation): number {
  // An index loop: for-of over a typed array stays slow until the JIT has warmed up.
  const scl = o.scl;
  let n = 0;
  for (let i = 0; i < scl.length; i++) if (u8At(scl, i) !== 0) n++;
  return n;
}

/** The season composites of the block just computed; valid until the scratch's next block. */
export function compositePlanes(planes: ReadonlyMap<string, Float32Array>): CompositePlanes {
  const get = (name: string): Float32Array => {
    const a = planes.get(name);
    if (!a) throw new InternalError(`the block kernels built no "${name}" plane`);
    return a;
  };
  return {
    before: { red: get('before.red'), nir: get('before.nir') },
    after: {
      blue: get('after.blue'),
      green: get('after.green'),
      red: get('after.red'),
      nir: get('after.nir'),
    },
  };
}

export default function scanBlock(input: ScanBlockInput, context: TaskContext): ScanBlockOutput {
  const { width: w, height: h } = input;
  const before = input.before.map((o) => observation(o, 'before', w, h));
  const after = input.after.map((o) => observation(o, 'after', w, h));
  const c = compactBlockEvidence({ width: w, height: h, before, after }, input.params, scratch);
  const sparse = sparseBlock(c);
  let quicklook: BlockQuicklook | undefined;
  if (input.quicklook) {
    const ponds = sparse.attrs.idx.filter((_, k) => u8At(sparse.pondAt, k) > 0);
    quicklook = blockQuicklook(compositePlanes(scratch.planes), ponds, w, h, input.quicklook.rgbStep);
    context.transfer(...quicklookBuffers(quicklook));
  }
  // Only the attributes of the few pixels with evidence go back, moved rather than copied.
  context.transfer(
    sparse.flagsAt.buffer as ArrayBuffer,
    sparse.pondAt.buffer as ArrayBuffer,
    c.attrs.idx.buffer as ArrayBuffer,
    ...Object.values(c.attrs.fields).map((a) => a.buffer as ArrayBuffer),
  );
  return {
    ...sparse,
    dataPixels: { before: before.map(dataPixels), after: after.map(dataPixels) },
    ...(quicklook ? { quicklook } : {}),
  };
}
