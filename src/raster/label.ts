/**
 * Connected-component labelling of a binary mask (nonzero = foreground), with per-component
 * area, bounding box, centroid sums and optionally the sum of a value plane. The union-find work
 * happens on runs (runs.ts); here the runs are folded into statistics and, when asked, painted
 * into a label plane (0 = background, labels 1..count in raster order of first pixel).
 */
import { labelRowRuns, labelRuns, type RowRuns, type Runs } from './runs.js';

export interface LabelOptions {
  /** 8 (default) joins diagonal neighbours, 4 only edge neighbours. */
  connectivity?: 4 | 8;
  /** Optional per-pixel value (e.g. a score) summed per component; NaN pixels are skipped. */
  values?: Float32Array;
}

/** Per-component statistics, struct-of-arrays indexed by label (index 0 unused). */
export interface ComponentStats {
  count: number;
  /** Pixel count and inclusive bounding box. */
  area: Int32Array;
  minX: Int32Array;
  minY: Int32Array;
  maxX: Int32Array;
  maxY: Int32Array;
  /** Sums of pixel x and y (centroid = sum / area); Float64 because they exceed 2^24. */
  sumX: Float64Array;
  sumY: Float64Array;
  /** Sum of `values` over the component; only when values were given. */
  valueSum: Float64Array | null;
}

/** One component, as plain numbers (see ComponentStats). */
export type Component = Record<
  'label' | 'area' | 'minX' | 'minY' | 'maxX' | 'maxY' | 'sumX' | 'sumY',
  number
> & {
  valueSum?: number;
};

export interface Labelling {
  /** Label per pixel, 0 = background. */
  labels: Int32Array;
  count: number;
  components: Component[];
}

/**
 * Statistics of every component. Writes the label plane only when `labels` is given: at 10 m
 * a full Int32 plane is 482 MB, and counting and sizing need none.
 */
export function componentStats(
  mask: Uint8Array,
  w: number,
  h: number,
  opts: LabelOptions = {},
  labels: Int32Array | null = null,
): ComponentStats {
  const values = opts.values ?? null;
  if (values && values.length < w * h) throw new RangeError(`values has ${values.length}, expected ${w * h}`);
  if (labels && labels.length < w * h) throw new RangeError(`labels has ${labels.length}, expected ${w * h}`);
  return foldRuns(labelRuns(mask, w, h, opts.connectivity ?? 8), w, h, values, labels);
}

/** componentStats of the mask whose maximal runs are `runs` (8-connected, no values). */
export function componentStatsOfRuns(runs: RowRuns, w: number, h: number): ComponentStats {
  return foldRuns(labelRowRuns(runs, 8), w, h, null, null);
}

function foldRuns(
  runs: Runs,
  w: number,
  h: number,
  values: Float32Array | null,
  labels: Int32Array | null,
): ComponentStats {
  const { count, start, end, rowFirst, label } = runs;
  const area = new Int32Array(count + 1);
  const minX = new Int32Array(count + 1).fill(w);
  const minY = new Int32Array(count + 1).fill(h);
  const maxX = new Int32Array(count + 1).fill(-1);
  const maxY = new Int32Array(count + 1).fill(-1);
  const sumX = new Float64Array(count + 1);
  const sumY = new Float64Array(count + 1);
  const valueSum = values ? new Float64Array(count + 1) : null;
  if (labels) labels.fill(0, 0, w * h);
  for (let y = 0; y < h; y++) {
    for (let i = rowFirst[y]!; i < rowFirst[y + 1]!; i++) {
      const l = label[i]!;
      const s = start[i]!;
      const e = end[i]!;
      const len = e - s;
      area[l] = area[l]! + len;
      if (s < minX[l]!) minX[l] = s;
      if (e - 1 > maxX[l]!) maxX[l] = e - 1;
      if (y < minY[l]!) minY[l] = y;
      maxY[l] = y; // rows ascend
      sumX[l] = sumX[l]! + (len * (s + e - 1)) / 2;
      sumY[l] = sumY[l]! + len * y;
      if (labels) for (let p = y * w + s; p < y * w + e; p++) labels[p] = l; // runs are short: a loop beats fill()
      if (values && valueSum) {
        let sum = 0;
        for (let p = y * w + s; p < y * w + e; p++) if (values[p] === values[p]) sum += values[p]!;
        valueSum[l] = valueSum[l]! + sum;
      }
    }
  }
  return { count, area, minX, minY, maxX, maxY, sumX, sumY, valueSum };
}

/** Labels `mask` into a fresh (or the given, e.g. shared) label plane, with a list of components. */
export function labelComponents(
  mask: Uint8Array,
  w: number,
  h: number,
  opts: LabelOptions = {},
  out: Int32Array = new Int32Array(w * h),
): Labelling {
  const st = componentStats(mask, w, h, opts, out);
  const components: Component[] = [];
  for (let l = 1; l <= st.count; l++) {
    const c: Component = {
      label: l,
      area: st.area[l]!,
      minX: st.minX[l]!,
      minY: st.minY[l]!,
      maxX: st.maxX[l]!,
      maxY: st.maxY[l]!,
      sumX: st.sumX[l]!,
      sumY: st.sumY[l]!,
    };
    if (st.valueSum) c.valueSum = st.valueSum[l]!;
    components.push(c);
  }
  return { labels: out, count: st.count, components };
}
