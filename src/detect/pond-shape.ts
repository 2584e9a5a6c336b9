/**
 * Shape of a pond blob from its pixels' second moments. Pure.
 *
 * Leach ponds are dug: compact, near-rectangular pits, 10-40 m a side, so one to sixteen 10 m
 * pixels, or a row of them where neighbours a pixel apart merge. A river channel that moved is
 * long and thin; char and slash shadow are ragged. Moments are orientation-free (a pond at 45
 * degrees measures as one on the grid), which a bounding box is not.
 *  - elongation: sqrt(l1 / l2) of the covariance of the pixel squares (each pixel adds 1/12 to
 *    both variances, its own extent): 1 for a square or a single pixel, n for an n x 1 row.
 *  - rectangularity: area / (12 sqrt(l1 l2)): the area of the rectangle with the same moments is
 *    12 sqrt(l1 l2), so a filled rectangle at any angle gives 1, an ellipse 1.05, and a ragged
 *    or hollow blob, whose pixels sit far from its centre for their number, less.
 */
import { at } from '../types/checked.js';

export interface BlobShape {
  elongation: number;
  rectangularity: number;
}

export function blobShape(xs: readonly number[], ys: readonly number[]): BlobShape {
  const n = xs.length;
  if (n === 0 || ys.length !== n) throw new RangeError('blobShape: needs one y per x and at least one pixel');
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += at(xs, k);
    my += at(ys, k);
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    const dx = at(xs, k) - mx;
    const dy = at(ys, k) - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  sxx = sxx / n + 1 / 12;
  syy = syy / n + 1 / 12;
  sxy /= n;
  const tr = sxx + syy;
  const disc = Math.sqrt(Math.max(0, ((sxx - syy) / 2) ** 2 + sxy * sxy));
  const l1 = tr / 2 + disc;
  const l2 = Math.max(1e-12, tr / 2 - disc);
  return { elongation: Math.sqrt(l1 / l2), rectangularity: n / (12 * Math.sqrt(l1 * l2)) };
}
