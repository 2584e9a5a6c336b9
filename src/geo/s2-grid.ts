/**
 * The Sentinel-2 tiling grid: each tile is 109.8 km square, anchored at the north-west corner
 * of an MGRS 100 km square and overlapping its east and south neighbours by 9.8 km.
 */
import { forward as mgrsForward } from 'mgrs';
import { toLonLat, toUtm, utmEpsgFor, type XY } from './utm.js';

export const S2_TILE_SIZE_M = 109_800;

export interface S2Tile {
  /** e.g. "47RMJ" */
  code: string;
  zone: number;
  latitudeBand: string;
  gridSquare: string;
  epsg: number;
  /** Upper-left corner in the tile's UTM CRS. */
  ulx: number;
  uly: number;
}

export function tileContains(tile: S2Tile, xy: XY): boolean {
  return (
    xy[0] >= tile.ulx &&
    xy[0] < tile.ulx + S2_TILE_SIZE_M &&
    xy[1] <= tile.uly &&
    xy[1] > tile.uly - S2_TILE_SIZE_M
  );
}

/**
 * Every S2 tile of the given UTM zone (default: the point's own) whose extent holds the point.
 * Tiles overlap by 9.8 km, so a point near a square's west or north edge lies in two to four.
 */
export function s2TilesCovering(lon: number, lat: number, zone?: number): S2Tile[] {
  const home = utmEpsgFor(lon, lat);
  const epsg = zone === undefined ? home : home - (home % 100) + zone;
  const xy = toUtm(epsg, [lon, lat]);
  const squareW = Math.floor(xy[0] / 100_000) * 100_000;
  const squareS = Math.floor(xy[1] / 100_000) * 100_000;
  const tiles: S2Tile[] = [];
  for (const dx of [-100_000, 0]) {
    for (const dy of [0, 100_000]) {
      const tile = tileOfSquare(epsg, squareW + dx, squareS + dy);
      if (tile && tileContains(tile, xy)) tiles.push(tile);
    }
  }
  return tiles;
}

/** The S2 tile anchored on the 100 km square with SW corner (w, s), if that square reaches into the zone. */
export function tileOfSquare(epsg: number, w: number, s: number): S2Tile | undefined {
  // mgrs answers in the zone of the point it is given, so ask about the point of the square
  // nearest the zone's central meridian (x = 500 km); squares at a zone edge are partial, and
  // S2 defines a tile for every square that reaches into the zone.
  const probeX = Math.min(Math.max(500_000, w + 1_000), w + 99_000);
  const probe = toLonLat(epsg, [probeX, s + 50_000]);
  const m = /^(\d{1,2})([C-X])([A-Z]{2})/.exec(mgrsForward(probe, 1));
  if (!m || Number(m[1]) !== epsg % 100) return undefined;
  const band = m[2] as string;
  const square = m[3] as string;
  // Real S2 tiles start 40 m west of the square's edge (13TDE: x 399960, y 4500000).
  return {
    code: `${epsg % 100}${band}${square}`,
    zone: epsg % 100,
    latitudeBand: band,
    gridSquare: square,
    epsg,
    ulx: w - 40,
    uly: s + 100_000,
  };
}
