/**
 * A batch's site as published in sites.geojson and summarised in the batch report: one id from
 * the window it first appeared in, and what each window saw of it. Types only; batch/site-history.ts
 * builds them, report/batch-report.ts reads them.
 */
import type { Feature, Geometry } from 'geojson';

export interface HistoryEntry {
  window: string;
  /** null: no imagery in that window, so unknown. */
  seen: boolean | null;
  confidence?: number;
  pond_count?: number;
  area_m2?: number;
  cleared_area_m2?: number;
}

export interface SiteProperties {
  id: string;
  first_seen: string;
  first_seen_date: string | null;
  last_seen: string;
  windows_seen: number;
  township: string | null;
  confidence: number;
  pond_count: number;
  area_m2: number;
  history: HistoryEntry[];
}

export type SiteFeature = Feature<Geometry, SiteProperties>;
