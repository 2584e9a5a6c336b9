/** Options of the COG writer and their validation at the edge. */
import { InternalError } from '../../errors.js';

export type CogDataType = 'uint8' | 'uint16';

/** North-up georeference; originX/originY are the top-left corner of the top-left pixel. */
export interface CogGeoreference {
  epsg: number;
  originX: number;
  originY: number;
  pixelSize: number;
}

export interface WriteCogOptions {
  width: number;
  height: number;
  dataType: CogDataType;
  /** One band, row-major, length width*height. */
  data: Uint8Array | Uint16Array;
  georef: CogGeoreference;
  /** Written as the GDAL_NODATA tag (42113); also the fill of partial edge tiles. */
  nodata?: number;
  /** Default 1024. */
  tileSize?: 256 | 512 | 1024;
  /** 1 = none, 2 = horizontal differencing (default). */
  predictor?: 1 | 2;
  /** zlib level 0..9, default 6. */
  compressionLevel?: number;
  /** Default 'average' (ignores nodata pixels); use 'nearest' for class maps such as SCL. */
  overviewResampling?: 'nearest' | 'average';
  /** Overviews stop once a level fits in minOverviewSize x minOverviewSize (default tileSize). */
  minOverviewSize?: number;
  /** What the values mean, written as GDAL's GDAL_METADATA tag (42112); none by default. */
  metadata?: CogMetadata;
}

/**
 * Metadata GDAL (and so QGIS) reads from the GDAL_METADATA tag: dataset items (key = value), and
 * the band's description, unit and the scale and offset that turn stored integers into values
 * (value = stored * scale + offset).
 */
export interface CogMetadata {
  items?: Record<string, string>;
  band?: { description?: string; unit?: string; scale?: number; offset?: number };
}

/** Options with every default applied. */
export type ResolvedCogOptions = Required<Omit<WriteCogOptions, 'nodata' | 'metadata'>> & {
  nodata: number | undefined;
  metadata: CogMetadata | undefined;
};

const TILE_SIZES = [256, 512, 1024] as const;
const MAX_VALUE: Record<CogDataType, number> = { uint8: 0xff, uint16: 0xffff };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks every option and applies defaults; throws an Error naming the first bad option. */
export function validateCogOptions(opts: WriteCogOptions): ResolvedCogOptions {
  if (typeof opts !== 'object' || opts === null)
    throw new InternalError('encodeCog: options must be an object');
  const { width, height, dataType, data, georef } = opts;
  if (!isInt(width) || width < 1)
    throw new InternalError(`encodeCog: width must be a positive integer, got ${width}`);
  if (!isInt(height) || height < 1) {
    throw new InternalError(`encodeCog: height must be a positive integer, got ${height}`);
  }
  if (dataType !== 'uint8' && dataType !== 'uint16') {
    throw new InternalError(`encodeCog: dataType must be 'uint8' or 'uint16', got ${String(dataType)}`);
  }
  const wantedArray = dataType === 'uint16' ? Uint16Array : Uint8Array;
  if (!(data instanceof wantedArray)) {
    throw new InternalError(`encodeCog: data must be a ${wantedArray.name} for dataType '${dataType}'`);
  }
  if (data.length !== width * height) {
    throw new InternalError(
      `encodeCog: data length ${data.length} does not match width*height = ${width}*${height} = ${width * height}`,
    );
  }
  if (typeof georef !== 'object' || georef === null) throw new InternalError('encodeCog: georef is required');
  if (!isInt(georef.epsg) || georef.epsg < 1 || georef.epsg > 0xffff) {
    throw new InternalError(`encodeCog: georef.epsg must be an EPSG code in 1..65535, got ${georef.epsg}`);
  }
  for (const key of ['originX', 'originY'] as const) {
    if (!isFiniteNumber(georef[key]))
      throw new InternalError(`encodeCog: georef.${key} must be a finite number`);
  }
  if (!isFiniteNumber(georef.pixelSize) || georef.pixelSize <= 0) {
    throw new InternalError(`encodeCog: georef.pixelSize must be a positive number, got ${georef.pixelSize}`);
  }
  const { nodata } = opts;
  if (nodata !== undefined && (!isInt(nodata) || nodata < 0 || nodata > MAX_VALUE[dataType])) {
    throw new InternalError(
      `encodeCog: nodata must be an integer in 0..${MAX_VALUE[dataType]} for ${dataType}`,
    );
  }
  const tileSize = opts.tileSize ?? 1024;
  if (!(TILE_SIZES as readonly number[]).includes(tileSize)) {
    throw new InternalError(`encodeCog: unsupported tileSize ${tileSize} (use ${TILE_SIZES.join(', ')})`);
  }
  const predictor = opts.predictor ?? 2;
  if (predictor !== 1 && predictor !== 2) throw new InternalError(`encodeCog: predictor must be 1 or 2`);
  const compressionLevel = opts.compressionLevel ?? 6;
  if (!isInt(compressionLevel) || compressionLevel < 0 || compressionLevel > 9) {
    throw new InternalError(
      `encodeCog: compressionLevel must be an integer in 0..9, got ${compressionLevel}`,
    );
  }
  const overviewResampling = opts.overviewResampling ?? 'average';
  if (overviewResampling !== 'average' && overviewResampling !== 'nearest') {
    throw new InternalError(`encodeCog: overviewResampling must be 'average' or 'nearest'`);
  }
  const minOverviewSize = opts.minOverviewSize ?? tileSize;
  if (!isInt(minOverviewSize) || minOverviewSize < 1) {
    throw new InternalError(`encodeCog: minOverviewSize must be a positive integer, got ${minOverviewSize}`);
  }
  const { metadata } = opts;
  if (metadata !== undefined) checkMetadata(metadata);
  return {
    width,
    height,
    dataType,
    data,
    georef,
    nodata,
    tileSize,
    predictor,
    compressionLevel,
    overviewResampling,
    minOverviewSize,
    metadata,
  };
}

function checkMetadata(m: CogMetadata): void {
  for (const key of Object.keys(m.items ?? {}))
    if (!/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(key))
      throw new InternalError(`encodeCog: metadata item name ${JSON.stringify(key)} is not a plain name`);
  for (const key of ['scale', 'offset'] as const) {
    const v = m.band?.[key];
    if (v !== undefined && !isFiniteNumber(v))
      throw new InternalError(`encodeCog: metadata.band.${key} must be finite`);
  }
}
