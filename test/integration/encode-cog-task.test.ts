import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCog, encodeSparseCog } from '../../src/io/tiff/cog-writer.js';
import type { EncodeCogInput } from '../../src/run/tasks/encode-cog.js';
import { WorkerPool } from '../../src/run/worker-pool.js';

// The quicklook COGs are written on the worker pool (a real worker thread, the built dist/): the
// bytes must be those the writer makes on the main thread, and the pixels must move, not copy.

const GEOREF = { epsg: 32647, originX: 399960, originY: 2800020, pixelSize: 10 };

function band(width: number, height: number, every: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i += every) data[i] = 1 + ((i * 7919) % 255);
  return data;
}

let pool: WorkerPool;
beforeAll(() => {
  pool = new WorkerPool({ size: 1 });
});
afterAll(async () => {
  await pool.close();
});

describe('encode-cog task', () => {
  it('writes a dense COG byte for byte as the main thread does, the band moved to the worker', async () => {
    const dense = {
      width: 700,
      height: 530,
      dataType: 'uint8' as const,
      data: band(700, 530, 3),
      georef: GEOREF,
      nodata: 0,
      tileSize: 512 as const,
      compressionLevel: 1,
    };
    const expected = encodeCog({ ...dense, data: dense.data.slice() });
    const input: EncodeCogInput = { dense };
    const out = await pool.runTask('encode-cog', input, [dense.data.buffer]);
    expect(dense.data.byteLength).toBe(0); // moved, not copied
    expect(Buffer.from(out.bytes).equals(expected)).toBe(true);
  });

  it('writes a sparse COG from its non-zero pixels byte for byte as the main thread does', async () => {
    const full = band(1100, 900, 997);
    const pixels = Uint32Array.from(full.keys()).filter((i) => full[i] !== 0);
    const values = Uint8Array.from(pixels, (i) => full[i]!);
    const sparse = {
      width: 1100,
      height: 900,
      georef: GEOREF,
      tileSize: 512 as const,
      compressionLevel: 6,
      pixels,
      values,
    };
    const expected = encodeSparseCog({ ...sparse, pixels: pixels.slice(), values: values.slice() });
    const out = await pool.runTask('encode-cog', { sparse }, [pixels.buffer, values.buffer]);
    expect(Buffer.from(out.bytes).equals(expected)).toBe(true);
  });

  it('refuses an input that names no COG, and the pool goes on', async () => {
    const bad = { neither: true } as unknown as EncodeCogInput;
    await expect(pool.runTask('encode-cog', bad)).rejects.toThrow(/names neither a dense nor a sparse COG/);
    const ok = await pool.runTask('encode-cog', {
      dense: { width: 4, height: 4, dataType: 'uint8', data: new Uint8Array(16), georef: GEOREF },
    });
    expect(ok.bytes.byteLength).toBeGreaterThan(0);
  });
});
