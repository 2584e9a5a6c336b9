/** Reading a generated world in tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromFile } from 'geotiff';

export interface StacItemLike {
  id: string;
  bbox: number[];
  geometry: { type: string; coordinates: number[][][] };
  properties: Record<string, unknown>;
  assets: Record<
    string,
    {
      href: string;
      'raster:bands'?: Record<string, unknown>[];
      'proj:shape'?: number[];
      'proj:transform'?: number[];
    }
  >;
  links: { rel: string; href: string }[];
  collection: string;
  stac_extensions?: string[];
}

export function readItems(worldDir: string): StacItemLike[] {
  const fc = JSON.parse(readFileSync(path.join(worldDir, 'stac', 'items.json'), 'utf8')) as {
    features: StacItemLike[];
  };
  return fc.features;
}

export function assetPath(worldDir: string, item: StacItemLike, key: string): string {
  const a = item.assets[key];
  if (!a) throw new Error(`item ${item.id} has no asset ${key}`);
  return path.resolve(worldDir, 'stac', a.href);
}

export async function readBand(
  file: string,
): Promise<{ data: Uint16Array | Uint8Array; width: number; height: number }> {
  const tiff = await fromFile(file);
  try {
    const image = await tiff.getImage();
    const r = await image.readRasters({ samples: [0], interleave: false });
    return { data: r[0] as Uint16Array, width: image.getWidth(), height: image.getHeight() };
  } finally {
    await tiff.close();
  }
}
