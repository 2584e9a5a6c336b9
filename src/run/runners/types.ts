/**
 * Step 5 of a scan (read and process every block of every planned tile, detect per tile) behind
 * one small interface, so the same scan runs in this process (the default) or spread over
 * BullMQ workers. A runner returns its tiles' contexts in plan order whatever finished first:
 * the products built from them are then byte-identical across runners.
 */
import type { OffsetDecision } from '../../catalog/offset-decision.js';
import type { DetectParams } from '../../detect/params.js';
import type { TileContext } from '../../detect/geo-detections.js';
import type { OpenedAsset } from '../block-reader.js';
import type { TilePlan } from '../planner.js';
import type { ProgressReporter } from '../progress.js';
import type { IoQueue } from '../queue.js';
import type { TileQuicklook } from '../../report/tile-quicklook.js';

/** A tile as scanned: its detections, and the evidence outputs' pixels when the scan keeps them. */
export type ScannedTile = TileContext & { quicklook?: TileQuicklook };

export interface SkippedItem {
  item: string;
  reason: string;
}

/** Everything a scan knows when it hands its tiles over. */
export interface TileRunContext {
  /** The `--stac` value as a URL: a remote worker builds the same asset policy from it. */
  stac: URL;
  /** Every usable asset, opened, with its header, by `${item.id}/${band}` (local runs read it). */
  opened: Map<string, OpenedAsset>;
  offsets: Map<string, OffsetDecision>;
  /** The scan's bounded I/O queue. */
  io: IoQueue;
  /** In-flight requests the scan was given (a remote worker bounds its own I/O with it). */
  concurrency: number;
  params: DetectParams;
  /** Counts blocks finished. */
  progress: ProgressReporter;
  /** Summed stage times (local runs only: a remote worker keeps its own). */
  clock: StageClock;
  log: (msg: string) => void;
  signal?: AbortSignal;
  /** Keep each block's evidence pixels (chips, overlays, COGs); runners that cannot, ignore it. */
  evidence?: boolean;
}

export interface TileRunResult {
  /** One per tile that ran clean, in plan order. */
  contexts: ScannedTile[];
  /** Items dropped while running (and tiles left with no usable item), in plan order. */
  skipped: SkippedItem[];
}

export interface TileRunner {
  readonly name: string;
  runTiles(tiles: readonly TilePlan[], ctx: TileRunContext): Promise<TileRunResult>;
  /** Releases connections (a no-op for the local runner). */
  close(): Promise<void>;
}

/** Seconds spent per stage, summed over blocks (block stages overlap: they run concurrently). */
export interface StageClock {
  read: number;
  compute: number;
  assemble: number;
  detect: number;
  /** Assembling the evidence outputs' pixels and encoding the tile's COGs (evidence runs only). */
  quicklook?: number;
}
