/**
 * Low-level TIFF structure: the file header (classic or BigTIFF, either byte order), the header
 * bytes fetched on demand under a byte cap, IFD entries and their values. Interpretation of the tags
 * lives in cog-header.ts.
 */
import type { ByteSource } from './byte-source.js';
import { CogFormatError } from './cog-format-error.js';
import { InternalError } from '../errors.js';

/** Where a field's value bytes are: inline in the entry or out of line, resolved to one offset. */
export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the first value byte. */
  at: number;
}

export interface TiffLayout {
  littleEndian: boolean;
  bigTiff: boolean;
  firstIfd: number;
}

/** Bytes per value of each TIFF field type (TIFF 6.0 §2 plus BigTIFF's LONG8, SLONG8, IFD8). */
const TYPE_SIZE: Record<number, number> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
}; // prettier-ignore

/** More entries than this in one IFD is garbage, not a TIFF (GDAL writes about 20). */
const MAX_ENTRIES = 4096;

/**
 * The start of the file, grown as IFDs and arrays need: the prefix doubles while it stays under the
 * cap (COGs keep all metadata at the front); anything further out is read on its own. Every byte
 * fetched counts against the cap, so a huge or hostile header fails instead of filling memory.
 */
export class HeaderBytes {
  private prefix = new Uint8Array(0);
  private atEof = false;
  private used = 0;
  size: number | undefined;

  constructor(
    private readonly source: ByteSource,
    private readonly cap: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Reads the first `n` bytes and learns the file size (free for HTTP once a range came back). */
  async init(n: number): Promise<void> {
    await this.grow(Math.min(n, this.cap));
    this.size = this.atEof ? this.prefix.length : await this.source.size();
  }

  /** A view of `length` bytes at `offset`, fetching them if needed. */
  async view(offset: number, length: number, what: string): Promise<DataView> {
    const end = offset + length;
    if (!Number.isSafeInteger(end)) this.fail('malformed', `${what} at offset ${offset} is out of range`);
    if (this.size !== undefined && end > this.size) {
      this.fail('truncated', `${what} needs bytes ${offset}..${end} but the file has ${this.size} bytes`);
    }
    if (end > this.prefix.length && end <= this.cap && !this.atEof) {
      await this.grow(Math.min(this.cap, Math.max(end, 2 * this.prefix.length), this.size ?? Infinity));
    }
    if (end <= this.prefix.length)
      return new DataView(this.prefix.buffer, this.prefix.byteOffset + offset, length);
    if (this.atEof) {
      this.fail(
        'truncated',
        `${what} needs bytes ${offset}..${end} but the file has ${this.prefix.length} bytes`,
      );
    }
    this.charge(length, what);
    const bytes = await this.source.read(offset, length, this.signal);
    if (bytes.length < length) this.fail('truncated', `${what} at ${offset} runs past the end of the file`);
    return new DataView(bytes.buffer, bytes.byteOffset, length);
  }

  private async grow(to: number): Promise<void> {
    const from = this.prefix.length;
    if (to <= from) return;
    this.charge(to - from, 'header');
    const more = await this.source.read(from, to - from, this.signal);
    const next = new Uint8Array(from + more.length);
    next.set(this.prefix, 0);
    next.set(more, from);
    this.prefix = next;
    if (more.length < to - from) this.atEof = true;
  }

  private charge(n: number, what: string): void {
    this.used += n;
    if (this.used > this.cap) {
      this.fail('header-too-large', `${what} needs more than the ${this.cap}-byte header budget`);
    }
  }

  fail(reason: CogFormatError['reason'], detail: string): never {
    throw new CogFormatError(reason, this.source.id, detail);
  }
}

function u64(dv: DataView, at: number, le: boolean, hb: HeaderBytes, what: string): number {
  const v = dv.getBigUint64(at, le);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) hb.fail('malformed', `${what} ${v} is too large`);
  return Number(v);
}

/** Byte order mark, version (42 classic, 43 BigTIFF) and the first IFD offset. */
export async function readLayout(hb: HeaderBytes): Promise<TiffLayout> {
  const dv = await hb.view(0, 8, 'TIFF header');
  const bom = dv.getUint16(0, false);
  if (bom !== 0x4949 && bom !== 0x4d4d)
    hb.fail('bad-magic', `not a TIFF (byte-order mark 0x${bom.toString(16)})`);
  const littleEndian = bom === 0x4949;
  const version = dv.getUint16(2, littleEndian);
  if (version === 42) return { littleEndian, bigTiff: false, firstIfd: dv.getUint32(4, littleEndian) };
  if (version !== 43) hb.fail('bad-magic', `not a TIFF (version ${version})`);
  const big = await hb.view(0, 16, 'BigTIFF header');
  if (big.getUint16(4, littleEndian) !== 8 || big.getUint16(6, littleEndian) !== 0) {
    hb.fail('bad-magic', 'BigTIFF header with an offset size other than 8');
  }
  return { littleEndian, bigTiff: true, firstIfd: u64(big, 8, littleEndian, hb, 'first IFD offset') };
}

/** The entries of the IFD at `offset` and the offset of the next IFD (0 at the end of the chain). */
export async function readIfd(
  hb: HeaderBytes,
  layout: TiffLayout,
  offset: number,
): Promise<{ entries: Map<number, IfdEntry>; next: number }> {
  const le = layout.littleEndian;
  const [countSize, entrySize, ptrSize] = layout.bigTiff ? [8, 20, 8] : [2, 12, 4];
  const head = await hb.view(offset, countSize, `IFD at ${offset}`);
  const n = layout.bigTiff ? u64(head, 0, le, hb, 'IFD entry count') : head.getUint16(0, le);
  if (n === 0 || n > MAX_ENTRIES) hb.fail('malformed', `IFD at ${offset} claims ${n} entries`);
  const dv = await hb.view(offset + countSize, n * entrySize + ptrSize, `IFD at ${offset}`);
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < n; i++) {
    const e = i * entrySize;
    const tag = dv.getUint16(e, le);
    const type = dv.getUint16(e + 2, le);
    const count = layout.bigTiff ? u64(dv, e + 4, le, hb, `count of tag ${tag}`) : dv.getUint32(e + 4, le);
    const size = TYPE_SIZE[type];
    if (size === undefined) continue; // unknown types are skipped, as TIFF 6.0 asks of readers
    const valueField = e + (layout.bigTiff ? 12 : 8);
    const inline = size * count <= ptrSize;
    const at = inline
      ? offset + countSize + valueField
      : layout.bigTiff
        ? u64(dv, valueField, le, hb, `offset of tag ${tag}`)
        : dv.getUint32(valueField, le);
    entries.set(tag, { tag, type, count, at });
  }
  const ptr = n * entrySize;
  const next = layout.bigTiff ? u64(dv, ptr, le, hb, 'next IFD offset') : dv.getUint32(ptr, le);
  return { entries, next };
}

/** The numeric values of an entry, as float64 (exact for every integer up to 2^53). */
export async function readNumbers(
  hb: HeaderBytes,
  entry: IfdEntry,
  le: boolean,
  maxCount: number,
): Promise<Float64Array> {
  if (entry.count > maxCount)
    hb.fail('malformed', `tag ${entry.tag} has ${entry.count} values (max ${maxCount})`);
  const size = TYPE_SIZE[entry.type];
  // readIfd keeps only entries of known types.
  if (size === undefined) throw new InternalError(`tag ${entry.tag} has unknown type ${entry.type}`);
  const dv = await hb.view(entry.at, size * entry.count, `values of tag ${entry.tag}`);
  const out = new Float64Array(entry.count);
  const get = reader(entry.type, dv, le);
  if (get === undefined) hb.fail('malformed', `tag ${entry.tag} has non-numeric type ${entry.type}`);
  for (let i = 0; i < entry.count; i++) out[i] = get(i * size);
  return out;
}

function reader(type: number, dv: DataView, le: boolean): ((at: number) => number) | undefined {
  switch (type) {
    case 1:
    case 7: return (at) => dv.getUint8(at); // prettier-ignore
    case 6: return (at) => dv.getInt8(at); // prettier-ignore
    case 3: return (at) => dv.getUint16(at, le); // prettier-ignore
    case 8: return (at) => dv.getInt16(at, le); // prettier-ignore
    case 4:
    case 13: return (at) => dv.getUint32(at, le); // prettier-ignore
    case 9: return (at) => dv.getInt32(at, le); // prettier-ignore
    case 5: return (at) => dv.getUint32(at, le) / dv.getUint32(at + 4, le); // prettier-ignore
    case 10: return (at) => dv.getInt32(at, le) / dv.getInt32(at + 4, le); // prettier-ignore
    case 11: return (at) => dv.getFloat32(at, le); // prettier-ignore
    case 12: return (at) => dv.getFloat64(at, le); // prettier-ignore
    case 16:
    case 18: return (at) => Number(dv.getBigUint64(at, le)); // prettier-ignore
    case 17: return (at) => Number(dv.getBigInt64(at, le)); // prettier-ignore
    default: return undefined; // prettier-ignore
  }
}

/** An ASCII value up to its first NUL. */
export async function readAscii(hb: HeaderBytes, entry: IfdEntry, maxCount: number): Promise<string> {
  if (entry.count > maxCount) hb.fail('malformed', `tag ${entry.tag} has ${entry.count} characters`);
  const dv = await hb.view(entry.at, entry.count, `text of tag ${entry.tag}`);
  const text = new TextDecoder('latin1').decode(dv);
  const nul = text.indexOf('\0');
  return nul >= 0 ? text.slice(0, nul) : text;
}
