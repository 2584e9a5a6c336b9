import { describe, expect, it } from 'vitest';
import type { CogImage } from '../../src/io/cog-image.js';
import { OFFSET_CHECK_SAMPLES, offsetSample } from '../../src/run/offset-sample.js';

function image(ifdIndex: number, width: number, height: number, tile: number): CogImage {
  const tilesAcross = Math.ceil(width / tile);
  const tilesDown = Math.ceil(height / tile);
  const n = tilesAcross * tilesDown;
  return {
    ifdIndex,
    width,
    height,
    tileWidth: tile,
    tileHeight: tile,
    tilesAcross,
    tilesDown,
    bitsPerSample: 16,
    bytesPerSample: 2,
    sampleFormat: 1,
    samplesPerPixel: 1,
    planarConfig: 1,
    compression: 8,
    predictor: 2,
    tileOffsets: new Float64Array(n),
    tileByteCounts: new Uint32Array(n).fill(100),
    newSubfileType: ifdIndex === 0 ? 0 : 1,
    nodata: 0,
    littleEndian: true,
  };
}

describe('offsetSample: the offset check reads a bounded window', () => {
  it('reads a Sentinel-2 COG overview nearest 256 px whole, as before', () => {
    const images = [10980, 5490, 2745, 1373, 687, 344].map((w, i) => image(i, w, w, 1024));
    const s = offsetSample(images);
    expect(s.kind).toBe('read');
    if (s.kind !== 'read') return;
    expect(s.image.width).toBe(344);
    expect(s.window).toEqual({ x: 0, y: 0, width: 344, height: 344 });
    expect(s.samples).toBe(1024 * 1024);
  });

  it('a 23552² image without overviews: a 256² window at the centre inside one 512² tile', () => {
    const s = offsetSample([image(0, 23552, 23552, 512)]);
    expect(s.kind).toBe('read');
    if (s.kind !== 'read') return;
    expect(s.tiles).toHaveLength(1);
    expect(s.samples).toBe(512 * 512);
    expect(s.window.width).toBe(256);
    expect(s.window.x).toBeGreaterThanOrEqual(11776);
    expect(s.window.x + 256).toBeLessThanOrEqual(11776 + 512);
    expect(s.what).toMatch(/256x256 window at the centre of the 23552x23552 image/);
  });

  it('small tiles: the window spans several, still within the budget', () => {
    const s = offsetSample([image(0, 100_000, 100_000, 16)]);
    expect(s.kind).toBe('read');
    if (s.kind !== 'read') return;
    expect(s.samples).toBeLessThanOrEqual(OFFSET_CHECK_SAMPLES);
    expect(s.tiles.length).toBe(16 * 16);
  });

  it('a tile larger than the budget: skipped with the figures, nothing decoded', () => {
    const s = offsetSample([image(0, 40_000, 40_000, 4096)]);
    expect(s.kind).toBe('skip');
    if (s.kind !== 'skip') return;
    expect(s.reason).toMatch(/over the offset check's budget of 4194304/);
  });

  it('never plans more than the budget, whatever the image', () => {
    for (const [w, h, t] of [
      [1, 1, 16],
      [255, 70_000, 256],
      [70_000, 3, 512],
      [2048, 2048, 1024],
      [3000, 3000, 2048],
    ] as const) {
      const s = offsetSample([image(0, w, h, t)]);
      if (s.kind === 'read') expect(s.samples, `${w}x${h}/${t}`).toBeLessThanOrEqual(OFFSET_CHECK_SAMPLES);
    }
  });
});
