/**
 * Which pixels of an item's red band the offset check (offset-decision.ts `decideOffset`) reads: the image
 * nearest 256 px wide, whole, when its tiles decode within the budget; otherwise a 256x256 window at
 * the centre of the full-resolution image, placed inside one tile; otherwise nothing, with a reason.
 * A COG without overviews (or a header that declares a huge image) would else be decoded whole:
 * 23552² uint16 is 1.1 GB of samples for a percentile that 65,536 pixels give as well. Pure.
 */
import type { CogImage } from '../io/cog-image.js';
import { tilesForWindow, type PixelWindow } from '../io/cog-window.js';

/** Decoded samples the offset check may allocate per item: four 1024² tiles, 8 MiB as uint16. */
export const OFFSET_CHECK_SAMPLES = 4 * 1024 * 1024;
/** Side of the overview the check prefers, and of the full-resolution window it falls back to. */
export const OFFSET_CHECK_SIDE = 256;

export type OffsetSample =
  | { kind: 'read'; image: CogImage; window: PixelWindow; tiles: number[]; samples: number; what: string }
  | { kind: 'skip'; reason: string };

/**
 * Samples decoded to read `w`: whole tiles, every sample of each. Counted, not listed: a hostile
 * header can declare millions of tiles.
 */
function decodedSamples(image: CogImage, w: PixelWindow): number {
  const across = Math.floor((w.x + w.width - 1) / image.tileWidth) - Math.floor(w.x / image.tileWidth) + 1;
  const down = Math.floor((w.y + w.height - 1) / image.tileHeight) - Math.floor(w.y / image.tileHeight) + 1;
  return across * down * image.tileWidth * image.tileHeight * image.samplesPerPixel;
}

/** The `size`-long span nearest the centre of [0, length), inside the tile holding the centre when it fits. */
function centreSpan(length: number, tile: number, size: number): number {
  const centre = Math.floor(length / 2);
  const t0 = Math.floor(centre / tile) * tile;
  const t1 = Math.min(t0 + tile, length);
  const [lo, hi] = t1 - t0 >= size ? [t0, t1 - size] : [0, length - size];
  return Math.min(Math.max(centre - Math.floor(size / 2), lo), hi);
}

export function offsetSample(
  images: readonly CogImage[],
  budget = OFFSET_CHECK_SAMPLES,
  side = OFFSET_CHECK_SIDE,
): OffsetSample {
  const nearest = [...images].sort(
    (a, b) => Math.abs(a.width - side) - Math.abs(b.width - side) || a.ifdIndex - b.ifdIndex,
  )[0];
  const full = images.find((i) => i.ifdIndex === 0) ?? images[0];
  if (!nearest || !full) return { kind: 'skip', reason: 'the COG has no image' };
  const whole: PixelWindow = { x: 0, y: 0, width: nearest.width, height: nearest.height };
  const wholeSamples = decodedSamples(nearest, whole);
  const what = `${nearest.width}x${nearest.height}`;
  if (wholeSamples <= budget) {
    const tiles = tilesForWindow(nearest, whole);
    return { kind: 'read', image: nearest, window: whole, tiles, samples: wholeSamples, what };
  }
  const width = Math.min(side, full.width);
  const height = Math.min(side, full.height);
  const window: PixelWindow = {
    x: centreSpan(full.width, full.tileWidth, width),
    y: centreSpan(full.height, full.tileHeight, height),
    width,
    height,
  };
  const samples = decodedSamples(full, window);
  if (samples <= budget) {
    const tiles = tilesForWindow(full, window);
    return {
      kind: 'read',
      image: full,
      window,
      tiles,
      samples,
      what: `a ${width}x${height} window at the centre of the ${full.width}x${full.height} image (the nearest overview, ${what}, would decode ${wholeSamples} samples)`,
    };
  }
  return {
    kind: 'skip',
    reason: `the nearest overview (${what}) would decode ${wholeSamples} samples and a ${width}x${height} window of the full image ${samples}, over the offset check's budget of ${budget}`,
  };
}
