/**
 * Run-length union-find: the core of connected-component labelling (see label.ts).
 *
 * Masks here are sparse (~5 % set at 10 m), so the work is done on horizontal runs, not pixels:
 * one pass finds the runs of each row and unions every run with the runs it touches in the row
 * above (a two-pointer sweep); a second pass turns union-find parents into compact labels.
 * Union always keeps the smaller run index as root, so a root is the first run of its component
 * in raster order and labels come out numbered 1..count in raster order of each component's
 * first pixel, the same order a raster-scan flood fill gives.
 */

/** Horizontal runs of a mask, row by row: maximal (two runs of a row never touch), ascending. */
export interface RowRuns {
  /** Number of runs. */
  n: number;
  /** Run i covers x in [start[i], end[i]) of its row. */
  start: Int32Array;
  end: Int32Array;
  /** Runs of row y are rowFirst[y] .. rowFirst[y + 1] - 1. */
  rowFirst: Int32Array;
}

/** RowRuns with the component label of each run. */
export interface Runs extends RowRuns {
  /** Component label (1..count) of each run. */
  label: Int32Array;
  count: number;
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Runs of nonzero pixels in `mask` (w x h) and their component labels. */
export function labelRuns(mask: Uint8Array, w: number, h: number, connectivity: 4 | 8 = 8): Runs {
  return labelRowRuns(maskRuns(mask, w, h), connectivity);
}

/** The runs of nonzero pixels of `mask` (w x h). */
export function maskRuns(mask: Uint8Array, w: number, h: number): RowRuns {
  if (mask.length < w * h) throw new RangeError(`mask has ${mask.length} values, expected ${w * h}`);
  let start = new Int32Array(1024);
  let end = new Int32Array(1024);
  const rowFirst = new Int32Array(h + 1);
  let n = 0;
  // Sparse masks are mostly zero: test 4 bytes at a time where the view can be aligned.
  const words =
    mask.byteOffset % 4 === 0 ? new Uint32Array(mask.buffer, mask.byteOffset, (w * h) >> 2) : null;
  for (let y = 0; y < h; y++) {
    rowFirst[y] = n;
    const row = y * w;
    const rowEnd = row + w;
    let p = row;
    while (p < rowEnd) {
      if (words !== null && (p & 3) === 0) {
        while (p + 4 <= rowEnd && words[p >> 2] === 0) p += 4;
        if (p === rowEnd) break;
      }
      if (mask[p] === 0) {
        p++;
        continue;
      }
      const s = p;
      while (p < rowEnd && mask[p] !== 0) p++;
      if (n === start.length) [start, end] = [grow(start), grow(end)];
      start[n] = s - row;
      end[n] = p - row;
      n++;
    }
  }
  rowFirst[h] = n;
  return { n, start, end, rowFirst };
}

/**
 * Labels runs: unions every run with the runs it touches in the row above (a two-pointer sweep),
 * then turns union-find parents into compact labels. The runs must be maximal, as maskRuns and
 * run-morphology.ts give them, for the labels to be those of the mask they describe.
 */
export function labelRowRuns(runs: RowRuns, connectivity: 4 | 8 = 8): Runs {
  const { n, start, end, rowFirst } = runs;
  const h = rowFirst.length - 1;
  const d = connectivity === 8 ? 1 : 0; // runs in adjacent rows touch iff ps < e + d && pe + d > s
  const par = new Int32Array(Math.max(1, n));
  for (let i = 0; i < n; i++) par[i] = i;
  const find = (i: number): number => {
    while (par[i] !== i) i = par[i] = par[par[i]!]!; // path halving
    return i;
  };
  for (let y = 1; y < h; y++) {
    let j = rowFirst[y - 1]!;
    const above = rowFirst[y]!;
    for (let i = above, last = rowFirst[y + 1]!; i < last; i++) {
      const s = start[i]!;
      const e = end[i]!;
      while (j < above && end[j]! + d <= s) j++; // runs above that end before this one can touch
      for (let k = j; k < above && start[k]! < e + d; k++) {
        const a = find(i);
        const b = find(k);
        if (a < b) par[b] = a;
        else if (b < a) par[a] = b;
      }
    }
  }
  // Every parent index is smaller than its child (union keeps the smaller root, halving only
  // shortens paths), so one ascending pass turns parents into compact labels in place.
  let count = 0;
  for (let i = 0; i < n; i++) {
    const p = par[i]!;
    par[i] = p === i ? ++count : par[p]!;
  }
  return { n, start, end, rowFirst, label: par, count };
}
