/**
 * Area-of-interest validation and normalisation (RELIABILITY.md §2.4): a bad AOI fails before any
 * network request, with the exact path of the bad coordinate. Pure.
 *
 * Accepted: Polygon, MultiPolygon, Feature or FeatureCollection of those (WGS84, RFC 7946).
 * Normalised: winding (RFC 7946 says parsers should not reject clockwise rings, so we rewind).
 * Refused: unclosed or short rings, NaN or out-of-range coordinates, self-intersections,
 * antimeridian crossings (Kachin never needs one), empty geometries, continental extents.
 */
import * as turf from './turf.js';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import { InvalidInputError } from '../errors.js';
import { selfIntersection } from './self-intersection.js';
import { at } from '../types/checked.js';

export interface Aoi {
  geometry: Polygon | MultiPolygon;
  /** Named sub-areas (townships) when the AOI file's features carry a `township` property. */
  townships: { name: string; pcode?: string; geometry: Polygon | MultiPolygon }[];
  name: string;
}

/** Larger AOIs than this (km²) are refused: chunk them into pipeline runs instead. */
export const MAX_AOI_KM2 = 500_000;

type Geom = Polygon | MultiPolygon;

function fail(source: string, what: string): never {
  throw new InvalidInputError(`invalid AOI ${source}: ${what}`);
}

function checkRing(ring: unknown, path: string, source: string): Position[] {
  if (!Array.isArray(ring)) fail(source, `${path} is not an array of positions`);
  if (ring.length < 4) fail(source, `${path} has ${ring.length} positions; a closed ring needs at least 4`);
  // The checked coordinates, one [lon, lat] per position, for the closure and antimeridian tests.
  const lonLats: [number, number][] = [];
  ring.forEach((p: unknown, k: number) => {
    if (!Array.isArray(p) || p.length < 2) fail(source, `${path}[${k}] is not a [lon, lat] position`);
    const [lon, lat] = p as unknown[];
    if (typeof lon !== 'number' || !Number.isFinite(lon))
      fail(source, `${path}[${k}] longitude ${String(lon)} is not a number`);
    if (typeof lat !== 'number' || !Number.isFinite(lat))
      fail(source, `${path}[${k}] latitude ${String(lat)} is not a number`);
    if (lon < -180 || lon > 180) fail(source, `${path}[${k}] longitude ${lon} is outside -180..180`);
    if (lat < -90 || lat > 90) fail(source, `${path}[${k}] latitude ${lat} is outside -90..90`);
    lonLats.push([lon, lat]);
  });
  const first = at(lonLats, 0);
  const last = at(lonLats, lonLats.length - 1);
  if (first[0] !== last[0] || first[1] !== last[1])
    fail(source, `${path} is not closed (first and last positions differ)`);
  for (let k = 1; k < lonLats.length; k++) {
    const a = at(lonLats, k - 1);
    const b = at(lonLats, k);
    if (Math.abs(a[0] - b[0]) > 180) {
      fail(
        source,
        `${path} crosses the antimeridian between positions ${k - 1} and ${k}; split it in two (RFC 7946 §3.1.9)`,
      );
    }
  }
  return ring as Position[];
}

function checkGeometry(g: unknown, path: string, source: string): Geom {
  if (typeof g !== 'object' || g === null) fail(source, `${path} is not a geometry`);
  const geom = g as { type?: unknown; coordinates?: unknown };
  if (geom.type === 'Polygon') {
    if (!Array.isArray(geom.coordinates) || geom.coordinates.length === 0)
      fail(source, `${path} is an empty Polygon`);
    geom.coordinates.forEach((r: unknown, i: number) => checkRing(r, `${path}.coordinates[${i}]`, source));
    return geom as Polygon;
  }
  if (geom.type === 'MultiPolygon') {
    if (!Array.isArray(geom.coordinates) || geom.coordinates.length === 0)
      fail(source, `${path} is an empty MultiPolygon`);
    geom.coordinates.forEach((poly: unknown, j: number) => {
      if (!Array.isArray(poly) || poly.length === 0)
        fail(source, `${path}.coordinates[${j}] is an empty polygon`);
      poly.forEach((r: unknown, i: number) => checkRing(r, `${path}.coordinates[${j}][${i}]`, source));
    });
    return geom as MultiPolygon;
  }
  return fail(source, `${path} is a ${String(geom.type)}; expected Polygon or MultiPolygon`);
}

/** Parses and validates GeoJSON text or an object; `source` names it in errors (the file path). */
export function parseAoi(json: unknown, source: string, name = source): Aoi {
  if (typeof json !== 'object' || json === null) fail(source, 'not a GeoJSON object');
  const obj = json as { type?: unknown; features?: unknown; geometry?: unknown; properties?: unknown };
  let parts: { geometry: Geom; props: Record<string, unknown> }[];
  if (obj.type === 'FeatureCollection') {
    if (!Array.isArray(obj.features) || obj.features.length === 0)
      fail(source, 'FeatureCollection has no features');
    parts = obj.features.map((f: unknown, k: number) => {
      const feat = f as Feature;
      return {
        geometry: checkGeometry(feat?.geometry, `features[${k}].geometry`, source),
        props: feat?.properties ?? {},
      };
    });
  } else if (obj.type === 'Feature') {
    parts = [
      {
        geometry: checkGeometry(obj.geometry, 'geometry', source),
        props: (obj.properties ?? {}) as Record<string, unknown>,
      },
    ];
  } else {
    parts = [{ geometry: checkGeometry(obj, '(root)', source), props: {} }];
  }
  parts = parts.map((p) => ({ ...p, geometry: turf.rewind(p.geometry, { mutate: false }) as Geom }));
  parts.forEach((p, k) => {
    // Each ring on its own: OGC simple features let the polygons of a MultiPolygon, and a hole and
    // its shell, touch at a point (two pixels meeting at a corner do), which a kinks test over all
    // rings at once would call a crossing. A ring that crosses itself (a bow-tie) is still refused.
    const polygons = p.geometry.type === 'Polygon' ? [p.geometry.coordinates] : p.geometry.coordinates;
    // An R-tree of each ring's segment boxes (self-intersection.ts), not kinks' every pair: a
    // 200,000-vertex outline would take minutes.
    for (const ring of polygons.flat()) {
      const x = selfIntersection(ring);
      if (x.kind === 'too-intricate') {
        fail(
          source,
          `part ${k} is too intricate to check for self-intersections (over ${x.pairs} segment pairs with overlapping boxes); simplify it`,
        );
      }
      if (x.kind === 'meets') {
        const [lon, lat] = x.at;
        fail(
          source,
          `part ${k} intersects itself near ${lon.toFixed(5)}, ${lat.toFixed(5)} (a bow-tie or crossing ring)`,
        );
      }
    }
  });
  const polys = parts.flatMap((p) =>
    p.geometry.type === 'Polygon' ? [p.geometry.coordinates] : p.geometry.coordinates,
  );
  const geometry: Geom =
    polys.length === 1
      ? { type: 'Polygon', coordinates: polys[0] as Position[][] }
      : { type: 'MultiPolygon', coordinates: polys };
  const km2 = turf.area(geometry) / 1e6;
  if (!(km2 > 0)) fail(source, 'the area is empty (zero area)');
  if (km2 > MAX_AOI_KM2)
    fail(
      source,
      `the area is ${Math.round(km2)} km², over the ${MAX_AOI_KM2} km² limit: split it into several runs`,
    );
  const townships = parts
    .filter((p) => typeof p.props['township'] === 'string')
    .map((p) => ({
      name: p.props['township'] as string,
      ...(typeof p.props['township_pcode'] === 'string' ? { pcode: p.props['township_pcode'] } : {}),
      geometry: p.geometry,
    }));
  return { geometry, townships, name };
}
