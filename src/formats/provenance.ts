/**
 * Where a run's pixels came from, said the same way in every output. Sentinel-2 data is free to
 * use with the attribution "Contains modified Copernicus Sentinel data YEAR" for the years
 * scanned; pixels a world generator made are not Copernicus data, so outputs built from them say
 * that they are synthetic instead, and never carry the attribution. A run is synthetic when any
 * item it used is (generated items carry the STAC property `minewatch:synthetic: true`): one
 * made-up acquisition is enough to make the counts made up. Pure.
 */

export interface Provenance {
  /** True when any item used was generated; absent from real outputs (they never say "synthetic"). */
  synthetic: boolean;
  /** Calendar years of the acquisitions used, ascending. */
  years: number[];
  /** The line every output carries: the Copernicus attribution, or the synthetic notice. */
  attribution: string;
}

/** The warning beside every output of a synthetic run (banner, report, map page, chips). */
export const SYNTHETIC_NOTICE =
  'SYNTHETIC DATA: these results come from imagery made by the minewatch world generator, not from a satellite. They show how the pipeline works and are not evidence of any real mine.';

/** Short form, for map labels and balloons. */
export const SYNTHETIC_BANNER = 'SYNTHETIC DATA - not real imagery';

/** Shortest form, across the top of every chip and overlay. */
export const SYNTHETIC_CHIP_BANNER = 'SYNTHETIC DATA';

/** How the published reference figures are introduced when our own counts are made up. */
export const SYNTHETIC_REFERENCES_NOTE =
  'For comparison, real-world figures: the counts above come from synthetic imagery, so they cannot be compared with these published figures, which describe real places.';

export function copernicusAttribution(years: readonly number[]): string {
  const ys = [...new Set(years)].sort((a, b) => a - b);
  return `Contains modified Copernicus Sentinel data ${ys.join(', ')}`;
}

export const SYNTHETIC_ATTRIBUTION =
  'Synthetic imagery made by the minewatch world generator; no satellite data.';

export function provenanceOf(items: readonly { datetime: Date; synthetic?: true | undefined }[]): Provenance {
  return combineProvenance([
    {
      synthetic: items.some((i) => i.synthetic === true),
      years: items.map((i) => i.datetime.getUTCFullYear()),
      attribution: '',
    },
  ]);
}

/** Several runs (a batch's windows, a re-scan's history) as one: synthetic if any was. */
export function combineProvenance(parts: readonly Provenance[]): Provenance {
  const synthetic = parts.some((p) => p.synthetic);
  const years = [...new Set(parts.flatMap((p) => p.years))].sort((a, b) => a - b);
  return {
    synthetic,
    years,
    attribution: synthetic ? SYNTHETIC_ATTRIBUTION : copernicusAttribution(years),
  };
}

/** The members a JSON output carries: `attribution` always, `synthetic: true` only when it is. */
export function provenanceMembers(p: Provenance): { attribution: string; synthetic?: true } {
  return p.synthetic ? { attribution: p.attribution, synthetic: true } : { attribution: p.attribution };
}
