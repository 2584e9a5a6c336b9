/**
 * The evidence outputs' pixels come from the composites the detector built, read back from its
 * scratch by name: if the kernels ever named or built their planes differently, these tests say
 * so instead of chips silently showing the wrong thing.
 */
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/detect/block-input.js';
import { compactBlockEvidence } from '../../src/detect/compact-block-evidence.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import {
  blockQuicklook,
  CELL,
  keptCells,
  MAX_CELL_SHARE,
  ndviCode,
  ndviOfCode,
} from '../../src/report/block-quicklook.js';
import { compositePlanes, RecordingScratch } from '../../src/run/tasks/scan-block.js';
import { blockKernelsModule } from '../../src/run/block-kernels-module.js';

const W = 64;
const H = 64;
function look(red: number, nir: number, green = 500, blue = 400): Observation {
  const n = W * H;
  const n2 = (W / 2) * (H / 2);
  return {
    blue: new Uint16Array(n).fill(blue),
    green: new Uint16Array(n).fill(green),
    red: new Uint16Array(n).fill(red),
    nir: new Uint16Array(n).fill(nir),
    swir16: new Uint16Array(n2).fill(1800),
    scl: new Uint8Array(n2).fill(4),
    offsetDn: 0,
  };
}

describe('block quicklooks', () => {
  it('read the very composites the detector compared (by the names it asks its scratch for)', () => {
    const before = look(300, 3400);
    const after = look(2000, 2500);
    // A strip of the block stays forest after: not every pixel changes.
    for (let i = 0; i < W * 8; i++) {
      after.red[i] = 300;
      after.nir[i] = 3400;
    }
    const scratch = new RecordingScratch(blockKernelsModule());
    const c = compactBlockEvidence(
      { width: W, height: H, before: [before], after: [after] },
      DEFAULT_PARAMS,
      scratch,
    );
    expect(c.attrs.idx.length).toBeGreaterThan(0);
    const planes = compositePlanes(scratch.planes);
    const q = blockQuicklook(planes, c.attrs.idx, W, H, 4);
    // The detector's own NDVI bytes of its evidence pixels agree with the composites read back.
    const enc = (v: number): number => Math.round((v + 1) * 127.5);
    c.attrs.idx.forEach((i, k) => {
      const nb =
        (planes.before.nir[i]! - planes.before.red[i]!) / (planes.before.nir[i]! + planes.before.red[i]!);
      const na =
        (planes.after.nir[i]! - planes.after.red[i]!) / (planes.after.nir[i]! + planes.after.red[i]!);
      expect(enc(nb)).toBe(c.attrs.fields.ndviBefore[k]);
      expect(enc(na)).toBe(c.attrs.fields.ndviAfter[k]);
    });
    expect(ndviOfCode(q.ndvi20.before[0]!)).toBeCloseTo((3400 - 300) / 3700, 2);
    expect(ndviOfCode(q.ndvi20.after[q.ndvi20.after.length - 1]!)).toBeCloseTo(500 / 4500, 2);
    expect(q.rgb).toMatchObject({ step: 4, width: 16, height: 16 });
    expect(q.rgb.data[3]).toBe(255);
  });

  it('keeps the cells around ponds, nearest first, within the share that bounds memory', () => {
    const w = 1024;
    const cells = keptCells([10 * w + 10], w, w);
    expect(cells).toContain(0);
    expect(cells).toHaveLength(4); // the pond's cell and one ring, clipped at the corner
    expect(cells).toEqual([0, 1, w / CELL, w / CELL + 1]);
    const many = Array.from({ length: 2000 }, (_, k) => ((k * 37) % w) * w + ((k * 91) % w));
    expect(keptCells(many, w, w).length).toBeLessThanOrEqual(Math.floor((w / CELL) ** 2 * MAX_CELL_SHARE));
    expect(ndviCode(NaN)).toBe(0);
    expect(ndviOfCode(ndviCode(0.5))).toBeCloseTo(0.5, 2);
  });
});
