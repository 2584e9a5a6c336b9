/**
 * Exact polygons of a binary mask, traced along pixel edges.
 *
 * Coordinates are pixel corners: pixel (x, y) is the square [x, x+1] x [y, y+1], x right, y down.
 * So a single pixel becomes a 1x1 square and the area of a polygon (exterior minus holes) equals
 * its pixel count exactly, which the pond-size rules depend on.
 *
 * Orientation: each directed edge has foreground on its left as seen on screen (y down). An
 * exterior ring is therefore counter-clockwise on screen, i.e. it has a NEGATIVE shoelace area
 * in pixel coordinates; holes are positive. Mapping to a north-up CRS flips y, after which
 * exteriors are counter-clockwise and holes clockwise, as RFC 7946 (GeoJSON) asks.
 *
 * Topology: at a saddle (two foreground pixels touching only at a corner) the tracer turns left,
 * hugging the pixel it came along, so each polygon is one 4-connected region; diagonal contacts
 * give separate polygons that share a vertex (a valid MultiPolygon). A ring that would touch
 * itself at a saddle is cut there into an exterior and a hole that share that vertex, so no ring
 * repeats a vertex. Rings are closed (first = last) and collinear vertices are dropped.
 */
import { labelComponents } from './label.js';

export type Ring = Array<[number, number]>;
/** [exterior, ...holes] */
export type PixelPolygon = Ring[];

// Directions: 0 right (+x), 1 down (+y), 2 left (-x), 3 up (-y); a left turn on screen is d + 3.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/**
 * Polygons of the nonzero pixels of `mask` (w x h), one per 4-connected region, in raster order.
 * Needs about 9 bytes per pixel of scratch: for a whole 10 m tile use vectoriseComponent.
 */
export function vectoriseMask(mask: Uint8Array, w: number, h: number): PixelPolygon[] {
  const W = w + 1;
  const bits = new Uint8Array(W * (h + 1)); // outgoing edge directions per vertex
  const fg = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] !== 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] === 0) continue;
      if (!fg(x - 1, y)) bits[y * W + x]! |= 1 << 1; // left side, going down
      if (!fg(x, y + 1)) bits[(y + 1) * W + x]! |= 1 << 0; // bottom side, going right
      if (!fg(x + 1, y)) bits[(y + 1) * W + x + 1]! |= 1 << 3; // right side, going up
      if (!fg(x, y - 1)) bits[y * W + x + 1]! |= 1 << 2; // top side, going left
    }
  }
  const region = labelComponents(mask, w, h, { connectivity: 4 });
  const exterior: Array<Ring | undefined> = [];
  const holes: Ring[][] = [];
  const emit = (loop: number[]): void => {
    const v0 = loop[0]!;
    const [x0, y0, x1, y1] = [v0 % W, Math.floor(v0 / W), loop[1]! % W, Math.floor(loop[1]! / W)];
    // The foreground pixel on the left of the first edge names the region this loop bounds.
    const px = x1 > x0 ? x0 : x1 < x0 ? x1 : y1 > y0 ? x0 : x0 - 1;
    const py = x1 > x0 ? y0 - 1 : x1 < x0 ? y0 : y1 > y0 ? y0 : y1;
    const l = region.labels[py * w + px]!;
    const ring = toRing(loop, W);
    if (signedArea(ring) < 0) exterior[l] = ring;
    else (holes[l] ??= []).push(ring);
  };
  const path: number[] = [];
  const seen = new Map<number, number>(); // saddle vertex -> its index in path
  for (let v0 = 0; v0 < bits.length; v0++) {
    // Raster order: the start vertex has a single unused edge, so each trace is one whole ring.
    while (bits[v0] !== 0) {
      path.length = 0;
      seen.clear();
      let v = v0;
      let d = 31 - Math.clz32(bits[v0]!);
      for (;;) {
        bits[v]! &= ~(1 << d);
        path.push(v);
        v += DX[d]! + DY[d]! * W;
        if (v === v0) break;
        const k = seen.get(v);
        if (k !== undefined) {
          // Second visit of a saddle: the loop since the first visit is a ring of its own.
          for (let i = k; i < path.length; i++) seen.delete(path[i]!);
          emit(path.splice(k));
        }
        const b = bits[v]!;
        if (b & (b - 1)) seen.set(v, path.length);
        const left = (d + 3) & 3;
        d = b & (1 << left) ? left : b & (1 << d) ? d : (d + 1) & 3;
      }
      emit(path);
    }
  }
  const out: PixelPolygon[] = [];
  for (let l = 1; l <= region.count; l++) out.push([exterior[l]!, ...(holes[l] ?? [])]);
  return out;
}

/**
 * Polygons of one labelled component (e.g. from labelComponents), traced in its bounding box
 * only, so a big label plane costs nothing extra. An 8-connected component whose parts touch only
 * diagonally gives several polygons (a MultiPolygon).
 */
export function vectoriseComponent(
  labels: Int32Array,
  w: number,
  c: { label: number; minX: number; minY: number; maxX: number; maxY: number },
): PixelPolygon[] {
  const bw = c.maxX - c.minX + 1;
  const bh = c.maxY - c.minY + 1;
  const local = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const row = (y + c.minY) * w + c.minX;
    for (let x = 0; x < bw; x++) local[y * bw + x] = labels[row + x] === c.label ? 1 : 0;
  }
  const polys = vectoriseMask(local, bw, bh);
  for (const poly of polys) {
    for (const ring of poly) {
      for (const p of ring) {
        p[0] += c.minX;
        p[1] += c.minY;
      }
    }
  }
  return polys;
}

/** Vertex indices of a closed loop -> closed ring of corner coordinates without collinear vertices. */
function toRing(loop: number[], W: number): Ring {
  const m = loop.length;
  const ring: Ring = [];
  for (let i = 0; i < m; i++) {
    const a = loop[(i + m - 1) % m]!;
    const b = loop[i]!;
    const c = loop[(i + 1) % m]!;
    // Unit lattice steps: b is a corner unless both steps have the same index delta.
    if (b - a !== c - b) ring.push([b % W, Math.floor(b / W)]);
  }
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

/** Shoelace area of a closed ring (negative for exteriors in pixel space, see above). */
export function signedArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++)
    s += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return s / 2;
}
