/**
 * The report's rows from a scan's products: each candidate with its WGS84 centroid and the
 * detector's optional pool estimates, and each acquisition with the radiometry decided for it.
 * Pure.
 */
import centroid from '@turf/centroid';
import type { Feature, Geometry } from 'geojson';
import type { AcquisitionRow, CandidateInput } from './report.js';

const optionalNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function candidateInputs(
  features: readonly Feature<Geometry, Record<string, unknown>>[],
): CandidateInput[] {
  return features.map((f) => {
    const p = f.properties;
    const [lon, lat] = centroid(f.geometry as never).geometry.coordinates as [number, number];
    return {
      id: String(p['id']),
      lon,
      lat,
      township: typeof p['township'] === 'string' ? p['township'] : null,
      confidence: Number(p['confidence'] ?? 0),
      cleared_area_m2: Number(p['cleared_area_m2'] ?? 0),
      pond_count: Number(p['pond_count'] ?? 0),
      first_seen: typeof p['first_seen'] === 'string' ? p['first_seen'] : null,
      pool_estimate: optionalNumber(p['pool_estimate']),
      pool_estimate_low: optionalNumber(p['pool_estimate_low']),
      pool_estimate_high: optionalNumber(p['pool_estimate_high']),
    };
  });
}

export interface AcquisitionInput {
  id: string;
  datetime: Date;
  gridCode: string;
  cloudCover: number | undefined;
  processingBaseline: string | undefined;
}

export function acquisitionRows(
  windows: { before: readonly AcquisitionInput[]; after: readonly AcquisitionInput[] },
  offsets: ReadonlyMap<string, { offsetDn: number; source: string; agreed: boolean }>,
): AcquisitionRow[] {
  const row = (window: 'before' | 'after', i: AcquisitionInput): AcquisitionRow => {
    const o = offsets.get(i.id);
    return {
      id: i.id,
      window,
      date: i.datetime.toISOString().slice(0, 10),
      tile: i.gridCode,
      cloud_cover: i.cloudCover === undefined ? null : Math.round(i.cloudCover * 10) / 10,
      processing_baseline: i.processingBaseline ?? null,
      offset_dn: o?.offsetDn ?? null,
      offset_source: o?.source ?? null,
      offset_agreed: o?.agreed ?? null,
    };
  };
  const byDate = (a: AcquisitionRow, b: AcquisitionRow): number =>
    a.date.localeCompare(b.date) || a.id.localeCompare(b.id);
  return [
    ...windows.before.map((i) => row('before', i)).sort(byDate),
    ...windows.after.map((i) => row('after', i)).sort(byDate),
  ];
}
