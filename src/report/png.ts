/** RGBA pixels to PNG bytes with sharp (libvips): the one codec call of the evidence outputs. */
import sharp from 'sharp';
import type { Rgba } from './quicklooks.js';

export async function encodePng(img: Rgba): Promise<Uint8Array> {
  const buf = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const png = await sharp(buf, { raw: { width: img.width, height: img.height, channels: 4 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
