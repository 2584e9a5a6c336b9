/**
 * The reader as the scan uses it, on bytes in memory: header, then every tile of every image fetched
 * and decoded. A hostile file must either decode or be refused with a CogFormatError or RangeError;
 * anything else thrown is a crash of the reader.
 */
import { MemoryByteSource, type ByteSource } from '../../../src/io/byte-source.js';
import { CogFormatError, readCogHeader } from '../../../src/io/cog-header.js';
import { fetchTiles } from '../../../src/io/cog-window.js';
import { decodeTile, type Pixels } from '../../../src/io/decode-tile.js';

export type Outcome =
  | { kind: 'decoded'; tiles: Pixels[][] }
  | { kind: 'rejected'; reason: string; message: string }
  | { kind: 'crash'; message: string }
  | { kind: 'hang' };

/** Every tile of every image, decoded; throws what the reader throws. */
export async function decodeAll(source: ByteSource): Promise<Pixels[][]> {
  const header = await readCogHeader(source);
  const out: Pixels[][] = [];
  for (const image of header.images) {
    const all = [...image.tileOffsets.keys()];
    const bytes = await fetchTiles(source, image, all);
    out.push(all.map((t) => decodeTile(bytes.get(t) ?? null, image, header.nodata, `tile ${t}`)));
  }
  return out;
}

export function classify(err: unknown): Outcome {
  if (err instanceof CogFormatError) return { kind: 'rejected', reason: err.reason, message: err.message };
  if (err instanceof RangeError) return { kind: 'rejected', reason: 'range', message: err.message };
  return { kind: 'crash', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/** Decodes `bytes`, classifying the result; a run longer than `limitMs` is a hang. */
export async function tryDecode(bytes: Uint8Array, limitMs = 10_000): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hang' }), limitMs);
  });
  const work = decodeAll(new MemoryByteSource(bytes)).then(
    (tiles): Outcome => ({ kind: 'decoded', tiles }),
    classify,
  );
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Samples that differ between two decodes of the same layout (different layouts: all of `a`). */
export function differingSamples(a: Pixels[][], b: Pixels[][]): number {
  let n = 0;
  a.forEach((tiles, i) =>
    tiles.forEach((t, j) => {
      const u = b[i]?.[j];
      if (!u || u.length !== t.length) n += t.length;
      else for (let k = 0; k < t.length; k++) if (t[k] !== u[k]) n++;
    }),
  );
  return n;
}
