/**
 * The report of a batch: new sites per township and window (by the window each was first seen
 * in), next to the published figures, with their sources and our caveats. Pure.
 */
import type { SiteProperties } from '../formats/site-feature.js';
import type { Reference } from './references.js';
import {
  provenanceMembers,
  SYNTHETIC_NOTICE,
  SYNTHETIC_REFERENCES_NOTE,
  type Provenance,
} from '../formats/provenance.js';

export interface BatchReportInput {
  pipeline: string;
  aois: string[];
  baseline: { id: string; start: string; end: string };
  windows: { id: string; start: string; end: string; imagery: boolean; candidates: number }[];
  sites: SiteProperties[];
  townships: string[];
  townshipsApproximate: boolean;
  references: Reference[];
  provenance: Provenance;
  minConfidence: number;
}

export interface BatchReport {
  title: string;
  pipeline: string;
  aois: string[];
  baseline: BatchReportInput['baseline'];
  windows: {
    id: string;
    start: string;
    end: string;
    imagery: boolean;
    /** Candidates of this window's scan against the baseline. */
    new_since_baseline: number;
    /** Sites first seen in this window. */
    new_since_previous: number;
  }[];
  /** Sites first seen per township and window. */
  townships: { township: string; by_window: Record<string, number>; total: number; references: string[] }[];
  totals: { sites: number; by_window: Record<string, number> };
  references: Reference[];
  caveats: string[];
  attribution: string;
  synthetic?: true;
}

const UNASSIGNED = '(outside the named townships)';

export function buildBatchReport(x: BatchReportInput): BatchReport {
  const count = (pred: (s: SiteProperties) => boolean): Record<string, number> =>
    Object.fromEntries(
      x.windows.map((w) => [w.id, x.sites.filter((s) => s.first_seen === w.id && pred(s)).length]),
    );
  const names = [...x.townships];
  if (x.sites.some((s) => s.township === null || !names.includes(s.township))) names.push(UNASSIGNED);
  const townships = names
    .map((t) => {
      const mine = (s: SiteProperties): boolean =>
        t === UNASSIGNED ? s.township === null || !x.townships.includes(s.township) : s.township === t;
      const byWindow = count(mine);
      return {
        township: t,
        by_window: byWindow,
        total: Object.values(byWindow).reduce((a, b) => a + b, 0),
        references: x.references
          .filter((r) => r.townships.includes(t) || (r.places ?? []).includes(t))
          .map((r) => `${r.publisher} (${r.date})`),
      };
    })
    .filter((t) => t.total > 0 || t.references.length > 0)
    .sort((a, b) => b.total - a.total || a.township.localeCompare(b.township));
  const firsts = count(() => true);
  const caveats = [
    ...(x.provenance.synthetic ? [SYNTHETIC_NOTICE, SYNTHETIC_REFERENCES_NOTE] : []),
    `Each window is compared with the baseline ${x.baseline.id} (${x.baseline.start} to ${x.baseline.end}); a site counts in the window it was first seen in. Published figures cover other periods and methods: context, not ground truth.`,
    `Only candidates with confidence >= ${x.minConfidence} are counted.`,
  ];
  if (x.windows.some((w) => !w.imagery))
    caveats.push(
      'Windows marked "no imagery" had no usable acquisition over the AOI: their sites are counted in the next window with imagery.',
    );
  if (x.townshipsApproximate)
    caveats.push(
      'Township areas are approximate (Voronoi cells of MIMU town points, not official boundaries): counts near township borders may be assigned to a neighbour.',
    );
  return {
    title: `minewatch: rare-earth mine sites by window, ${x.pipeline}`,
    pipeline: x.pipeline,
    aois: x.aois,
    baseline: x.baseline,
    windows: x.windows.map((w) => ({
      id: w.id,
      start: w.start,
      end: w.end,
      imagery: w.imagery,
      new_since_baseline: w.candidates,
      new_since_previous: firsts[w.id] ?? 0,
    })),
    townships,
    totals: { sites: x.sites.length, by_window: firsts },
    references: x.references,
    caveats,
    ...provenanceMembers(x.provenance),
  };
}

export function batchReportMarkdown(r: BatchReport): string {
  const ids = r.windows.map((w) => w.id);
  const lines = [`# ${r.title}`, ''];
  if (r.synthetic) lines.push('> [!WARNING]', `> ${SYNTHETIC_NOTICE}`, '');
  lines.push(
    `AOIs: ${r.aois.join(', ')}. Baseline: ${r.baseline.id} (${r.baseline.start} to ${r.baseline.end}).`,
    '',
  );
  lines.push(`**${r.totals.sites} sites** in ${r.windows.length} windows.`, '');
  lines.push('| window | dates | new since the baseline | first seen here |', '|---|---|---:|---:|');
  for (const w of r.windows)
    lines.push(
      `| ${w.id} | ${w.start} to ${w.end} | ${w.imagery ? w.new_since_baseline : 'no imagery'} | ${w.imagery ? w.new_since_previous : '-'} |`,
    );
  lines.push('', '## Sites first seen, per township and window', '');
  lines.push(
    `| township | ${ids.join(' | ')} | total | ${r.synthetic ? 'for comparison, real-world figures' : 'published figures'} |`,
    `|---|${ids.map(() => '---:|').join('')}---:|---|`,
  );
  for (const t of r.townships)
    lines.push(
      `| ${t.township} | ${ids.map((i) => t.by_window[i] ?? 0).join(' | ')} | ${t.total} | ${t.references.join('; ') || '-'} |`,
    );
  lines.push(`| **all** | ${ids.map((i) => r.totals.by_window[i] ?? 0).join(' | ')} | ${r.totals.sites} | |`);
  lines.push('', `## ${r.synthetic ? 'For comparison, real-world figures' : 'Published figures'}`, '');
  if (r.synthetic) lines.push('> [!WARNING]', `> ${SYNTHETIC_REFERENCES_NOTE}`, '');
  for (const ref of r.references) {
    const figures = Object.entries(ref.figures)
      .map(([k, f]) => `${k.replaceAll('_', ' ')}: ${f.qualifier} ${f.value}`)
      .join('; ');
    lines.push(
      `- **${ref.publisher}, ${ref.date}** (period ${ref.period.start} to ${ref.period.end})${ref.second_hand ? ', reported second-hand' : ''}: ${ref.claim} Figures: ${figures}. Source: ${ref.source}`,
    );
  }
  lines.push('', '## Caveats', '');
  for (const c of r.caveats) lines.push(`- ${c}`);
  lines.push('', r.attribution, '');
  return lines.join('\n');
}
