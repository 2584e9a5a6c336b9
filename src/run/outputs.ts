/**
 * Writes a scan's products: RFC 7946 FeatureCollections (WGS84, no `crs`, a `bbox`, CCW exteriors
 * from the vectoriser, 7-decimal coordinates) with the Copernicus attribution, the report, and
 * run.json. Each file is replaced atomically, so a reader never sees a half-written one.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as turf from '@turf/turf';
import type { Feature, Geometry } from 'geojson';
import { writeFileAtomic } from '../io/atomic.js';

export function featureCollection<P extends object>(
  features: Feature<Geometry, P>[],
  attribution: string,
  name: string,
): string {
  const fc = turf.featureCollection(features);
  const bbox = features.length > 0 ? turf.bbox(fc).map((v) => Math.round(v * 1e7) / 1e7) : undefined;
  // Key order: type, name, attribution, bbox, features; one feature per line keeps diffs readable.
  const head = JSON.stringify({
    type: 'FeatureCollection',
    name,
    attribution,
    ...(bbox ? { bbox } : {}),
  }).slice(0, -1);
  const body = features
    .map((f) => JSON.stringify({ type: 'Feature', properties: f.properties, geometry: f.geometry }))
    .join(',\n');
  return `${head},"features":[\n${body}\n]}\n`;
}

export async function writeOutputs(outDir: string, files: Record<string, string>): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFileAtomic(path.join(outDir, name), text);
}
