/**
 * Real Sentinel-2 chips from ../shared/data, and per-class band statistics computed with simple,
 * documented spectral rules. Used to check the synthetic world's endmembers
 * (src/fixtures/world/endmembers.ts) and, through {@link classStatistics}, the generator's rendered
 * rasters against the same numbers.
 *
 * Class rules (on BOA reflectance, after removing any BOA_ADD_OFFSET):
 *   NDVI  = (nir - red) / (nir + red)           MNDWI = (green - swir16) / (green + swir16)
 *   water : MNDWI > 0.3 and NDVI < 0
 *   forest: NDVI > 0.7 and not water            (dense green vegetation; also catches green crops)
 *   bare  : NDVI < 0.2 and not water and red > green
 *   other : everything else (not reported)
 * A pixel is invalid (skipped) when any band equals the nodata DN (0 for every chip here).
 * B11 (swir16) at 20 m is brought to the 10 m grid by nearest indexing:
 *   swirRow = floor(row * swirHeight / height), swirCol = floor(col * swirWidth / width).
 * Percentiles are linear-interpolated between sorted values (numpy's default "linear" method).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fromFile } from 'geotiff';
import { BANDS, type Band } from '../../src/fixtures/world/endmembers.js';
import { REPO_ROOT, SHARED_DATA_ROOT } from './shared-data.js';

export { BANDS, type Band };

export const REAL_CLASSES = ['forest', 'water', 'bare'] as const;
export type RealClass = (typeof REAL_CLASSES)[number];

export const CLASS_RULES = {
  waterMinMndwi: 0.3,
  waterMaxNdvi: 0,
  forestMinNdvi: 0.7,
  bareMaxNdvi: 0.2,
} as const;

export const CLASS_RULES_TEXT: Readonly<Record<RealClass, string>> = {
  water: 'MNDWI > 0.3 and NDVI < 0',
  forest: 'NDVI > 0.7 and not water',
  bare: 'NDVI < 0.2 and not water and red > green',
};

/** How DNs map to reflectance: reflectance = (DN + boaAddOffset) / quantification. */
export interface DnEncoding {
  /** BOA_ADD_OFFSET of the product: 0 before baseline 04.00, -1000 from 04.00 on. */
  boaAddOffset: number;
  quantification: number;
  /** DN that marks nodata (0 for Sentinel-2 L2A), or null for none. */
  nodata: number | null;
}

export const L2A_NO_OFFSET: DnEncoding = { boaAddOffset: 0, quantification: 10000, nodata: 0 };
export const L2A_BASELINE_0400: DnEncoding = { boaAddOffset: -1000, quantification: 10000, nodata: 0 };

/** One band raster, row-major. `data` is normally a Uint16Array of DN. */
export interface BandRaster {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

/** All five bands of a chip. blue/green/red/nir must share one grid; swir16 may be coarser. */
export type ChipBands = Record<Band, BandRaster>;

export interface Percentiles {
  p10: number;
  p50: number;
  p90: number;
}

export interface ClassStats {
  count: number;
  /** count / valid pixels */
  fraction: number;
  /** per-band reflectance percentiles; null when count is 0 */
  bands: Record<Band, Percentiles> | null;
  ndvi: Percentiles | null;
  mndwi: Percentiles | null;
}

export interface ChipClassStatistics {
  width: number;
  height: number;
  validPixels: number;
  /** NDVI percentiles over all valid pixels */
  ndviAll: Percentiles | null;
  classes: Record<RealClass, ClassStats>;
}

/** Classify one pixel from its reflectances; returns null for "other". */
export function classifyReflectance(
  _blue: number,
  green: number,
  red: number,
  nir: number,
  swir16: number,
): RealClass | null {
  const ndvi = nd(nir, red);
  const mndwi = nd(green, swir16);
  if (mndwi > CLASS_RULES.waterMinMndwi && ndvi < CLASS_RULES.waterMaxNdvi) return 'water';
  if (ndvi > CLASS_RULES.forestMinNdvi) return 'forest';
  if (ndvi < CLASS_RULES.bareMaxNdvi && red > green) return 'bare';
  return null;
}

function nd(a: number, b: number): number {
  const s = a + b;
  return s === 0 ? 0 : (a - b) / s;
}

/** Linear-interpolated percentile (numpy "linear") of an ascending-sorted array, q in 0..100. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

function percentiles(values: Float64Array): Percentiles | null {
  if (values.length === 0) return null;
  values.sort();
  return {
    p10: percentileSorted(values, 10),
    p50: percentileSorted(values, 50),
    p90: percentileSorted(values, 90),
  };
}

const CLASS_CODE: Record<RealClass, number> = { forest: 1, water: 2, bare: 3 };

/**
 * Per-class, per-band reflectance percentiles of a chip given as DN arrays plus their encoding.
 * Works the same on a real chip and on a generator-rendered one.
 */
export function classStatistics(bands: ChipBands, encoding: DnEncoding): ChipClassStatistics {
  const { width, height } = bands.blue;
  for (const b of ['green', 'red', 'nir'] as const) {
    if (bands[b].width !== width || bands[b].height !== height) {
      throw new Error(`band ${b} is ${bands[b].width}x${bands[b].height}, expected ${width}x${height}`);
    }
  }
  for (const b of BANDS) {
    if (bands[b].data.length !== bands[b].width * bands[b].height) {
      throw new Error(`band ${b}: data length ${bands[b].data.length} != width*height`);
    }
  }
  const sw = bands.swir16;
  const swirRow = new Int32Array(height);
  for (let y = 0; y < height; y++) swirRow[y] = Math.floor((y * sw.height) / height);
  const swirCol = new Int32Array(width);
  for (let x = 0; x < width; x++) swirCol[x] = Math.floor((x * sw.width) / width);

  const { boaAddOffset: off, quantification: q, nodata } = encoding;
  const B = bands.blue.data;
  const G = bands.green.data;
  const R = bands.red.data;
  const N = bands.nir.data;
  const S = sw.data;
  const n = width * height;
  const label = new Uint8Array(n); // 0 invalid, 1 forest, 2 water, 3 bare, 4 other
  const ndviValid = new Float64Array(n);
  let valid = 0;
  const counts = { forest: 0, water: 0, bare: 0 };
  const swirIndex = (i: number): number => {
    const y = Math.floor(i / width);
    return (swirRow[y] ?? 0) * sw.width + (swirCol[i - y * width] ?? 0);
  };
  for (let i = 0; i < n; i++) {
    const db = B[i] ?? 0;
    const dg = G[i] ?? 0;
    const dr = R[i] ?? 0;
    const dn = N[i] ?? 0;
    const ds = S[swirIndex(i)] ?? 0;
    if (
      nodata !== null &&
      (db === nodata || dg === nodata || dr === nodata || dn === nodata || ds === nodata)
    ) {
      continue;
    }
    const g = (dg + off) / q;
    const red = (dr + off) / q;
    const nir = (dn + off) / q;
    const cls = classifyReflectance((db + off) / q, g, red, nir, (ds + off) / q);
    ndviValid[valid++] = nd(nir, red);
    if (cls === null) {
      label[i] = 4;
    } else {
      label[i] = CLASS_CODE[cls];
      counts[cls]++;
    }
  }

  const classes = {} as Record<RealClass, ClassStats>;
  for (const cls of REAL_CLASSES) {
    const count = counts[cls];
    const code = CLASS_CODE[cls];
    const vals: Record<Band, Float64Array> = {
      blue: new Float64Array(count),
      green: new Float64Array(count),
      red: new Float64Array(count),
      nir: new Float64Array(count),
      swir16: new Float64Array(count),
    };
    const vNdvi = new Float64Array(count);
    const vMndwi = new Float64Array(count);
    let k = 0;
    for (let i = 0; i < n && k < count; i++) {
      if (label[i] !== code) continue;
      const b = ((B[i] ?? 0) + off) / q;
      const g = ((G[i] ?? 0) + off) / q;
      const red = ((R[i] ?? 0) + off) / q;
      const nir = ((N[i] ?? 0) + off) / q;
      const s = ((S[swirIndex(i)] ?? 0) + off) / q;
      vals.blue[k] = b;
      vals.green[k] = g;
      vals.red[k] = red;
      vals.nir[k] = nir;
      vals.swir16[k] = s;
      vNdvi[k] = nd(nir, red);
      vMndwi[k] = nd(g, s);
      k++;
    }
    let bandStats: Record<Band, Percentiles> | null = null;
    if (count > 0) {
      bandStats = {} as Record<Band, Percentiles>;
      for (const b of BANDS) bandStats[b] = percentiles(vals[b]) as Percentiles;
    }
    classes[cls] = {
      count,
      fraction: valid > 0 ? count / valid : 0,
      bands: bandStats,
      ndvi: percentiles(vNdvi),
      mndwi: percentiles(vMndwi),
    };
  }
  return { width, height, validPixels: valid, ndviAll: percentiles(ndviValid.subarray(0, valid)), classes };
}

// ---------------------------------------------------------------------------------------------
// Real chips on disk

export interface BandFile {
  /** path relative to the chip directory */
  file: string;
  /** sample (band index) inside a multi-band file; 0 for single-band files */
  sample: number;
}

export interface ChipSpec {
  id: string;
  /** directory relative to the shared data root */
  dir: string;
  files: Record<Band, BandFile>;
  encoding: DnEncoding;
  /** BOA (L2A) or TOA (L1C) */
  level: 'L2A' | 'L1C';
  note: string;
}

const single = (file: string): BandFile => ({ file, sample: 0 });
const fiveBands = (b2: string, b3: string, b4: string, b8: string, b11: string): Record<Band, BandFile> => ({
  blue: single(b2),
  green: single(b3),
  red: single(b4),
  nir: single(b8),
  swir16: single(b11),
});
const PUNJAB = 's2-ssl4eo-punjab-43RCP-2dates/s2a';
const EUROSAT_BANDS: Record<Band, number> = { blue: 1, green: 2, red: 3, nir: 7, swir16: 11 };
const eurosat = (file: string): Record<Band, BandFile> => ({
  blue: { file, sample: EUROSAT_BANDS.blue },
  green: { file, sample: EUROSAT_BANDS.green },
  red: { file, sample: EUROSAT_BANDS.red },
  nir: { file, sample: EUROSAT_BANDS.nir },
  swir16: { file, sample: EUROSAT_BANDS.swir16 },
});

export const REAL_CHIPS = {
  laos: {
    id: 'laos',
    dir: 's2-l2a-majortom-laos-48QUE',
    files: fiveBands('B02.tif', 'B03.tif', 'B04.tif', 'B08.tif', 'B11.tif'),
    // Product N9999 (Major TOM reprocessing of a 2020 scene). SOURCE.md quotes NDVI on raw DN and
    // names no offset, and the DN minima (B02 92, B08 82, B11 20) are far below 1000, which an
    // offset product cannot have: no BOA_ADD_OFFSET.
    encoding: L2A_NO_OFFSET,
    level: 'L2A',
    note: 'Laos/Thailand 48QUE 2020-02-23, dry season, tropical SE Asia (nearest to Kachin)',
  },
  congo: {
    id: 'congo',
    dir: 's2-l2a-majortom-congo-33NZA-baseline0400',
    files: fiveBands('B02.tif', 'B03.tif', 'B04.tif', 'B08.tif', 'B11.tif'),
    // SOURCE.md: baseline 04.00, DN carry the +1000 offset (all DN >= 1582).
    encoding: L2A_BASELINE_0400,
    level: 'L2A',
    note: 'Congo 33NZA 2022-07-06, baseline 04.00 (+1000 offset), hazy',
  },
  rkh29: {
    id: 'rkh29',
    dir: 's2-l2a-cogs-29RKH-riotilerpds',
    files: fiveBands('B02.tif', 'B03.tif', 'B04.tif', 'B08.tif', 'B11.tif'),
    // STAC item: baseline 02.14, offset 0, boa_offset_applied false.
    encoding: L2A_NO_OFFSET,
    level: 'L2A',
    note: 'Western Sahara 29RKH 2020-02-19, desert, full tile at 100 m (B11 200 m)',
  },
  punjabJune: {
    id: 'punjabJune',
    dir: `${PUNJAB}/20200604T054639_20200604T054831_T43RCP`,
    files: fiveBands('B2.tif', 'B3.tif', 'B4.tif', 'B8.tif', 'B11.tif'),
    // metadata.json: PROCESSING_BASELINE 02.14 -> no offset.
    encoding: L2A_NO_OFFSET,
    level: 'L2A',
    note: 'Punjab 43RCP 2020-06-04 L2A, cropland (post-wheat fallow + green crops), EPSG:4326',
  },
  punjabAugust: {
    id: 'punjabAugust',
    dir: `${PUNJAB}/20200813T054639_20200813T054952_T43RCP`,
    files: fiveBands('B2.tif', 'B3.tif', 'B4.tif', 'B8.tif', 'B11.tif'),
    encoding: L2A_NO_OFFSET,
    level: 'L2A',
    note: 'Punjab 43RCP 2020-08-13 L2A, monsoon cropland, EPSG:4326',
  },
  eurosatSeaLake: {
    id: 'eurosatSeaLake',
    dir: 's2-bigearthnet-eurosat-samples/EuroSAT_MS',
    files: eurosat('SeaLake_3000.tif'),
    // L1C top-of-atmosphere, baseline < 04.00: no offset, but NOT surface reflectance
    // (path radiance adds several percent in blue). Context only, never asserted against BOA.
    encoding: L2A_NO_OFFSET,
    level: 'L1C',
    note: 'EuroSAT SeaLake_3000, L1C TOA 64x64 (water), context only',
  },
} as const satisfies Record<string, ChipSpec>;

export type RealChipId = keyof typeof REAL_CHIPS;

export { REPO_ROOT };

/** The shared data root ($MINEWATCH_SHARED_DATA, else ../shared/data next to the repository). */
export function sharedDataRoot(): string {
  return SHARED_DATA_ROOT;
}

export type Availability = { available: true; root: string } | { available: false; reason: string };

/** Whether every file of the given chips exists (synchronous, cheap: for describe.skipIf). */
export function realChipsAvailability(
  ids: readonly RealChipId[] = Object.keys(REAL_CHIPS) as RealChipId[],
  root: string = sharedDataRoot(),
): Availability {
  if (!existsSync(root)) return { available: false, reason: `shared data directory ${root} does not exist` };
  for (const id of ids) {
    const spec: ChipSpec = REAL_CHIPS[id];
    for (const b of BANDS) {
      const f = path.join(root, spec.dir, spec.files[b].file);
      if (!existsSync(f)) return { available: false, reason: `missing ${f} (chip ${id}, band ${b})` };
    }
  }
  return { available: true, root };
}

export interface LoadedChip {
  spec: ChipSpec;
  bands: ChipBands;
}

async function readBand(filePath: string, sample: number): Promise<BandRaster> {
  const tiff = await fromFile(filePath);
  try {
    const image = await tiff.getImage();
    const rasters = await image.readRasters({ samples: [sample], interleave: false });
    const data = rasters[0];
    if (data === undefined || typeof data === 'number') throw new Error(`${filePath}: no raster data`);
    return { data, width: image.getWidth(), height: image.getHeight() };
  } finally {
    await tiff.close();
  }
}

export type LoadResult = { available: true; chip: LoadedChip } | { available: false; reason: string };

/** Read the five bands of a real chip as DN arrays. */
export async function loadRealChip(id: RealChipId, root: string = sharedDataRoot()): Promise<LoadResult> {
  const avail = realChipsAvailability([id], root);
  if (!avail.available) return avail;
  const spec: ChipSpec = REAL_CHIPS[id];
  const entries = await Promise.all(
    BANDS.map(async (b) => {
      const f = spec.files[b];
      return [b, await readBand(path.join(root, spec.dir, f.file), f.sample)] as const;
    }),
  );
  return { available: true, chip: { spec, bands: Object.fromEntries(entries) as ChipBands } };
}

export type StatsResult =
  { available: true; spec: ChipSpec; stats: ChipClassStatistics } | { available: false; reason: string };

/** Load a real chip and compute its class statistics (offset removed per its SOURCE.md). */
export async function realChipStatistics(
  id: RealChipId,
  root: string = sharedDataRoot(),
): Promise<StatsResult> {
  const loaded = await loadRealChip(id, root);
  if (!loaded.available) return loaded;
  const { spec, bands } = loaded.chip;
  return { available: true, spec, stats: classStatistics(bands, spec.encoding) };
}

/** A markdown table of class statistics (what docs/reflectance.md quotes). */
export function formatStatsMarkdown(name: string, stats: ChipClassStatistics): string {
  const f = (v: number): string => v.toFixed(4);
  const p = (x: Percentiles | null): string => (x === null ? '-' : `${f(x.p10)} / ${f(x.p50)} / ${f(x.p90)}`);
  const lines = [
    `#### ${name}: ${stats.width}x${stats.height}, ${stats.validPixels} valid px, NDVI p10/p50/p90 ${p(stats.ndviAll)}`,
    '',
    `| class | n (%) | ${BANDS.join(' | ')} | NDVI | MNDWI |`,
    `|---|---|${BANDS.map(() => '---').join('|')}|---|---|`,
  ];
  for (const cls of REAL_CLASSES) {
    const c = stats.classes[cls];
    const bandCells = BANDS.map((b) => p(c.bands?.[b] ?? null));
    lines.push(
      `| ${cls} | ${c.count} (${(c.fraction * 100).toFixed(2)}) | ${bandCells.join(' | ')} | ${p(c.ndvi)} | ${p(c.mndwi)} |`,
    );
  }
  return lines.join('\n');
}
