import { booleanClockwise, booleanValid, polygon } from '@turf/turf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelComponents } from '../../src/raster/label.js';
import {
  signedArea,
  vectoriseComponent,
  vectoriseMask,
  type PixelPolygon,
  type Ring,
} from '../../src/raster/vectorise.js';

const maskArb = fc
  .record({
    w: fc.integer({ min: 1, max: 16 }),
    h: fc.integer({ min: 1, max: 16 }),
    density: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
  })
  .chain(({ w, h, density }) =>
    fc
      .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: w * h, maxLength: w * h })
      .map((r) => ({ w, h, mask: Uint8Array.from(r, (v) => (v < density ? 1 : 0)) })),
  );

/** Even-odd point-in-rings test over all rings of all polygons. */
function inside(polys: PixelPolygon[], px: number, py: number): boolean {
  let odd = false;
  for (const ring of polys.flat()) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x1, y1] = ring[i]!;
      const [x2, y2] = ring[i + 1]!;
      if (y1 > py !== y2 > py && px < x1 + ((py - y1) * (x2 - x1)) / (y2 - y1)) odd = !odd;
    }
  }
  return odd;
}

function polyArea(p: PixelPolygon): number {
  return -p.reduce((s, r) => s + signedArea(r), 0); // exteriors negative, holes positive
}

function checkRings(polys: PixelPolygon[]): void {
  for (const poly of polys) {
    poly.forEach((ring, k) => {
      expect(ring[0]).toEqual(ring[ring.length - 1]); // closed
      const body = ring.slice(0, -1);
      expect(new Set(body.map((p) => p.join())).size).toBe(body.length); // no self-touching vertex
      expect(body.length).toBeGreaterThanOrEqual(4);
      for (let i = 0; i < body.length; i++) {
        const a = body[(i + body.length - 1) % body.length]!;
        const b = body[i]!;
        const c = body[(i + 1) % body.length]!;
        expect((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])).not.toBe(0); // no collinear vertex
        expect(a[0] === b[0] || a[1] === b[1]).toBe(true); // axis-aligned edges along pixel edges
      }
      if (k === 0) expect(signedArea(ring)).toBeLessThan(0);
      else expect(signedArea(ring)).toBeGreaterThan(0);
    });
  }
}

const flipY = (r: Ring): Ring => r.map(([x, y]) => [x, -y]);

describe('vectoriseMask', () => {
  it('turns a single pixel into a closed 1x1 square with a negative (pixel-space) shoelace area', () => {
    const polys = vectoriseMask(Uint8Array.from([0, 0, 0, 1]), 2, 2);
    expect(polys).toEqual([
      [
        [
          [1, 1],
          [1, 2],
          [2, 2],
          [2, 1],
          [1, 1],
        ],
      ],
    ]);
    expect(signedArea(polys[0]![0]!)).toBe(-1);
  });

  it('gives a hole as an inner ring and drops collinear vertices', () => {
    // prettier-ignore
    const ring = Uint8Array.from([
      1, 1, 1,
      1, 0, 1,
      1, 1, 1,
    ]);
    const polys = vectoriseMask(ring, 3, 3);
    expect(polys).toHaveLength(1);
    expect(polys[0]![0]).toEqual([
      [0, 0],
      [0, 3],
      [3, 3],
      [3, 0],
      [0, 0],
    ]);
    expect(polys[0]![1]).toHaveLength(5);
    expect(polyArea(polys[0]!)).toBe(8);
  });

  it('after flipping y, exteriors are counter-clockwise and holes clockwise, and turf finds them valid', () => {
    // prettier-ignore
    const m = Uint8Array.from([
      1, 1, 1, 1,
      1, 0, 0, 1,
      1, 0, 1, 1,
      1, 1, 1, 0,
    ]);
    const [poly] = vectoriseMask(m, 4, 4);
    expect(booleanClockwise(flipY(poly![0]!))).toBe(false);
    expect(booleanClockwise(flipY(poly![1]!))).toBe(true);
    expect(booleanValid(polygon(poly!.map(flipY)))).toBe(true);
  });

  it('separates diagonal neighbours into polygons that share a corner', () => {
    const polys = vectoriseMask(Uint8Array.from([1, 0, 0, 1]), 2, 2);
    expect(polys).toHaveLength(2);
    expect(polys.map(polyArea)).toEqual([1, 1]);
  });

  it('cuts a ring that would touch itself into an exterior and a hole sharing the vertex', () => {
    // prettier-ignore
    const c = Uint8Array.from([
      1, 1, 0,
      1, 0, 1,
      1, 1, 1,
    ]);
    const polys = vectoriseMask(c, 3, 3);
    expect(polys).toHaveLength(1);
    expect(polys[0]).toHaveLength(2);
    expect(polyArea(polys[0]!)).toBe(7);
    // The exterior passes the saddle (2, 1) once; the hole (pixel (1, 1)) starts there.
    expect(polys[0]).toEqual([
      [
        [0, 0],
        [0, 3],
        [3, 3],
        [3, 1],
        [2, 1],
        [2, 0],
        [0, 0],
      ],
      [
        [2, 1],
        [2, 2],
        [1, 2],
        [1, 1],
        [2, 1],
      ],
    ]);
    checkRings(polys);
  });

  it('on random masks: exact areas per 4-connected region, valid rings, and it rasterises back to the mask', () => {
    fc.assert(
      fc.property(maskArb, ({ w, h, mask }) => {
        const polys = vectoriseMask(mask, w, h);
        const regions = labelComponents(mask, w, h, { connectivity: 4 });
        expect(polys.length).toBe(regions.count);
        expect(polys.map(polyArea)).toEqual(regions.components.map((c) => c.area));
        checkRings(polys);
        for (const poly of polys) expect(booleanValid(polygon(poly.map(flipY)))).toBe(true);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) expect(inside(polys, x + 0.5, y + 0.5)).toBe(mask[y * w + x] === 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('vectoriseComponent', () => {
  it('traces one 8-connected component in its bounding box, in full-raster pixel coordinates', () => {
    fc.assert(
      fc.property(maskArb, ({ w, h, mask }) => {
        const { labels, components } = labelComponents(mask, w, h);
        for (const c of components) {
          const polys = vectoriseComponent(labels, w, c);
          expect(polys.reduce((s, p) => s + polyArea(p), 0)).toBe(c.area);
          checkRings(polys);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++)
              expect(inside(polys, x + 0.5, y + 0.5)).toBe(labels[y * w + x] === c.label);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('offsets coordinates by the bounding box', () => {
    const labels = new Int32Array(20);
    labels[2 * 5 + 3] = 7;
    const polys = vectoriseComponent(labels, 5, { label: 7, minX: 3, minY: 2, maxX: 3, maxY: 2 });
    expect(polys).toEqual([
      [
        [
          [3, 2],
          [3, 3],
          [4, 3],
          [4, 2],
          [3, 2],
        ],
      ],
    ]);
  });
});
