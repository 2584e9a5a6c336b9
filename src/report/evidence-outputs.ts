/**
 * The evidence a reader checks a candidate against, beside the GeoJSON: per candidate, chips of
 * before NDVI, after true colour and NDVI change (pond and site outlines drawn, georeferenced by a
 * PAM .aux.xml sidecar); per tile, map overlays and Cloud-Optimized GeoTIFFs of NDVI change and
 * pond fraction; the layers as FlatGeobuf, GeoJSONSeq, CSV and KML; the township areas; report.html
 * and its overview map. One entry point, `renderEvidence`, returns files keyed by relative path for
 * writeOutputs to publish with the rest.
 *
 * Every picture comes from the tiles' quicklooks, the pixels the workers kept from the composites
 * while detecting (block-quicklook.ts): nothing is read from the imagery again, so the cost grows
 * with the candidates and the tiles, not with the bytes scanned. A candidate whose tile has no
 * quicklook (a worker that keeps none) gets no chips, reported in `warnings`.
 */
import Flatbush from 'flatbush';
import * as turf from '../geo/turf.js';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type {
  CandidateProperties,
  ClearingProperties,
  PondProperties,
} from '../detect/product-properties.js';
import { candidatesCsv } from '../formats/csv.js';
import { LAYER_PROPERTIES } from '../formats/dictionary.js';
import { toFlatGeobuf } from '../formats/flatgeobuf.js';
import { pamAuxXml } from '../formats/georef.js';
import { geojsonSeq } from '../formats/geojsonseq.js';
import { candidatesKml } from '../formats/kml.js';
import { publishedFeatures } from '../formats/layer.js';
import type { OutputFiles } from '../io/outputs.js';
import { chipImages, overlayPixels, type ChipLayer } from './chips.js';
import { chipScale, chipWindow, toPixelRings, windowCorners, type GridRef } from './evidence-plan.js';
import { htmlReport } from './html-report.js';
import { overviewMapSvg } from './overview-map.js';
import { encodePng, pasteBanner, renderBanner, svgToPng } from './png.js';
import { provenanceMembers, SYNTHETIC_CHIP_BANNER, type Provenance } from '../formats/provenance.js';
import { drawRings, upscale, type Rgba } from './quicklooks.js';
import type { Report } from './report.js';
import type { TileQuicklook } from './tile-quicklook.js';
import { InternalError } from '../errors.js';
import { at } from '../types/checked.js';

type Geom = Polygon | MultiPolygon;

/** A scanned tile and the quicklook its workers kept (absent when none was kept). */
export interface EvidenceTile {
  tile: string;
  quicklook?: TileQuicklook;
}

export interface EvidenceInput {
  tiles: readonly EvidenceTile[];
  candidates: readonly Feature<Geom, CandidateProperties>[];
  ponds: readonly Feature<Geom, PondProperties>[];
  clearings: readonly Feature<Geom, ClearingProperties>[];
  townships: readonly { name: string; geometry: Geom }[];
  aoi: Geom;
  report: Report;
  provenance: Provenance;
}

/** Relative paths of a candidate's chips, as stored in its `chips` property. */
export interface ChipPaths {
  before: string;
  after: string;
  ndvi_change: string;
}

export type CandidateWithChips = Feature<Geom, CandidateProperties & { chips?: ChipPaths }>;

/** One map overlay (overlays/index.json): a whole-tile picture of one window. */
export interface OverlayEntry {
  tile: string;
  window: 'before' | 'after';
  /** What it shows: NDVI of the window's composite, or its true colour. */
  layer: 'before_ndvi' | 'after_ndvi' | 'after_true_colour';
  url: string;
  /** Ground size of one overlay pixel, metres. */
  pixel_m: number;
  /** Corners, lon/lat: top-left, top-right, bottom-right, bottom-left (MapLibre image source order). */
  coordinates: [number, number][];
}

export interface EvidenceOutputs {
  files: OutputFiles;
  candidates: CandidateWithChips[];
  warnings: string[];
  /** Seconds spent on each part (chips, overlays, copies, overview, report), for run.json. */
  timings_s: Record<string, number>;
}

const POND_COLOUR = [0, 230, 255] as const;
const SITE_COLOUR = [255, 220, 0] as const;
const fileSafe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

const CHIP_LAYERS: readonly [keyof ChipPaths, ChipLayer, string][] = [
  ['before', 'before_ndvi', 'NDVI of the before-season composite'],
  ['after', 'after_true_colour', 'true colour of the after-season composite'],
  ['ndvi_change', 'ndvi_change', 'NDVI change, after minus before'],
];

const gridRef = (q: TileQuicklook): GridRef => ({ ...q.grid, width: q.width, height: q.height });

async function candidateChips(
  input: EvidenceInput,
  c: Feature<Geom, CandidateProperties>,
  q: TileQuicklook,
  pondIndex: Flatbush | undefined,
  banner: Rgba | undefined,
  files: OutputFiles,
): Promise<ChipPaths> {
  const grid = gridRef(q);
  const win = chipWindow(c.geometry, grid);
  if (!win) throw new InternalError(`lies outside tile ${q.tile}`);
  const k = chipScale(win.width);
  const [minX, minY, maxX, maxY] = turf.bbox(c.geometry);
  const pad = 0.01;
  // In the ponds' own order (the index returns its own), so the chips are drawn the same each run.
  const near = (pondIndex?.search(minX - pad, minY - pad, maxX + pad, maxY + pad) ?? [])
    .sort((a, b) => a - b)
    .map((i) => at(input.ponds, i));
  const scaled = (g: Geom): [number, number][][] =>
    toPixelRings(g, grid, win).map((r) => r.map(([x, y]): [number, number] => [x * k, y * k]));
  const site = scaled(c.geometry);
  const pondRings = near.flatMap((p) => scaled(p.geometry));
  const id = fileSafe(c.properties.id);
  const georef = {
    epsg: grid.epsg,
    originX: grid.originX + win.x * grid.pixelSize,
    originY: grid.originY - win.y * grid.pixelSize,
    pixelSize: grid.pixelSize / k,
  };
  const px = chipImages(q, win);
  const written = await Promise.all(
    CHIP_LAYERS.map(async ([key, layer, what]): Promise<string> => {
      // At k = 1 (windows of 160 px and more) the chip is drawn on in place: no copy.
      const img = k === 1 ? px[layer] : upscale(px[layer], k);
      // Ponds thin (their insides stay visible), the site's outline over them.
      drawRings(img, pondRings, POND_COLOUR, Math.max(1, Math.round(k / 3)));
      drawRings(img, site, SITE_COLOUR, Math.max(1, Math.round(k / 2)));
      if (banner) pasteBanner(img, banner);
      const file = `chips/${id}-${key.replace('_', '-')}.png`;
      const description = `minewatch candidate ${c.properties.id}: ${what}${px.coarse > 0 ? ` (${Math.round((100 * px.coarse) / (px.fine + px.coarse))} % of pixels from the coarser map overlay)` : ''}`;
      files[file] = await encodePng(img, { attribution: input.provenance.attribution, description });
      files[`${file}.aux.xml`] = pamAuxXml(georef, {
        description,
        ...Object.fromEntries(
          Object.entries(provenanceMembers(input.provenance)).map(([a, b]) => [a, String(b)]),
        ),
      });
      return file;
    }),
  );
  // Keys in a fixed order (not the order the encodes finished in): outputs are byte-identical.
  return { before: at(written, 0), after: at(written, 1), ndvi_change: at(written, 2) };
}

async function tileOverlays(
  input: EvidenceInput,
  q: TileQuicklook,
  banner: Rgba | undefined,
  files: OutputFiles,
): Promise<OverlayEntry[]> {
  const layers = [
    ['before', 'before_ndvi'],
    ['after', 'after_ndvi'],
    ['after', 'after_true_colour'],
  ] as const;
  return Promise.all(
    layers.map(async ([window, layer]): Promise<OverlayEntry> => {
      const img = overlayPixels(q, layer);
      if (banner) pasteBanner(img, banner);
      const url = `overlays/${fileSafe(q.tile)}-${layer.replaceAll('_', '-')}.png`;
      files[url] = await encodePng(img, {
        attribution: input.provenance.attribution,
        description: `minewatch ${layer.replaceAll('_', ' ')} of ${q.tile}`,
      });
      // The quad's corners are exact; MapLibre stretches the image between them, which for a UTM
      // tile is within a pixel of the true reprojection.
      const used = { x: 0, y: 0, width: img.width * img.step, height: img.height * img.step };
      return {
        tile: q.tile,
        window,
        layer,
        url,
        pixel_m: q.grid.pixelSize * img.step,
        coordinates: windowCorners(used, gridRef(q)),
      };
    }),
  );
}

function pondBoxIndex(ponds: readonly Feature<Geom>[]): Flatbush | undefined {
  if (ponds.length === 0) return undefined;
  const index = new Flatbush(ponds.length);
  for (const p of ponds) {
    const [x0, y0, x1, y1] = turf.bbox(p.geometry);
    index.add(x0, y0, x1, y1);
  }
  index.finish();
  return index;
}

/** Runs `job` over `items`, at most `n` at a time, in order of results. */
async function mapLimit<T, R>(items: readonly T[], n: number, job: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/** Everything the evidence viewer, GIS users and the report need, as files keyed by relative path. */
export async function renderEvidence(input: EvidenceInput): Promise<EvidenceOutputs> {
  const files: OutputFiles = {};
  const warnings: string[] = [];
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = Math.round(now - t) / 1000;
    t = now;
  };
  const banner = input.provenance.synthetic ? await renderBanner(SYNTHETIC_CHIP_BANNER, 128) : undefined;
  const looks = new Map(input.tiles.flatMap((t) => (t.quicklook ? [[t.tile, t.quicklook] as const] : [])));
  // Which ponds a chip shows, by bounding box: a scan of 10980² finds ~16,000 ponds and ~150 sites.
  const pondIndex = pondBoxIndex(input.ponds);
  // sharp encodes on libuv's threads: a few chips at once keep both cores busy.
  const candidates = await mapLimit(input.candidates, 8, async (c): Promise<CandidateWithChips> => {
    const q = looks.get(c.properties.tiles[0] ?? '');
    if (!q) {
      warnings.push(
        `candidate ${c.properties.id}: no chips: tile ${String(c.properties.tiles[0])} kept no quicklook`,
      );
      return c;
    }
    try {
      return {
        ...c,
        properties: { ...c.properties, chips: await candidateChips(input, c, q, pondIndex, banner, files) },
      };
    } catch (err) {
      warnings.push(`candidate ${c.properties.id}: no chips: ${(err as Error).message}`);
      return c;
    }
  });
  lap('chips');
  const overlays: OverlayEntry[] = [];
  const rasters: { tile: string; ndvi_change: string; pond_fraction: string }[] = [];
  for (const t of input.tiles) {
    const q = t.quicklook;
    if (!q) continue;
    overlays.push(...(await tileOverlays(input, q, banner, files)));
    const base = `rasters/${fileSafe(q.tile)}`;
    files[`${base}-ndvi-change.tif`] = q.cogs.ndviChange;
    files[`${base}-pond-fraction.tif`] = q.cogs.pondFraction;
    rasters.push({
      tile: q.tile,
      ndvi_change: `${base}-ndvi-change.tif`,
      pond_fraction: `${base}-pond-fraction.tif`,
    });
  }
  const members = provenanceMembers(input.provenance);
  lap('overlays');
  files['overlays/index.json'] = `${JSON.stringify({ ...members, overlays, rasters }, null, 2)}\n`;
  const layers: [string, readonly Feature<Geom, object>[]][] = [
    ['candidates', candidates],
    ['ponds', input.ponds],
    ['clearings', input.clearings],
  ];
  for (const [name, features] of layers) {
    files[`${name}.fgb`] = toFlatGeobuf(name, features, input.provenance, LAYER_PROPERTIES[name]);
    files[`${name}.geojsonl`] = geojsonSeq(features, input.provenance);
  }
  const rows = candidates as unknown as Feature<Geom, Record<string, unknown>>[];
  files['candidates.csv'] = candidatesCsv(rows, input.provenance);
  files['candidates.kml'] = candidatesKml(
    rows,
    (f) => {
      const chips = f.properties['chips'] as ChipPaths | undefined;
      return chips ? CHIP_LAYERS.map(([key, , what]) => ({ label: what, path: chips[key] })) : [];
    },
    input.provenance,
  );
  const townships = publishedFeatures(
    input.townships.map((t) => ({
      type: 'Feature' as const,
      properties: { name: t.name },
      geometry: t.geometry,
    })),
  );
  files['townships.geojson'] =
    `${JSON.stringify({ type: 'FeatureCollection', name: 'townships', ...members, features: townships })}\n`;
  lap('copies');
  const map = overviewMapSvg({
    aoi: input.aoi,
    townships: input.townships,
    candidates: input.report.candidates,
    provenance: input.provenance,
    title: input.report.title,
  });
  files['overview.png'] = await svgToPng(map, {
    attribution: input.provenance.attribution,
    description: `minewatch overview map: ${input.report.title}`,
  });
  lap('overview');
  // The first candidate of an id, as a search from the start would find it.
  const chipsById = new Map<string, ChipPaths | undefined>();
  for (const c of candidates)
    if (!chipsById.has(c.properties.id)) chipsById.set(c.properties.id, c.properties.chips);
  files['report.html'] = htmlReport(input.report, { overviewSvg: map, chipsOf: (id) => chipsById.get(id) });
  lap('report');
  return { files, candidates, warnings, timings_s: timings };
}
