/**
 * Minimal classic-TIFF (little-endian) IFD layout and serialisation.
 *
 * A writer builds each IFD as a list of fields, asks {@link layoutIfds} where every IFD and every
 * out-of-line value goes, fills in late values (tile offsets) and then calls {@link writeIfds}.
 * Only the field types a GeoTIFF needs are supported.
 */
import { InternalError } from '../../errors.js';
import { at } from '../../types/checked.js';

/** TIFF and GeoTIFF tag ids used by the COG writer. */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  SamplesPerPixel: 277,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  GeoKeyDirectory: 34735,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;

/** GeoKey ids (GeoTIFF 1.1, section 7). */
export const GeoKey = {
  GTModelType: 1024,
  GTRasterType: 1025,
  ProjectedCSType: 3072,
} as const;

export type TiffFieldType = 'ascii' | 'short' | 'long' | 'double';

const TYPE_CODE: Record<TiffFieldType, number> = { ascii: 2, short: 3, long: 4, double: 12 };
const TYPE_SIZE: Record<TiffFieldType, number> = { ascii: 1, short: 2, long: 4, double: 8 };

export interface TiffField {
  tag: number;
  type: TiffFieldType;
  /** Numbers for numeric types; a string (7-bit ASCII, NUL added on write) for 'ascii'. */
  values: ArrayLike<number> | string;
}

/** One IFD: its fields sorted by ascending tag, as TIFF 6.0 requires. */
export type Ifd = readonly TiffField[];

export interface IfdPlacement {
  /** Byte offset of the IFD itself. */
  offset: number;
  /** Byte offset of each out-of-line value, by tag. Values of at most 4 bytes are stored in the entry. */
  valueOffsets: Map<number, number>;
}

export interface IfdLayout {
  placements: IfdPlacement[];
  /** First byte after the IFDs and all their values. */
  end: number;
}

export const IFD_ENTRY_SIZE = 12;

function fieldCount(field: TiffField): number {
  return typeof field.values === 'string' ? field.values.length + 1 : field.values.length;
}

function fieldByteSize(field: TiffField): number {
  return fieldCount(field) * TYPE_SIZE[field.type];
}

export function ifdByteSize(ifd: Ifd): number {
  return 2 + ifd.length * IFD_ENTRY_SIZE + 4;
}

/** Sorts fields by tag and rejects duplicates and values that do not fit their type. */
export function makeIfd(fields: TiffField[]): Ifd {
  const sorted = [...fields].sort((a, b) => a.tag - b.tag);
  for (const [i, field] of sorted.entries()) {
    if (i > 0 && at(sorted, i - 1).tag === field.tag)
      throw new InternalError(`duplicate TIFF tag ${field.tag}`);
    if ((typeof field.values === 'string') !== (field.type === 'ascii')) {
      throw new InternalError(`TIFF tag ${field.tag}: values do not match type ${field.type}`);
    }
    if (typeof field.values === 'string' && !/^[\x20-\x7e]*$/.test(field.values)) {
      throw new InternalError(`TIFF tag ${field.tag}: ASCII value must be printable 7-bit ASCII`);
    }
    if (fieldCount(field) === 0) throw new InternalError(`TIFF tag ${field.tag}: no values`);
  }
  return sorted;
}

const align2 = (n: number): number => n + (n & 1);

/**
 * Places IFDs one after the other from `start`, each followed by its out-of-line values, except the
 * values of `lateTags` (TileOffsets, TileByteCounts), which are all placed after the last IFD, as
 * GDAL's COG layout does. Every IFD and value starts on a word (2-byte) boundary.
 */
export function layoutIfds(ifds: readonly Ifd[], start: number, lateTags: ReadonlySet<number>): IfdLayout {
  let pos = align2(start);
  const placements: IfdPlacement[] = [];
  for (const ifd of ifds) {
    const placement: IfdPlacement = { offset: pos, valueOffsets: new Map() };
    pos += ifdByteSize(ifd);
    for (const field of ifd) {
      const size = fieldByteSize(field);
      if (size <= 4 || lateTags.has(field.tag)) continue;
      placement.valueOffsets.set(field.tag, pos);
      pos = align2(pos + size);
    }
    placements.push(placement);
  }
  ifds.forEach((ifd, i) => {
    for (const field of ifd) {
      const size = fieldByteSize(field);
      if (size <= 4 || !lateTags.has(field.tag)) continue;
      at(placements, i).valueOffsets.set(field.tag, pos);
      pos = align2(pos + size);
    }
  });
  return { placements, end: pos };
}

function writeValues(buf: Buffer, pos: number, field: TiffField): void {
  const { values, type } = field;
  if (typeof values === 'string') {
    buf.write(values, pos, 'latin1'); // the NUL terminator is the buffer's zero fill
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = at(values, i);
    if (type === 'short') buf.writeUInt16LE(v, pos + 2 * i);
    else if (type === 'long') buf.writeUInt32LE(v, pos + 4 * i);
    else buf.writeDoubleLE(v, pos + 8 * i);
  }
}

/** Writes the IFD chain (each IFD pointing at the next, the last at 0) into a zero-filled buffer. */
export function writeIfds(buf: Buffer, ifds: readonly Ifd[], layout: IfdLayout): void {
  ifds.forEach((ifd, i) => {
    const placement = at(layout.placements, i);
    let pos = placement.offset;
    buf.writeUInt16LE(ifd.length, pos);
    pos += 2;
    for (const field of ifd) {
      buf.writeUInt16LE(field.tag, pos);
      buf.writeUInt16LE(TYPE_CODE[field.type], pos + 2);
      buf.writeUInt32LE(fieldCount(field), pos + 4);
      const valueOffset = placement.valueOffsets.get(field.tag);
      if (valueOffset === undefined) {
        writeValues(buf, pos + 8, field);
      } else {
        buf.writeUInt32LE(valueOffset, pos + 8);
        writeValues(buf, valueOffset, field);
      }
      pos += IFD_ENTRY_SIZE;
    }
    const next = layout.placements[i + 1];
    buf.writeUInt32LE(next ? next.offset : 0, pos);
  });
}
