/**
 * The comparison report: our candidate counts per township and window next to the published
 * figures, with their sources and the caveats a reader needs. Pure: data in, JSON and Markdown out.
 */
import type { Reference } from './references.js';

export interface ReportInput {
  aoiName: string;
  townshipsApproximate: boolean;
  windows: { before: { start: string; end: string }; after: { start: string; end: string } };
  /** Township of each candidate (null when outside every named township). */
  candidates: { township: string | null; confidence: number; pond_count: number }[];
  /** Townships of the AOI, so zero counts show too. */
  townships: string[];
  references: Reference[];
  yearsScanned: number[];
  itemsUsed: number;
  minConfidence: number;
}

export interface TownshipRow {
  township: string;
  candidates: number;
  ponds: number;
  highConfidence: number;
  references: { id: string; publisher: string; date: string; claim: string; second_hand: boolean }[];
}

export interface Report {
  title: string;
  aoi: string;
  windows: ReportInput['windows'];
  totals: { candidates: number; ponds: number; highConfidence: number };
  townships: TownshipRow[];
  references: Reference[];
  caveats: string[];
  attribution: string;
}

export function attributionFor(years: readonly number[]): string {
  const ys = [...new Set(years)].sort();
  return `Contains modified Copernicus Sentinel data ${ys.join(', ')}`;
}

export function buildReport(input: ReportInput): Report {
  const names = [
    ...new Set([...input.townships, ...input.candidates.map((c) => c.township ?? 'outside named townships')]),
  ];
  const rows: TownshipRow[] = names.map((t) => {
    const mine = input.candidates.filter((c) => (c.township ?? 'outside named townships') === t);
    return {
      township: t,
      candidates: mine.length,
      ponds: mine.reduce((s, c) => s + c.pond_count, 0),
      highConfidence: mine.filter((c) => c.confidence >= 0.8).length,
      references: input.references
        .filter((r) => r.townships.includes(t))
        .map((r) => ({
          id: r.id,
          publisher: r.publisher,
          date: r.date,
          claim: r.claim,
          second_hand: r.second_hand,
        })),
    };
  });
  rows.sort((a, b) => b.candidates - a.candidates || a.township.localeCompare(b.township));
  const caveats = [
    `Candidates are new since the before window (${input.windows.before.start} to ${input.windows.before.end}) as seen in the after window (${input.windows.after.start} to ${input.windows.after.end}); the published figures cover other periods and methods, so they are context, not ground truth.`,
    `Only candidates with confidence >= ${input.minConfidence} are counted; "high confidence" means >= 0.8.`,
  ];
  if (input.townshipsApproximate) {
    caveats.push(
      'Township areas are approximate (Voronoi cells of MIMU town points, not official boundaries): counts near township borders may be assigned to a neighbour.',
    );
  }
  if (input.references.some((r) => r.second_hand)) {
    caveats.push(
      'Figures marked "second-hand" are as reported in press coverage until the original is cited.',
    );
  }
  return {
    title: `minewatch: new rare-earth mine-site candidates, ${input.aoiName}`,
    aoi: input.aoiName,
    windows: input.windows,
    totals: {
      candidates: input.candidates.length,
      ponds: input.candidates.reduce((s, c) => s + c.pond_count, 0),
      highConfidence: input.candidates.filter((c) => c.confidence >= 0.8).length,
    },
    townships: rows,
    references: input.references,
    caveats,
    attribution: attributionFor(input.yearsScanned),
  };
}

export function reportMarkdown(r: Report): string {
  const lines: string[] = [];
  lines.push(`# ${r.title}`, '');
  lines.push(
    `Before: ${r.windows.before.start} to ${r.windows.before.end}. After: ${r.windows.after.start} to ${r.windows.after.end}.`,
    '',
  );
  lines.push(
    `**${r.totals.candidates} candidates** (${r.totals.highConfidence} with confidence >= 0.8), ${r.totals.ponds} new ponds.`,
    '',
  );
  lines.push(
    '| township | candidates | high confidence | new ponds | published figures |',
    '|---|---:|---:|---:|---|',
  );
  for (const t of r.townships) {
    const refs = t.references
      .map((x) => `${x.publisher} (${x.date})${x.second_hand ? ', second-hand' : ''}`)
      .join('; ');
    lines.push(`| ${t.township} | ${t.candidates} | ${t.highConfidence} | ${t.ponds} | ${refs || '-'} |`);
  }
  lines.push('', '## Published figures', '');
  for (const ref of r.references) {
    lines.push(
      `- **${ref.publisher}, ${ref.date}**${ref.second_hand ? ' (reported second-hand)' : ''}: ${ref.claim} Source: ${ref.source}`,
    );
  }
  lines.push('', '## Caveats', '');
  for (const c of r.caveats) lines.push(`- ${c}`);
  lines.push('', r.attribution, '');
  return lines.join('\n');
}
