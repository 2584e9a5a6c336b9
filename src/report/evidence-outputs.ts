/**
 * The evidence a reader checks a candidate against, beside the GeoJSON: before/after true-colour
 * and NDVI-change chips per candidate (pond outlines drawn), before/after overlays of every tile
 * for the map page, report.html, FlatGeobuf and GeoJSONSeq copies of the three layers, and the
 * township areas. One entry point for the scan, `renderEvidence`, called while the scan's COGs are
 * still open; it returns files keyed by relative path, for writeOutputs to publish with the rest.
 *
 * Evidence is best effort per candidate and per tile: a chip that cannot be read (an item failed
 * mid-scan, no clear acquisition) is reported in `warnings` and left out, never failing the scan.
 */
import * as turf from '../geo/turf.js';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { CandidateProperties, ClearingProperties, PondProperties } from '../detect/sites.js';
import { toFlatGeobuf } from '../formats/flatgeobuf.js';
import { geojsonSeq } from '../formats/geojsonseq.js';
import type { PixelWindow } from '../io/cog-window.js';
import type { OutputFiles } from '../run/outputs.js';
import {
  chipScale,
  chipWindow,
  clearest,
  clearFraction,
  clearMask,
  overlayStep,
  toPixelRings,
  windowCorners,
  type GridRef,
} from './evidence-plan.js';
import { htmlReport } from './html-report.js';
import { readBandWindow, TileCache, type BandWindow, type ImageryAccess } from './imagery-reader.js';
import { encodePng } from './png.js';
import { clearMosaic, drawRings, ndviChange, trueColour, upscale, type Rgba } from './quicklooks.js';
import type { Report } from './report.js';

type Geom = Polygon | MultiPolygon;

/** A scanned tile: its acquisitions (as planned) and the 10 m pixel windows of its blocks. */
export interface EvidenceTile {
  tile: string;
  before: readonly { id: string; datetime: Date }[];
  after: readonly { id: string; datetime: Date }[];
  blocks: readonly PixelWindow[];
}

export interface EvidenceInput {
  imagery: ImageryAccess;
  tiles: readonly EvidenceTile[];
  candidates: readonly Feature<Geom, CandidateProperties>[];
  ponds: readonly Feature<Geom, PondProperties>[];
  clearings: readonly Feature<Geom, ClearingProperties>[];
  townships: readonly { name: string; geometry: Geom }[];
  report: Report;
  attribution: string;
}

/** Relative paths of a candidate's chips, as stored in its `chips` property. */
export interface ChipPaths {
  before: string;
  after: string;
  ndvi_change: string;
  before_item: string;
  after_item: string;
}

export type CandidateWithChips = Feature<Geom, CandidateProperties & { chips?: ChipPaths }>;

/** One tile overlay for the map page (overlays/index.json): a cloud-free mosaic of one window. */
export interface OverlayEntry {
  tile: string;
  window: 'before' | 'after';
  /** Acquisitions in the mosaic, clearest first, with their dates. */
  items: { id: string; date: string }[];
  url: string;
  /** Corners, lon/lat: top-left, top-right, bottom-right, bottom-left (MapLibre image source order). */
  coordinates: [number, number][];
}

export interface EvidenceOutputs {
  files: OutputFiles;
  candidates: CandidateWithChips[];
  warnings: string[];
}

const POND_COLOUR = [0, 230, 255] as const;
const SITE_COLOUR = [255, 220, 0] as const;

function gridOf(access: ImageryAccess, itemId: string): GridRef | undefined {
  const h = access.opened.get(`${itemId}/red`)?.header;
  const img = h?.images[0];
  if (!h || !img) return undefined;
  return {
    epsg: h.epsg,
    originX: h.origin[0],
    originY: h.origin[1],
    pixelSize: h.pixelSize[0],
    width: img.width,
    height: img.height,
  };
}

/** Reads SCL of each item over the window and returns the clearest item and its clear share. */
async function pickClearest(
  access: ImageryAccess,
  items: readonly { id: string; datetime: Date }[],
  window: PixelWindow,
  step: number,
): Promise<{ id: string; datetime: Date } | undefined> {
  const fractions = await Promise.all(
    items.map(async (it) => {
      try {
        return clearFraction(
          (await readBandWindow(access, it.id, ['scl'], window, step)).scl ?? new Uint8Array(),
        );
      } catch {
        return undefined; // an unreadable item is simply not a choice
      }
    }),
  );
  return items[clearest(fractions)];
}

const fileSafe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

async function candidateChips(
  input: EvidenceInput,
  c: Feature<Geom, CandidateProperties>,
  files: OutputFiles,
): Promise<ChipPaths> {
  const access = input.imagery;
  const tileId = c.properties.tiles[0];
  const tile = input.tiles.find((t) => t.tile === tileId);
  if (!tile) throw new Error(`tile ${String(tileId)} was not scanned`);
  const anyItem = [...tile.before, ...tile.after].find((i) => gridOf(access, i.id));
  const grid = anyItem && gridOf(access, anyItem.id);
  if (!grid) throw new Error(`no readable item of tile ${tile.tile}`);
  const win = chipWindow(c.geometry, grid);
  if (!win) throw new Error(`lies outside tile ${tile.tile}`);
  const [b, a] = await Promise.all([
    pickClearest(access, tile.before, win, 1),
    pickClearest(access, tile.after, win, 1),
  ]);
  if (!b || !a) throw new Error(`no clear ${b ? 'after' : 'before'} acquisition over it`);
  const bands = ['red', 'green', 'blue', 'nir'] as const;
  const [wb, wa] = await Promise.all([
    readBandWindow(access, b.id, bands, win, 1),
    readBandWindow(access, a.id, bands, win, 1),
  ]);
  const k = chipScale(win.width);
  const [minX, minY, maxX, maxY] = turf.bbox(c.geometry);
  const pad = 0.01;
  const near = input.ponds.filter((p) => {
    const [x0, y0, x1, y1] = turf.bbox(p.geometry);
    return x1 >= minX - pad && x0 <= maxX + pad && y1 >= minY - pad && y0 <= maxY + pad;
  });
  const outline = (img: Rgba): Rgba => {
    const scaled = (g: Geom): [number, number][][] =>
      toPixelRings(g, grid, win).map((r) => r.map(([x, y]): [number, number] => [x * k, y * k]));
    drawRings(img, scaled(c.geometry), SITE_COLOUR, 1);
    for (const p of near) drawRings(img, scaled(p.geometry), POND_COLOUR, 2);
    return img;
  };
  const rgb = (w: BandWindow): Rgba =>
    trueColour(w.reflectance.red!, w.reflectance.green!, w.reflectance.blue!, w.width, w.height);
  const id = fileSafe(c.properties.id);
  const paths: ChipPaths = {
    before: `chips/${id}-before.png`,
    after: `chips/${id}-after.png`,
    ndvi_change: `chips/${id}-ndvi-change.png`,
    before_item: b.id,
    after_item: a.id,
  };
  const change = ndviChange(
    { red: wb.reflectance.red!, nir: wb.reflectance.nir! },
    { red: wa.reflectance.red!, nir: wa.reflectance.nir! },
    win.width,
    win.height,
  );
  const meta = (what: string): { attribution: string; description: string } => ({
    attribution: input.attribution,
    description: `minewatch candidate ${c.properties.id}: ${what}`,
  });
  files[paths.before] = await encodePng(outline(upscale(rgb(wb), k)), meta(`true colour, ${b.id}`));
  files[paths.after] = await encodePng(outline(upscale(rgb(wa), k)), meta(`true colour, ${a.id}`));
  files[paths.ndvi_change] = await encodePng(
    outline(upscale(change, k)),
    meta(`NDVI change, ${a.id} minus ${b.id}`),
  );
  return paths;
}

async function tileOverlays(
  input: EvidenceInput,
  tile: EvidenceTile,
  files: OutputFiles,
): Promise<OverlayEntry[]> {
  const access = input.imagery;
  const x0 = Math.min(...tile.blocks.map((b) => b.x));
  const y0 = Math.min(...tile.blocks.map((b) => b.y));
  const x1 = Math.max(...tile.blocks.map((b) => b.x + b.width));
  const y1 = Math.max(...tile.blocks.map((b) => b.y + b.height));
  const win: PixelWindow = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const step = overlayStep(win);
  const out: OverlayEntry[] = [];
  for (const which of ['before', 'after'] as const) {
    const read = await Promise.all(
      tile[which].map(async (it) => {
        try {
          const w = await readBandWindow(access, it.id, ['red', 'green', 'blue', 'scl'], win, step);
          return { it, w, clear: clearMask(w.scl ?? new Uint8Array()) };
        } catch {
          return undefined; // an unreadable item leaves the mosaic, not the scan
        }
      }),
    );
    const layers = read
      .filter((r) => r !== undefined)
      .map((r) => ({ ...r, share: r.clear.reduce((s, v) => s + v, 0) / Math.max(1, r.clear.length) }))
      .sort((a, b) => b.share - a.share);
    const first = layers[0];
    const grid = first && gridOf(access, first.it.id);
    if (!first || !grid) continue;
    const { width, height } = first.w;
    const mosaic = clearMosaic(
      layers.map((l) => ({
        red: l.w.reflectance.red!,
        green: l.w.reflectance.green!,
        blue: l.w.reflectance.blue!,
        clear: l.clear,
      })),
      width,
      height,
    );
    const url = `overlays/${fileSafe(tile.tile)}-${which}.png`;
    files[url] = await encodePng(mosaic, {
      attribution: input.attribution,
      description: `minewatch ${which} mosaic of ${tile.tile}: ${layers.map((l) => l.it.id).join(', ')}`,
    });
    // The quad's corners are exact; MapLibre stretches the image between them, which for a 10 km
    // UTM window is within a pixel of the true reprojection.
    const used: PixelWindow = { x: win.x, y: win.y, width: width * step, height: height * step };
    out.push({
      tile: tile.tile,
      window: which,
      items: layers.map((l) => ({ id: l.it.id, date: l.it.datetime.toISOString().slice(0, 10) })),
      url,
      coordinates: windowCorners(used, grid),
    });
  }
  return out;
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

/** Everything the evidence viewer and downstream maps need, as files keyed by relative path. */
export async function renderEvidence(given: EvidenceInput): Promise<EvidenceOutputs> {
  const input: EvidenceInput = { ...given, imagery: { ...given.imagery, cache: new TileCache() } };
  const files: OutputFiles = {};
  const warnings: string[] = [];
  // Neighbours share COG tiles: chip them together (south to north) so the tile cache serves them.
  const order = input.candidates
    .map((c, i) => ({ i, key: `${c.properties.tiles[0] ?? ''} ${turf.bbox(c.geometry)[1].toFixed(3)}` }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const chipped = await mapLimit(order, 4, async ({ i }): Promise<CandidateWithChips> => {
    const c = input.candidates[i]!;
    try {
      return { ...c, properties: { ...c.properties, chips: await candidateChips(input, c, files) } };
    } catch (err) {
      input.imagery.signal?.throwIfAborted();
      warnings.push(`candidate ${c.properties.id}: no chips: ${(err as Error).message}`);
      return c;
    }
  });
  const candidates: CandidateWithChips[] = new Array<CandidateWithChips>(chipped.length);
  order.forEach(({ i }, k) => (candidates[i] = chipped[k]!));
  const overlays: OverlayEntry[] = [];
  for (const tile of input.tiles) {
    try {
      overlays.push(...(await tileOverlays(input, tile, files)));
    } catch (err) {
      input.imagery.signal?.throwIfAborted();
      warnings.push(`tile ${tile.tile}: no overlay: ${(err as Error).message}`);
    }
  }
  files['overlays/index.json'] = `${JSON.stringify({ attribution: input.attribution, overlays }, null, 2)}\n`;
  const layers: [string, readonly Feature<Geom, object>[]][] = [
    ['candidates', candidates],
    ['ponds', input.ponds],
    ['clearings', input.clearings],
  ];
  for (const [name, features] of layers) {
    files[`${name}.fgb`] = toFlatGeobuf(features, input.attribution);
    files[`${name}.geojsonl`] = geojsonSeq(features, input.attribution);
  }
  files['townships.geojson'] = `${JSON.stringify({
    type: 'FeatureCollection',
    name: 'townships',
    features: input.townships.map((t) => ({
      type: 'Feature',
      properties: { name: t.name },
      geometry: t.geometry,
    })),
  })}\n`;
  files['report.html'] = htmlReport(input.report);
  return { files, candidates, warnings };
}
