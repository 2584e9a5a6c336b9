/**
 * Does a COG's header agree with what its STAC item says about it (proj:epsg, proj:shape,
 * proj:transform)? A 20 m file served as the 10 m red band, or a file in another UTM zone,
 * would otherwise be read on the wrong grid and give wrong products with no error. Pure.
 */
import type { S2Asset } from '../catalog/item.js';
import type { CogHeader } from '../io/cog-header.js';
import { at } from '../types/checked.js';

/** The reason the header disagrees with the item, or undefined when they agree. */
export function gridMismatch(header: CogHeader, asset: S2Asset, itemEpsg: number): string | undefined {
  if (header.epsg !== itemEpsg)
    return `grid mismatch: the COG is in EPSG:${header.epsg}, the item says EPSG:${itemEpsg}`;
  const image = header.images[0];
  if (!image) return 'grid mismatch: the COG has no image';
  if (asset.shape && (image.height !== asset.shape[0] || image.width !== asset.shape[1])) {
    return `grid mismatch: the COG is ${image.width}x${image.height}, proj:shape says ${asset.shape[1]}x${asset.shape[0]}`;
  }
  const t = asset.transform;
  if (t) {
    const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b));
    if (
      !near(header.pixelSize[0], at(t, 0)) ||
      !near(header.origin[0], at(t, 2)) ||
      !near(header.origin[1], at(t, 5))
    ) {
      return `grid mismatch: the COG's origin ${header.origin.join(',')} and pixel ${header.pixelSize[0]} m differ from proj:transform`;
    }
  }
  return undefined;
}
