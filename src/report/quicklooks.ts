/**
 * Quicklook pixels, pure: reflectance windows in, RGBA out. True colour with a fixed stretch (so
 * before and after chips compare honestly: the same reflectance gives the same colour in both), an
 * NDVI-change colour ramp, a nearest-neighbour upscale (chips are a few dozen 10 m pixels across;
 * a smooth resize would invent detail), and polygon outlines drawn on top. No I/O, no codec.
 */

/** An RGBA image, row-major, 4 bytes a pixel. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Reflectance mapped to full brightness; a hillside clearing sits near 0.15-0.25 in red. */
export const TRUE_COLOUR_MAX = 0.3;
/** NDVI change at which the ramp saturates. */
export const NDVI_CHANGE_MAX = 0.6;

const tone = (v: number): number => 255 * Math.sqrt(Math.min(1, Math.max(0, v / TRUE_COLOUR_MAX)));

/** Red, green, blue reflectance (NaN = no data, drawn transparent) to RGBA. */
export function trueColour(
  red: Float32Array,
  green: Float32Array,
  blue: Float32Array,
  width: number,
  height: number,
): Rgba {
  const n = width * height;
  if (red.length < n || green.length < n || blue.length < n)
    throw new RangeError(`trueColour: bands shorter than ${width}x${height}`);
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const r = red[i]!;
    const g = green[i]!;
    const b = blue[i]!;
    if (Number.isNaN(r) || Number.isNaN(g) || Number.isNaN(b)) continue; // alpha stays 0
    data[i * 4] = tone(r);
    data[i * 4 + 1] = tone(g);
    data[i * 4 + 2] = tone(b);
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/**
 * NDVI after minus NDVI before, as a diverging ramp: loss (clearing) in red-brown, gain in green,
 * no change in mid grey; a pixel missing from either date is transparent.
 */
export function ndviChange(
  before: { red: Float32Array; nir: Float32Array },
  after: { red: Float32Array; nir: Float32Array },
  width: number,
  height: number,
): Rgba {
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  const ndvi = (r: number, q: number): number => (q - r) / (q + r);
  for (let i = 0; i < n; i++) {
    const d = ndvi(after.red[i]!, after.nir[i]!) - ndvi(before.red[i]!, before.nir[i]!);
    if (!Number.isFinite(d)) continue;
    const t = Math.max(-1, Math.min(1, d / NDVI_CHANGE_MAX));
    const grey = 128;
    // Towards (200, 40, 20) for loss, (30, 170, 60) for gain.
    const [r, g, b] = t < 0 ? [200, 40, 20] : [30, 170, 60];
    const a = Math.abs(t);
    data[i * 4] = grey + (r - grey) * a;
    data[i * 4 + 1] = grey + (g - grey) * a;
    data[i * 4 + 2] = grey + (b - grey) * a;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** Each pixel becomes a k x k square. */
export function upscale(img: Rgba, k: number): Rgba {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`upscale factor ${k} must be a positive integer`);
  const width = img.width * k;
  const height = img.height * k;
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height);
  const out = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = ((y / k) | 0) * img.width;
    for (let x = 0; x < width; x++) out[y * width + x] = src[row + ((x / k) | 0)]!;
  }
  return { width, height, data: new Uint8ClampedArray(out.buffer) };
}

/** Rings in pixel coordinates of `img` (x right, y down; corners of pixels at integers). */
export type PixelRing = readonly (readonly [number, number])[];

/** Draws each ring's edges, `thickness` pixels wide, in an opaque colour. Out-of-image parts are clipped. */
export function drawRings(
  img: Rgba,
  rings: readonly PixelRing[],
  colour: readonly [number, number, number],
  thickness = 2,
): Rgba {
  const plot = (x: number, y: number): void => {
    const h = thickness / 2;
    for (let yy = Math.round(y - h); yy < Math.round(y + h); yy++) {
      for (let xx = Math.round(x - h); xx < Math.round(x + h); xx++) {
        if (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height) continue;
        const o = (yy * img.width + xx) * 4;
        img.data[o] = colour[0];
        img.data[o + 1] = colour[1];
        img.data[o + 2] = colour[2];
        img.data[o + 3] = 255;
      }
    }
  };
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x0, y0] = ring[i]!;
      const [x1, y1] = ring[i + 1]!;
      const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
      for (let s = 0; s <= steps; s++) plot(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
    }
  }
  return img;
}

/** One acquisition's reflectance for a mosaic, with its clear-sky mask (1 = clear). */
export interface MosaicLayer {
  red: Float32Array;
  green: Float32Array;
  blue: Float32Array;
  clear: Uint8Array;
}

/**
 * A cloud-free true-colour mosaic: per pixel, the first layer (callers order them clearest first)
 * that sees the ground clear there; where none does, the first layer with data at all, so a
 * cloud shows as a cloud rather than as a hole.
 */
export function clearMosaic(layers: readonly MosaicLayer[], width: number, height: number): Rgba {
  const n = width * height;
  const red = new Float32Array(n).fill(NaN);
  const green = new Float32Array(n).fill(NaN);
  const blue = new Float32Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    let pick: MosaicLayer | undefined;
    for (const l of layers) {
      if (l.clear[i] === 1 && !Number.isNaN(l.red[i]!)) {
        pick = l;
        break;
      }
    }
    pick ??= layers.find((l) => !Number.isNaN(l.red[i]!));
    if (!pick) continue;
    red[i] = pick.red[i]!;
    green[i] = pick.green[i]!;
    blue[i] = pick.blue[i]!;
  }
  return trueColour(red, green, blue, width, height);
}
