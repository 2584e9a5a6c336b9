/**
 * Set operations on one row of a mask held as a flat list [s0, e0, s1, e1, ...] of maximal runs
 * (ascending, no two touching): the steps of run-morphology.ts's closing. Every function returns
 * a maximal row again.
 */
export type Row = number[];

/** Each run grown by one pixel each side (clipped to the row), merged where they now touch. */
export function dilateRow(r: Row, w: number): Row {
  const out: Row = [];
  for (let j = 0; j < r.length; j += 2) {
    const s = Math.max(0, (r[j] as number) - 1);
    const e = Math.min(w, (r[j + 1] as number) + 1);
    if (out.length > 0 && s <= (out[out.length - 1] as number)) out[out.length - 1] = e;
    else out.push(s, e);
  }
  return out;
}

/** Each run shrunk by one pixel each side (outside the row is background); empty ones dropped. */
export function erodeRow(r: Row): Row {
  const out: Row = [];
  for (let j = 0; j < r.length; j += 2) {
    const s = (r[j] as number) + 1;
    const e = (r[j + 1] as number) - 1;
    if (e > s) out.push(s, e);
  }
  return out;
}

/** Union of two rows, maximal. */
export function union(a: Row, b: Row): Row {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Row = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let s: number;
    let e: number;
    if (j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))) {
      [s, e] = [a[i] as number, a[i + 1] as number];
      i += 2;
    } else {
      [s, e] = [b[j] as number, b[j + 1] as number];
      j += 2;
    }
    if (out.length > 0 && s <= (out[out.length - 1] as number))
      out[out.length - 1] = Math.max(out[out.length - 1] as number, e);
    else out.push(s, e);
  }
  return out;
}

/** Intersection of two maximal rows (maximal too: its pieces cannot touch). */
export function intersect(a: Row, b: Row): Row {
  const out: Row = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i] as number, b[j] as number);
    const e = Math.min(a[i + 1] as number, b[j + 1] as number);
    if (e > s) out.push(s, e);
    if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
    else j += 2;
  }
  return out;
}
