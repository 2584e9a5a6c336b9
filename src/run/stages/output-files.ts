/**
 * The products of a scan as files, ready for io/outputs.ts: the evidence files, the three
 * GeoJSON products, report.json and report.md, run.json, and the STAC Item and Catalog that
 * describe them all. Pure serialisation.
 */
import type { Aoi } from '../../geo/aoi.js';
import * as turf from '../../geo/turf.js';
import { featureCollection } from '../../formats/feature-collection.js';
import { stacCatalog, stacItem } from '../../formats/stac.js';
import type { OutputFiles } from '../../io/outputs.js';
import type { ChipPaths, EvidenceOutputs } from '../../report/evidence-outputs.js';
import { reportMarkdown } from '../../report/report.js';
import type { Products } from './products.js';

export interface OutputFilesInput {
  evidence: Pick<EvidenceOutputs, 'files' | 'candidates'>;
  products: Pick<Products, 'candidates' | 'ponds' | 'clearings' | 'report' | 'provenance' | 'windows'>;
  /** run.json, as provenance.ts builds it. */
  run: unknown;
  collectionLabel: string;
}

/** The scan options the STAC Item names. */
export interface FileOptions {
  stac: string;
  aoi: Aoi;
}

export function outputFiles(opts: FileOptions, input: OutputFilesInput): OutputFiles {
  const { evidence } = input;
  const { ponds, clearings, report, provenance } = input.products;
  const chipsOf = (id: string): ChipPaths | undefined =>
    (evidence.candidates.find((c) => c.properties.id === id)?.properties as { chips?: ChipPaths } | undefined)
      ?.chips;
  const files: OutputFiles = {
    ...evidence.files,
    'candidates.geojson': featureCollection(evidence.candidates, provenance, 'candidates'),
    'ponds.geojson': featureCollection(ponds, provenance, 'ponds'),
    'clearings.geojson': featureCollection(clearings, provenance, 'clearings'),
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    'report.md': reportMarkdown(report, { overview: 'overview.png' in evidence.files, chipsOf }),
    'run.json': `${JSON.stringify(input.run, null, 2)}\n`,
  };
  Object.assign(files, stacFiles(opts, input, Object.keys(files)));
  return files;
}

/** catalog.json and item.json: the outputs described as one STAC Item of a Catalog. */
function stacFiles(opts: FileOptions, input: OutputFilesInput, files: readonly string[]): OutputFiles {
  const { aoi } = opts;
  const { windows, provenance, candidates } = input.products;
  const bbox = turf.bbox(aoi.geometry).map((v) => Math.round(v * 1e6) / 1e6);
  const id = `minewatch-${aoi.name}-${windows.before.start}-${windows.after.start}`.replace(
    /[^A-Za-z0-9_-]/g,
    '-',
  );
  const item = stacItem({
    id,
    title: `minewatch scan of ${aoi.name}: ${windows.before.start}/${windows.before.end} against ${windows.after.start}/${windows.after.end}`,
    geometry: turf.bboxPolygon(bbox as [number, number, number, number]).geometry,
    bbox,
    start: windows.after.start,
    end: windows.after.end,
    files: [...files, 'catalog.json'],
    provenance,
    properties: {
      'minewatch:before': `${windows.before.start}/${windows.before.end}`,
      'minewatch:candidates': candidates.length,
      'minewatch:stac': opts.stac,
      'minewatch:collection': input.collectionLabel,
    },
  });
  const catalog = stacCatalog(
    `${id}-catalog`,
    `minewatch outputs: ${String(item['id'])}. ${provenance.attribution}`,
    [{ href: './item.json', title: String((item['properties'] as { title: string }).title) }],
  );
  item['links'] = [
    { rel: 'root', href: './catalog.json', type: 'application/json' },
    { rel: 'parent', href: './catalog.json', type: 'application/json' },
    { rel: 'self', href: './item.json', type: 'application/geo+json' },
  ];
  return {
    'item.json': `${JSON.stringify(item, null, 2)}\n`,
    'catalog.json': `${JSON.stringify(catalog, null, 2)}\n`,
  };
}
