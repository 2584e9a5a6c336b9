/**
 * Derives config/aoi/kachin.geojson: an approximate Kachin state outline with approximate
 * township areas, from the 33 MIMU town points in ../shared/data/myanmar-townships-mimu-pcodes.
 *
 * Exact township polygons are not available offline, so:
 * - the state outline is the convex hull of the town points buffered by 40 km, clipped to
 *   23.9-28.6 N, 95.9-98.8 E (Kachin's extent; the Momauk / Mai Ja Yang area reaches ~24.0 N);
 * - each township is the union of the Voronoi cells of its towns, clipped to that outline.
 * Reports say these areas are approximate. Re-run: `npx tsx scripts/derive-kachin-aoi.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as turf from '@turf/turf';
import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';

const repo = path.resolve(import.meta.dirname, '..');
const src = path.resolve(repo, '../shared/data/myanmar-townships-mimu-pcodes/kachin_towns.csv');
const rows = readFileSync(src, 'utf8').trim().split('\n').slice(1);
const towns: Feature<Point, { tsp: string; pcode: string; town: string }>[] = rows.map((line) => {
  const c = line.split(',');
  return turf.point([Number(c[9]), Number(c[10])], {
    pcode: c[4] as string,
    tsp: c[5] as string,
    town: c[7] as string,
  });
});
const pts = turf.featureCollection(towns);
const hull = turf.convex(pts);
if (!hull) throw new Error('no hull');
const buffered = turf.buffer(hull, 40, { units: 'kilometers' });
if (!buffered) throw new Error('no buffer');
const clip = turf.bboxPolygon([95.9, 23.9, 98.8, 28.6]);
const outline = turf.intersect(turf.featureCollection([buffered as Feature<Polygon>, clip]));
if (!outline) throw new Error('no outline');
const cells = turf.voronoi(pts, { bbox: [94, 22, 100, 30] });
const byTsp = new Map<string, Feature<Polygon | MultiPolygon>[]>();
cells.features.forEach((cell, i) => {
  const t = towns[i];
  if (!cell || !t) return;
  const k = `${t.properties.pcode}|${t.properties.tsp}`;
  byTsp.set(k, [...(byTsp.get(k) ?? []), cell]);
});
const townships: Feature<Polygon | MultiPolygon>[] = [];
for (const [k, parts] of [...byTsp.entries()].sort()) {
  const [pcode, name] = k.split('|') as [string, string];
  const union = parts.length > 1 ? turf.union(turf.featureCollection(parts)) : parts[0];
  const clipped = union ? turf.intersect(turf.featureCollection([union, outline])) : null;
  if (!clipped) continue;
  const g = turf.truncate(clipped, { precision: 4 }).geometry;
  townships.push(
    turf.feature(g, {
      township: name,
      township_pcode: pcode,
      towns: towns.filter((t) => t.properties.pcode === pcode).map((t) => t.properties.town),
      approximate: true,
    }),
  );
}
const out: FeatureCollection = {
  type: 'FeatureCollection',
  bbox: turf.bbox(outline),
  features: townships,
};
const meta = {
  name: 'kachin',
  description:
    'Approximate Kachin state outline with approximate township areas (Voronoi cells of MIMU town points). Not official boundaries.',
  source:
    'MIMU township P-codes and town coordinates (themimu.info) via kyawthura-gg/myanmar-geography-json, derived by scripts/derive-kachin-aoi.ts',
};
writeFileSync(
  path.join(repo, 'config/aoi/kachin.geojson'),
  `${JSON.stringify({ ...out, minewatch: meta })}\n`,
);
console.log(`wrote ${townships.length} township areas`);
