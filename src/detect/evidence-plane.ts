/** A tile-sized BlockEvidence assembled from the blocks the workers return. Pure. */
import type { BlockEvidence } from './block-evidence.js';

export const blockEvidenceFields = [
  'clearing',
  'pondF',
  'pondKind',
  'ndviBefore',
  'ndviAfter',
  'clearBefore',
  'clearAfter',
  'validAfter',
  'restored',
  'firstClearAfter',
] as const;

export function emptyEvidence(width: number, height: number): BlockEvidence {
  const n = width * height;
  const plane = { width, height } as BlockEvidence;
  for (const f of blockEvidenceFields) plane[f] = new Uint8Array(n);
  plane.firstClearAfter.fill(255);
  return plane;
}

/** Copies a block's planes into the tile planes at (dx, dy), row by row. */
export function pasteEvidence(plane: BlockEvidence, block: BlockEvidence, dx: number, dy: number): void {
  for (const f of blockEvidenceFields) {
    const src = block[f];
    const dst = plane[f];
    for (let y = 0; y < block.height; y++) {
      dst.set(src.subarray(y * block.width, (y + 1) * block.width), (dy + y) * plane.width + dx);
    }
  }
}
