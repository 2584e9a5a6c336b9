/**
 * The geometry every published vector layer carries, whatever the format: MultiPolygon always
 * (one geometry type per layer, so GeoPackage and Shapefile writers need no -nlt), WGS84 rounded to
 * 7 decimals (about 1 cm), and rings that stay valid after that rounding. Rounding can make two
 * neighbouring vertices equal; a zero-length edge reads as a self-intersection to a validator
 * (GEOS, turf's kinks, our own AOI loader), so repeated vertices are dropped and rings left with
 * fewer than three distinct corners go. Pure.
 */
import type { Feature, Geometry, MultiPolygon, Position } from 'geojson';
import { at } from '../types/checked.js';

const round7 = (v: number): number => Math.round(v * 1e7) / 1e7;

/** A closed ring rounded, without repeated consecutive vertices; undefined when it degenerates. */
function cleanRing(ring: readonly Position[]): Position[] | undefined {
  const out: Position[] = [];
  for (const p of ring) {
    const q: Position = [round7(at(p, 0)), round7(at(p, 1))];
    const last = out[out.length - 1];
    if (last && last[0] === q[0] && last[1] === q[1]) continue;
    out.push(q);
  }
  // Closed: the first vertex again at the end (the loop may have dropped or never had it).
  const first = out[0];
  const last = out[out.length - 1];
  if (first && last && (first[0] !== last[0] || first[1] !== last[1])) out.push([at(first, 0), at(first, 1)]);
  // A ring needs three distinct corners, four positions with the closing one.
  return out.length >= 4 ? out : undefined;
}

/**
 * Polygon or MultiPolygon to the published MultiPolygon (an empty one when nothing is left). Our
 * layers are areas: any other geometry type here is a bug, and fails loudly.
 */
export function publishedGeometry(g: Geometry): MultiPolygon {
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon')
    throw new TypeError(`a published layer holds areas, not a ${g.type}`);
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const coordinates: Position[][][] = [];
  for (const poly of polygons) {
    const [outer, ...holes] = poly;
    const shell = outer && cleanRing(outer);
    if (!shell) continue;
    coordinates.push([shell, ...holes.map(cleanRing).filter((r): r is Position[] => r !== undefined)]);
  }
  return { type: 'MultiPolygon', coordinates };
}

/** Features with their published geometry; features whose geometry degenerated entirely are kept empty. */
export function publishedFeatures<P>(features: readonly Feature<Geometry, P>[]): Feature<MultiPolygon, P>[] {
  return features.map((f) => ({ ...f, geometry: publishedGeometry(f.geometry) }));
}
