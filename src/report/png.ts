/**
 * RGBA pixels to PNG bytes with sharp (libvips): the one codec of the evidence outputs. The
 * provenance travels inside every image (EXIF Copyright and ImageDescription in the PNG's eXIf
 * chunk), so a chip copied out of the folder still says where its pixels came from; a synthetic
 * run's images also carry a visible banner (drawn once with sharp's SVG renderer, then pasted).
 */
import sharp from 'sharp';
import { escapeXml } from '../formats/xml.js';
import type { Rgba } from './quicklooks.js';

export async function encodePng(
  img: Rgba,
  meta: { attribution: string; description: string },
): Promise<Uint8Array> {
  const buf = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  // Level 2: chips and overlays are small and mostly flat colour; the higher levels cost more
  // time than the bytes they save (about 30 % slower for a few per cent smaller files).
  const png = await sharp(buf, { raw: { width: img.width, height: img.height, channels: 4 } })
    .withExif({ IFD0: { Copyright: meta.attribution, ImageDescription: meta.description } })
    .png({ compressionLevel: 2 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** A red strip `width` pixels wide with white `text`, as RGBA, for pasting onto images. */
export async function renderBanner(text: string, width: number, height = 16): Promise<Rgba> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="#b00020"/>` +
    `<text x="50%" y="${height - 4}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${height - 5}" font-weight="bold" fill="#ffffff">${escapeXml(text)}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** Pastes `banner` across the top of `img` (cropped to its width, centred). */
export function pasteBanner(img: Rgba, banner: Rgba): Rgba {
  const w = Math.min(img.width, banner.width);
  const bx = Math.floor((banner.width - w) / 2);
  const ix = Math.floor((img.width - w) / 2);
  for (let y = 0; y < Math.min(img.height, banner.height); y++) {
    const from = (y * banner.width + bx) * 4;
    img.data.set(banner.data.subarray(from, from + w * 4), (y * img.width + ix) * 4);
  }
  return img;
}

/** An SVG document to PNG bytes (the report's overview map, for Markdown readers). */
export async function svgToPng(
  svg: string,
  meta: { attribution: string; description: string },
): Promise<Uint8Array> {
  const png = await sharp(Buffer.from(svg))
    .withExif({ IFD0: { Copyright: meta.attribution, ImageDescription: meta.description } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
