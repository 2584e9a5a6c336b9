/** A block's evidence in the compact form the worker sends back (compact-block.ts). */
import type { BlockInput } from './block-input.js';
import { ATTR_FIELDS, type AttrField, type CompactBlock } from './compact-block.js';
import { EvidenceScratch } from './evidence-scratch.js';
import { encodeNdvi, evidenceCore, ndvi } from './evidence-core.js';
import type { DetectParams } from './params.js';
import { NO_POND_SWIR } from './pond-attributes.js';
import { u32At, u8At } from '../types/checked.js';

/**
 * The pixels where `flags` or `pondF` is non-zero, ascending. A few per cent of a block is set, so
 * it scans four bytes at a time and looks at single bytes only in words that have some set.
 */
function evidencePixels(flags: Uint8Array, pondF: Uint8Array): Uint32Array {
  const n = flags.length;
  const aligned = flags.byteOffset % 4 === 0 && pondF.byteOffset % 4 === 0;
  const words = aligned ? n >> 2 : 0;
  const f32 = new Uint32Array(flags.buffer, flags.byteOffset, words);
  const p32 = new Uint32Array(pondF.buffer, pondF.byteOffset, words);
  const set = (i: number): boolean => u8At(flags, i) !== 0 || u8At(pondF, i) !== 0;
  let count = 0;
  for (let j = 0; j < words; j++) {
    if ((u32At(f32, j) | u32At(p32, j)) === 0) continue;
    for (let i = j << 2, end = i + 4; i < end; i++) if (set(i)) count++;
  }
  for (let i = words << 2; i < n; i++) if (set(i)) count++;
  const idx = new Uint32Array(count);
  let k = 0;
  for (let j = 0; j < words; j++) {
    if ((u32At(f32, j) | u32At(p32, j)) === 0) continue;
    for (let i = j << 2, end = i + 4; i < end; i++) if (set(i)) idx[k++] = i;
  }
  for (let i = words << 2; i < n; i++) if (set(i)) idx[k++] = i;
  return idx;
}

/**
 * The evidence of one block in the compact form the worker sends back: the same values as
 * compactEvidence(blockEvidence(...)), but the per-pixel attributes (NDVI bytes, look counts)
 * are only produced for the few pixels with evidence instead of for every pixel.
 */
export function compactBlockEvidence(
  input: BlockInput,
  p: DetectParams,
  scratch: EvidenceScratch = new EvidenceScratch(),
): CompactBlock {
  const { width: w, height: h } = input;
  const { before, after, flags, pondF, pondSwir } = evidenceCore(input, p, scratch);
  const idx = evidencePixels(flags, pondF);
  const count = idx.length;
  const fields = Object.fromEntries(ATTR_FIELDS.map((k) => [k, new Uint8Array(count)])) as Record<
    AttrField,
    Uint8Array
  >;
  // Locals, not fields.x[k]: `fields` is a dictionary-mode object, slow to index in a loop.
  const { ndviBefore, ndviAfter, clearBefore, clearAfter, validAfter, restored, firstClearAfter } = fields;
  for (let k = 0; k < count; k++) {
    const i = u32At(idx, k);
    ndviBefore[k] = encodeNdvi(ndvi(before.nir, before.red, i));
    ndviAfter[k] = encodeNdvi(ndvi(after.nir, after.red, i));
    clearBefore[k] = u8At(before.clear, i);
    clearAfter[k] = u8At(after.clear, i);
    validAfter[k] = u8At(after.valid, i);
    restored[k] = u8At(after.restored, i);
    firstClearAfter[k] = u8At(after.firstClear, i);
    const sw = pondSwir.get(i) ?? NO_POND_SWIR;
    fields.pondShare[k] = sw[0];
    fields.pondGreen[k] = sw[1];
    fields.pondSwir16[k] = sw[2];
    fields.pondSwir22[k] = sw[3];
    fields.pondContext[k] = sw[4];
  }
  return { width: w, height: h, flags, pondF, attrs: { idx, fields } };
}
