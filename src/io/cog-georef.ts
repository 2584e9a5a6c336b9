/**
 * Georeferencing of a GeoTIFF's full-resolution image: EPSG code from the GeoKeyDirectory, origin and
 * pixel size from ModelPixelScale + ModelTiepoint, or from ModelTransformation. Only north-up grids
 * with an EPSG code are accepted, because every later step (windows, UTM transforms) assumes them.
 */
import { HeaderBytes, readNumbers, type IfdEntry } from './tiff-ifd.js';
import { f64At } from '../types/checked.js';

export interface Georef {
  epsg: number;
  origin: [number, number];
  pixelSize: [number, number];
}

const ModelPixelScale = 33550;
const ModelTiepoint = 33922;
const ModelTransformation = 34264;
const GeoKeyDirectory = 34735;
const GeographicTypeGeoKey = 2048;
const ProjectedCSTypeGeoKey = 3072;
const GTRasterTypeGeoKey = 1025;
const RasterPixelIsPoint = 2;
const USER_DEFINED = 32767;

/** Inline (location 0) SHORT values of the GeoKeyDirectory, by key id. */
async function geoKeys(
  hb: HeaderBytes,
  entry: IfdEntry | undefined,
  le: boolean,
): Promise<Map<number, number>> {
  const keys = new Map<number, number>();
  if (entry === undefined) return keys;
  const v = await readNumbers(hb, entry, le, 4 * 1024);
  const n = v[3] ?? 0;
  for (let k = 0; k < n && 4 + 4 * k + 3 < v.length; k++) {
    const base = 4 + 4 * k;
    if (v[base + 1] === 0) keys.set(f64At(v, base), f64At(v, base + 3));
  }
  return keys;
}

export async function readGeoref(
  hb: HeaderBytes,
  entries: Map<number, IfdEntry>,
  le: boolean,
): Promise<Georef> {
  const keys = await geoKeys(hb, entries.get(GeoKeyDirectory), le);
  const code = [keys.get(ProjectedCSTypeGeoKey), keys.get(GeographicTypeGeoKey)].find(
    (c) => c !== undefined && c > 0 && c !== USER_DEFINED,
  );
  if (code === undefined) {
    hb.fail(
      'no-georef',
      keys.size === 0 ? 'no GeoKeyDirectory' : 'no EPSG code in the GeoKeyDirectory (user-defined CRS?)',
    );
  }
  const numbers = async (tag: number, max: number): Promise<Float64Array | undefined> => {
    const e = entries.get(tag);
    return e === undefined ? undefined : readNumbers(hb, e, le, max);
  };
  const scale = await numbers(ModelPixelScale, 3);
  const tie = await numbers(ModelTiepoint, 6 * 1024);
  let ox: number;
  let oy: number;
  let sx: number;
  let sy: number;
  if (scale && scale.length >= 2 && tie && tie.length >= 6) {
    [sx, sy] = [f64At(scale, 0), f64At(scale, 1)];
    ox = f64At(tie, 3) - f64At(tie, 0) * sx;
    oy = f64At(tie, 4) + f64At(tie, 1) * sy;
  } else {
    const m = await numbers(ModelTransformation, 16);
    if (!m || m.length < 16)
      hb.fail('no-georef', 'no georeferencing (ModelPixelScale + ModelTiepoint or ModelTransformation)');
    if (m[1] !== 0 || m[4] !== 0)
      hb.fail('no-georef', 'rotated or sheared ModelTransformation is not supported');
    [sx, sy, ox, oy] = [f64At(m, 0), -f64At(m, 5), f64At(m, 3), f64At(m, 7)];
  }
  if (!(
    sx > 0 &&
    sy > 0 &&
    Number.isFinite(sx) &&
    Number.isFinite(sy) &&
    Number.isFinite(ox) &&
    Number.isFinite(oy)
  )) {
    hb.fail('no-georef', `not a north-up grid (pixel size ${sx}, ${sy})`);
  }
  // PixelIsPoint tiepoints name pixel centres; shift to the corner, as GDAL does by default.
  if (keys.get(GTRasterTypeGeoKey) === RasterPixelIsPoint) {
    ox -= sx / 2;
    oy += sy / 2;
  }
  return { epsg: code, origin: [ox, oy], pixelSize: [sx, sy] };
}
