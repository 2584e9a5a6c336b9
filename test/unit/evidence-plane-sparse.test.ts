import { describe, expect, it } from 'vitest';
import {
  compactEvidence,
  emptyEvidence,
  sparseBlock,
  TileEvidenceBuilder,
} from '../../src/detect/evidence-plane.js';
import type { BlockEvidence } from '../../src/detect/block-evidence.js';

/** A block with a few scattered clearing and pond pixels, attributes varying by pixel. */
function block(w: number, h: number, seed: number): BlockEvidence {
  const ev = emptyEvidence(w, h);
  for (let i = seed % 7; i < w * h; i += 5 + (seed % 3)) {
    if (i % 2 === 0) ev.clearing[i] = 1;
    else {
      ev.pondF[i] = 1 + (i % 250);
      ev.pondKind[i] = 1 + (i % 3);
    }
    ev.ndviBefore[i] = (i * 7) % 256;
    ev.ndviAfter[i] = (i * 13) % 256;
    ev.clearBefore[i] = i % 5;
    ev.firstClearAfter[i] = i % 4;
  }
  return ev;
}

describe('TileEvidenceBuilder.addSparse', () => {
  it('builds the same tile evidence as pasting the dense blocks', () => {
    const W = 11;
    const H = 9;
    const places: [number, number, number, number][] = [
      [0, 0, 6, 5],
      [6, 0, 5, 5],
      [0, 5, 6, 4],
      [6, 5, 5, 4],
    ];
    const dense = new TileEvidenceBuilder(W, H);
    const sparse = new TileEvidenceBuilder(W, H);
    // Reverse order for the sparse builder: blocks arrive from the workers in any order.
    places.forEach(([x, y, w, h], s) => dense.add(compactEvidence(block(w, h, s)), x, y));
    [...places.entries()]
      .reverse()
      .forEach(([s, [x, y, w, h]]) => sparse.addSparse(sparseBlock(compactEvidence(block(w, h, s))), x, y));
    const a = dense.build();
    const b = sparse.build();
    expect(b.attrs.idx.length).toBeGreaterThan(10);
    expect(Array.from(b.flags)).toEqual(Array.from(a.flags));
    expect(Array.from(b.pondF)).toEqual(Array.from(a.pondF));
    expect(Array.from(b.attrs.idx)).toEqual(Array.from(a.attrs.idx));
    for (const [f, v] of Object.entries(a.attrs.fields))
      expect(Array.from(b.attrs.fields[f as keyof typeof a.attrs.fields])).toEqual(Array.from(v));
  });
});
