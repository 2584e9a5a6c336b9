import { describe, expect, it } from 'vitest';
import { gridMismatch } from '../../src/run/grid-check.js';
import type { CogHeader } from '../../src/io/cog-header.js';
import type { S2Asset } from '../../src/catalog/item.js';

const header = (epsg: number, w: number, h: number, x: number, y: number, px: number): CogHeader =>
  ({
    sourceId: 'B04.tif',
    images: [{ width: w, height: h }],
    littleEndian: true,
    bigTiff: false,
    byteLength: undefined,
    epsg,
    origin: [x, y],
    pixelSize: [px, px],
  }) as unknown as CogHeader;

const asset: S2Asset = {
  href: new URL('http://h/B04.tif'),
  shape: [1024, 1024],
  transform: [10, 0, 399960, 0, -10, 2900000],
};

describe('gridMismatch', () => {
  it('accepts a COG on the grid its item declares', () => {
    expect(gridMismatch(header(32647, 1024, 1024, 399960, 2900000, 10), asset, 32647)).toBeUndefined();
  });
  it.each([
    ['another CRS', header(32646, 1024, 1024, 399960, 2900000, 10), 'EPSG:32646'],
    ['a 20 m file as a 10 m band', header(32647, 512, 512, 399960, 2900000, 20), '512x512'],
    ['a shifted origin', header(32647, 1024, 1024, 400000, 2900000, 10), 'origin'],
  ])('refuses %s', (_n, h, text) => {
    expect(gridMismatch(h, asset, 32647)).toContain(text);
  });
});
