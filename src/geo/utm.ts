/**
 * UTM <-> WGS84 through proj4. Sentinel-2 L2A tiles are in WGS84 / UTM north or south
 * (EPSG:326zz / 327zz); minewatch handles only those and WGS84 itself.
 */
import proj4 from 'proj4';
import { InternalError } from '../errors.js';
import { at } from '../types/checked.js';

export type LonLat = [number, number];
export type XY = [number, number];

const WGS84 = 'EPSG:4326';

export function isUtmEpsg(epsg: number): boolean {
  return (epsg > 32600 && epsg <= 32660) || (epsg > 32700 && epsg <= 32760);
}

export function utmZoneOfLon(lon: number): number {
  return Math.min(60, Math.max(1, Math.floor((lon + 180) / 6) + 1));
}

export function utmEpsgFor(lon: number, lat: number): number {
  return (lat >= 0 ? 32600 : 32700) + utmZoneOfLon(lon);
}

function projString(epsg: number): string {
  if (epsg === 4326) return WGS84;
  if (!isUtmEpsg(epsg))
    throw new InternalError(`unsupported CRS EPSG:${epsg}: only WGS84 and UTM are handled`);
  const zone = epsg % 100;
  const south = epsg > 32700 ? ' +south' : '';
  return `+proj=utm +zone=${zone}${south} +datum=WGS84 +units=m +no_defs`;
}

const converters = new Map<string, proj4.Converter>();

function converter(from: number, to: number): proj4.Converter {
  const key = `${from}>${to}`;
  let c = converters.get(key);
  if (!c) {
    c = proj4(projString(from), projString(to));
    converters.set(key, c);
  }
  return c;
}

export function transformPoint(from: number, to: number, p: readonly [number, number]): [number, number] {
  if (from === to) return [p[0], p[1]];
  const out = converter(from, to).forward([p[0], p[1]]);
  return [at(out, 0), at(out, 1)];
}

export function toUtm(epsg: number, lonLat: LonLat): XY {
  return transformPoint(4326, epsg, lonLat);
}

export function toLonLat(epsg: number, xy: XY): LonLat {
  return transformPoint(epsg, 4326, xy);
}

/**
 * An affine map fitted to `from -> to` around a point, good to well under a metre over
 * a few kilometres between adjacent UTM zones. Used where per-pixel proj4 calls would be slow.
 */
export interface Affine {
  /** to.x = a0 + a1 * dx + a2 * dy, with dx, dy offsets from the origin in `from` units */
  x: [number, number, number];
  y: [number, number, number];
}

export function fitAffine(from: number, to: number, origin: XY, span: number): Affine {
  const o = transformPoint(from, to, origin);
  const ex = transformPoint(from, to, [origin[0] + span, origin[1]]);
  const ey = transformPoint(from, to, [origin[0], origin[1] + span]);
  return {
    x: [o[0], (ex[0] - o[0]) / span, (ey[0] - o[0]) / span],
    y: [o[1], (ex[1] - o[1]) / span, (ey[1] - o[1]) / span],
  };
}
