import { describe, expect, it } from 'vitest';
import {
  chipScale,
  chipWindow,
  overlayStep,
  toPixelRings,
  windowCorners,
  type GridRef,
} from '../../src/report/evidence-plan.js';
import { ndviChangeColour, ndviColour } from '../../src/report/chips.js';
import { drawRings, upscale, type Rgba } from '../../src/report/quicklooks.js';
import { toLonLat } from '../../src/geo/utm.js';

const px = (d: Uint8ClampedArray, i: number): number[] => [...d.subarray(i * 4, i * 4 + 4)];

describe('quicklooks', () => {
  it('colours NDVI from brown (bare) to green (forest), NDVI loss red, gain green, none grey', () => {
    const [br, bg] = ndviColour(0.15);
    const [fr, fg] = ndviColour(0.85);
    expect(br).toBeGreaterThan(bg);
    expect(fg).toBeGreaterThan(fr);
    const [lr, lg] = ndviChangeColour(-0.5);
    const [gr, gg] = ndviChangeColour(0.5);
    expect(lr).toBeGreaterThan(lg);
    expect(gg).toBeGreaterThan(gr);
    expect(ndviChangeColour(0)).toEqual([128, 128, 128]);
  });

  it('upscales by whole pixels and draws ring outlines inside the image only', () => {
    const two: Rgba = {
      width: 2,
      height: 1,
      data: Uint8ClampedArray.from([0, 0, 0, 255, 255, 255, 255, 255]),
    };
    const img = upscale(two, 3);
    expect([img.width, img.height]).toEqual([6, 3]);
    expect(px(img.data, 2)[0]).toBe(0);
    expect(px(img.data, 3)[0]).toBe(255);
    drawRings(
      img,
      [
        [
          [1, 1],
          [10, 1],
        ],
      ],
      [0, 200, 255],
      1,
    );
    expect(px(img.data, 1 * 6 + 4)).toEqual([0, 200, 255, 255]);
    expect(px(img.data, 0)[2]).toBe(0); // row 0 untouched
  });
});

describe('evidence plan', () => {
  const grid: GridRef = {
    epsg: 32647,
    originX: 400_000,
    originY: 2_850_000,
    pixelSize: 10,
    width: 512,
    height: 512,
  };
  const square = (x0: number, y0: number, s: number) => {
    const c = [
      [x0, y0],
      [x0 + s, y0],
      [x0 + s, y0 + s],
      [x0, y0 + s],
      [x0, y0],
    ].map(([x, y]) => toLonLat(32647, [400_000 + x! * 10, 2_850_000 - y! * 10]));
    return { type: 'Polygon' as const, coordinates: [c] };
  };

  it('maps WGS84 back to the pixel grid', () => {
    const r = toPixelRings(square(100, 200, 10), grid)[0]!;
    expect(r[0]![0]).toBeCloseTo(100, 3);
    expect(r[0]![1]).toBeCloseTo(200, 3);
  });

  it('gives a padded square chip window containing the candidate, clipped to the grid', () => {
    const w = chipWindow(square(100, 200, 20), grid)!;
    expect(w.width).toBe(w.height);
    expect(w.x).toBeLessThanOrEqual(100 - 8);
    expect(w.x + w.width).toBeGreaterThanOrEqual(120 + 8);
    const edge = chipWindow(square(0, 500, 10), grid)!;
    expect(edge.x).toBe(0);
    expect(edge.y + edge.height).toBe(512);
    expect(chipWindow(square(900, 900, 10), grid)).toBeUndefined();
    expect(chipScale(32)).toBe(5);
    expect(chipScale(107)).toBe(2); // never narrower than CHIP_TARGET_PX
    expect(chipScale(400)).toBe(1);
  });

  it('steps overlays down to at most 1024 pixels and gives their lon/lat corners', () => {
    expect(overlayStep({ x: 0, y: 0, width: 512, height: 512 })).toBe(1);
    expect(overlayStep({ x: 0, y: 0, width: 10980, height: 10980 })).toBe(16);
    const c = windowCorners({ x: 0, y: 0, width: 512, height: 512 }, grid);
    expect(c).toHaveLength(4);
    expect(c[0]![1]).toBeGreaterThan(c[3]![1]); // top above bottom
    expect(c[1]![0]).toBeGreaterThan(c[0]![0]); // right of left
  });
});
