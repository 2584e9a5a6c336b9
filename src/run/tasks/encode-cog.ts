/**
 * Worker task: encode one Cloud-Optimized GeoTIFF, dense or sparse, and move its bytes back. A
 * tile's quicklook COGs are compressed here, on workers that would otherwise wait while the main
 * thread detects the tile; the writer is the same, so the bytes are the same on any thread.
 */
import { InternalError } from '../../errors.js';
import {
  encodeCog,
  encodeSparseCog,
  type SparseCogOptions,
  type WriteCogOptions,
} from '../../io/tiff/cog-writer.js';
import type { TaskContext } from '../task-handler.js';

/** One COG to write: a dense band, or a sparse uint8 band given by its non-zero pixels. */
export type EncodeCogInput = { dense: WriteCogOptions } | { sparse: SparseCogOptions };

export interface EncodeCogOutput {
  /** The whole file. */
  bytes: Uint8Array;
}

export default function encodeCogTask(input: EncodeCogInput, context: TaskContext): EncodeCogOutput {
  // The options themselves are checked by the writer (validateCogOptions).
  if (typeof input !== 'object' || input === null || !('dense' in input || 'sparse' in input))
    throw new InternalError('encode-cog: the input names neither a dense nor a sparse COG');
  const file = 'dense' in input ? encodeCog(input.dense) : encodeSparseCog(input.sparse);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  // Buffer.alloc gives the file its own ArrayBuffer, so moving it moves nothing else; were it
  // ever a slice of a larger one, it is copied instead (structured clone).
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    context.transfer(bytes.buffer as ArrayBuffer);
  return { bytes };
}
