/**
 * Links one batch's per-window candidates into sites with a history. Pure.
 *
 * Window by window, candidates are matched to the sites found so far with the re-scan registry's
 * rule (same place = overlapping or within MATCH_DISTANCE_M), so a site keeps one id from the
 * window it first appeared in; `first_seen` is that window. Every window scans the whole AOI, so a
 * site not matched in a window with imagery was not seen there; a window without imagery says
 * nothing about any site.
 */
import { reconcile } from '../state/registry.js';
import type { CandidateFeature, RegistryEntry } from '../state/store.js';
import type { HistoryEntry, SiteFeature } from '../formats/site-feature.js';
import type { WindowSpec } from './spec.js';

export interface WindowResult {
  window: WindowSpec;
  /** False when the catalogue had no usable imagery for this window (or the baseline) over the AOIs. */
  imagery: boolean;
  candidates: CandidateFeature[];
}

const EVERYWHERE = '*';

const num = (f: CandidateFeature, k: string): number | undefined => {
  const v = f.properties[k];
  return typeof v === 'number' ? v : undefined;
};

export function linkSites(results: readonly WindowResult[]): SiteFeature[] {
  let registry: RegistryEntry[] = [];
  const history = new Map<string, HistoryEntry[]>();
  const firstSeen = new Map<string, { window: string; date: string | null }>();
  const lastSeen = new Map<string, { window: string; feature: CandidateFeature }>();
  results.forEach((r, k) => {
    if (!r.imagery) {
      for (const h of history.values()) h.push({ window: r.window.id, seen: null });
      return;
    }
    const detections = r.candidates.map((feature) => ({ feature, tiles: [EVERYWHERE] }));
    const next = reconcile(registry, detections, new Set([EVERYWHERE]), k + 1);
    for (const e of next.registry) {
      if (!history.has(e.id)) {
        // A site first seen now: earlier windows did not see it (or had no imagery).
        history.set(
          e.id,
          results.slice(0, k).map((p) => ({ window: p.window.id, seen: p.imagery ? false : null })),
        );
        const date = e.feature.properties.first_seen;
        firstSeen.set(e.id, { window: r.window.id, date: typeof date === 'string' ? date : null });
      }
      const seen = e.status === 'active';
      const h = history.get(e.id) as HistoryEntry[];
      if (seen) {
        h.push({
          window: r.window.id,
          seen: true,
          ...(num(e.feature, 'confidence') !== undefined && { confidence: num(e.feature, 'confidence') }),
          ...(num(e.feature, 'pond_count') !== undefined && { pond_count: num(e.feature, 'pond_count') }),
          ...(num(e.feature, 'area_m2') !== undefined && { area_m2: num(e.feature, 'area_m2') }),
          ...(num(e.feature, 'cleared_area_m2') !== undefined && {
            cleared_area_m2: num(e.feature, 'cleared_area_m2'),
          }),
        });
        lastSeen.set(e.id, { window: r.window.id, feature: e.feature });
      } else h.push({ window: r.window.id, seen: false });
    }
    registry = next.registry;
  });
  return [...lastSeen.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, last]) => {
      const h = history.get(id) as HistoryEntry[];
      const first = firstSeen.get(id) as { window: string; date: string | null };
      const township = last.feature.properties.township;
      return {
        type: 'Feature',
        geometry: last.feature.geometry,
        properties: {
          id,
          first_seen: first.window,
          first_seen_date: first.date,
          last_seen: last.window,
          windows_seen: h.filter((x) => x.seen === true).length,
          township: typeof township === 'string' ? township : null,
          confidence: num(last.feature, 'confidence') ?? 0,
          pond_count: num(last.feature, 'pond_count') ?? 0,
          area_m2: num(last.feature, 'area_m2') ?? 0,
          history: h,
        },
      };
    });
}
