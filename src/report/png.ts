/**
 * RGBA pixels to PNG bytes with sharp (libvips): the one codec call of the evidence outputs. The
 * Copernicus attribution travels inside every image (EXIF Copyright in the PNG's eXIf chunk), so
 * a chip copied out of the folder still says where its pixels came from.
 */
import sharp from 'sharp';
import type { Rgba } from './quicklooks.js';

export async function encodePng(
  img: Rgba,
  meta: { attribution: string; description: string },
): Promise<Uint8Array> {
  const buf = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const png = await sharp(buf, { raw: { width: img.width, height: img.height, channels: 4 } })
    .withExif({ IFD0: { Copyright: meta.attribution, ImageDescription: meta.description } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
