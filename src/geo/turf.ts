/**
 * The Turf functions minewatch uses, each from its own @turf/* package (the same 7.4 release the
 * @turf/turf bundle re-exports). Loading the bundle pulls in ~100 modules and cost every command
 * ~240 ms before it did anything; these load in ~90 ms.
 */
export { area } from '@turf/area';
export { bbox } from '@turf/bbox';
export { bboxPolygon } from '@turf/bbox-polygon';
export { booleanIntersects } from '@turf/boolean-intersects';
export { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
export { centroid } from '@turf/centroid';
export { distance } from '@turf/distance';
export { feature, featureCollection, point, type AllGeoJSON } from '@turf/helpers';
export { intersect } from '@turf/intersect';
export { rewind } from '@turf/rewind';
export { truncate } from '@turf/truncate';
export { union } from '@turf/union';
