/**
 * Quicklook pixels, pure: a nearest-neighbour upscale (chips are a few dozen 10 m pixels across;
 * a smooth resize would invent detail) and polygon outlines drawn on top. No I/O, no codec.
 */
import { at, u32At } from '../types/checked.js';

/** An RGBA image, row-major, 4 bytes a pixel. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Each pixel becomes a k x k square. */
export function upscale(img: Rgba, k: number): Rgba {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`upscale factor ${k} must be a positive integer`);
  const width = img.width * k;
  const height = img.height * k;
  const src = new Uint32Array(img.data.buffer, img.data.byteOffset, img.width * img.height);
  const out = new Uint32Array(width * height);
  for (let sy = 0; sy < img.height; sy++) {
    // One output row per source row, then copied k - 1 times below it.
    const first = sy * k * width;
    const row = sy * img.width;
    for (let x = 0; x < width; x++) out[first + x] = u32At(src, row + ((x / k) | 0));
    for (let j = 1; j < k; j++) out.copyWithin(first + j * width, first, first + width);
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
      const [x0, y0] = at(ring, i);
      const [x1, y1] = at(ring, i + 1);
      const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
      for (let s = 0; s <= steps; s++) plot(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps);
    }
  }
  return img;
}
