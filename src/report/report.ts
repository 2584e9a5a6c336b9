/**
 * The report of a scan, as data (report.json) and as Markdown (report.md, which renders on a code
 * host): what was scanned, when, from which catalogue, and what was found, first; then one row per
 * candidate, counts per township next to the published figures (for comparison only, and flagged
 * as real-world figures beside made-up counts when the imagery was synthetic), the acquisitions
 * used, the method with its thresholds and version, and the references with their links. Pure.
 */
import { POND_DEFINITION } from '../formats/dictionary.js';
import {
  provenanceMembers,
  SYNTHETIC_NOTICE,
  SYNTHETIC_REFERENCES_NOTE,
  type Provenance,
} from '../formats/provenance.js';
import type { Reference } from './references.js';

/** A candidate as the report lists it (centroid in WGS84). */
export interface CandidateRow {
  /** 1-based row number, also the label on the overview map. */
  n: number;
  id: string;
  lon: number;
  lat: number;
  township: string | null;
  confidence: number;
  cleared_ha: number;
  pond_count: number;
  pool_estimate?: number;
  pool_estimate_low?: number;
  pool_estimate_high?: number;
  first_seen: string | null;
}

export interface CandidateInput {
  id: string;
  lon: number;
  lat: number;
  township: string | null;
  confidence: number;
  cleared_area_m2: number;
  pond_count: number;
  first_seen: string | null;
  pool_estimate?: number | undefined;
  pool_estimate_low?: number | undefined;
  pool_estimate_high?: number | undefined;
}

/** One acquisition the scan used, and how its radiometry was decided. */
export interface AcquisitionRow {
  id: string;
  window: 'before' | 'after';
  date: string;
  tile: string;
  cloud_cover: number | null;
  processing_baseline: string | null;
  offset_dn: number | null;
  offset_source: string | null;
  offset_agreed: boolean | null;
}

export interface ReportInput {
  aoiName: string;
  townshipsApproximate: boolean;
  windows: { before: { start: string; end: string }; after: { start: string; end: string } };
  source: { stac: string; collection: string };
  software: { version: string; algorithm_version: string };
  candidates: CandidateInput[];
  /** Townships of the AOI, so zero counts show too. */
  townships: string[];
  references: Reference[];
  provenance: Provenance;
  itemsUsed: number;
  /** Set when an incomplete scan was published anyway (--allow-partial): what is missing. */
  incomplete?: IncompleteInput;
  minConfidence: number;
  acquisitions: AcquisitionRow[];
  parameters: Record<string, number>;
}

/** What a partial scan lacks, as the report states it. */
export interface IncompleteInput {
  items: number;
  used: number;
  lost: number;
  problem: string;
  skips: Record<string, number>;
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
  source: ReportInput['source'];
  software: { name: 'minewatch'; version: string; algorithm_version: string };
  attribution: string;
  synthetic?: true;
  /** Present only on a partial result published with --allow-partial. */
  incomplete?: IncompleteInput;
  totals: { candidates: number; ponds: number; highConfidence: number; cleared_ha: number; items: number };
  definitions: { pond: string; high_confidence: string };
  candidates: CandidateRow[];
  townships: TownshipRow[];
  acquisitions: AcquisitionRow[];
  method: { steps: string[]; parameters: Record<string, number> };
  references: Reference[];
  caveats: string[];
}

export const HIGH_CONFIDENCE = 0.8;
const OUTSIDE = 'outside named townships';
const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;

const METHOD = [
  'Search the STAC catalogue for Sentinel-2 L2A acquisitions of each season over the AOI; remove the BOA offset of processing baseline 04.00 where the item or its pixels say it applies.',
  'Mask clouds, cloud shadow, cirrus and no data with the scene classification (SCL), and take the per-pixel median of the clear acquisitions of each season (the composites).',
  'Clearing: forest before (NDVI at least forestNdviMin), bare after (NDVI at most bareNdviMax), and an NDVI drop of at least ndviDropMin, in connected areas of at least minClearingPixels pixels.',
  'Ponds: pixels whose near-infrared falls below their surroundings by at least minNirDeficit, unmixed into an open-water fraction (at least pondFractionMin) whose implied water spectrum looks like water, on land that was vegetated before; blobs of at most maxPondPixels pixels.',
  'Candidates: clearings holding at least minPondsPerSite pond peaks within pondClearingGap pixels, scored into a calibrated confidence; those at or above minConfidence are reported.',
];

export function buildReport(input: ReportInput): Report {
  const names = [...new Set([...input.townships, ...input.candidates.map((c) => c.township ?? OUTSIDE)])];
  const rows: TownshipRow[] = names.map((t) => {
    const mine = input.candidates.filter((c) => (c.township ?? OUTSIDE) === t);
    return {
      township: t,
      candidates: mine.length,
      ponds: mine.reduce((s, c) => s + c.pond_count, 0),
      highConfidence: mine.filter((c) => c.confidence >= HIGH_CONFIDENCE).length,
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
  // Townships with candidates first; the rest, alphabetically, only as zero rows.
  rows.sort((a, b) => b.candidates - a.candidates || a.township.localeCompare(b.township));
  const sorted = [...input.candidates].sort(
    (a, b) => b.confidence - a.confidence || a.id.localeCompare(b.id),
  );
  const candidates: CandidateRow[] = sorted.map((c, i) => ({
    n: i + 1,
    id: c.id,
    lon: round(c.lon, 5),
    lat: round(c.lat, 5),
    township: c.township,
    confidence: c.confidence,
    cleared_ha: round(c.cleared_area_m2 / 10_000, 2),
    pond_count: c.pond_count,
    ...(c.pool_estimate !== undefined ? { pool_estimate: c.pool_estimate } : {}),
    ...(c.pool_estimate_low !== undefined ? { pool_estimate_low: c.pool_estimate_low } : {}),
    ...(c.pool_estimate_high !== undefined ? { pool_estimate_high: c.pool_estimate_high } : {}),
    first_seen: c.first_seen,
  }));
  const caveats = [
    `Candidates are new since the before window (${input.windows.before.start} to ${input.windows.before.end}) as seen in the after window (${input.windows.after.start} to ${input.windows.after.end}); the published figures cover other periods and methods, so they are context, not ground truth.`,
    `Only candidates with confidence >= ${input.minConfidence} are counted; "high confidence" means >= ${HIGH_CONFIDENCE}.`,
  ];
  if (input.provenance.synthetic) caveats.unshift(SYNTHETIC_NOTICE, SYNTHETIC_REFERENCES_NOTE);
  if (input.incomplete) caveats.unshift(incompleteText(input.incomplete));
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
    source: input.source,
    software: { name: 'minewatch', ...input.software },
    ...provenanceMembers(input.provenance),
    ...(input.incomplete ? { incomplete: input.incomplete } : {}),
    totals: {
      candidates: input.candidates.length,
      ponds: input.candidates.reduce((s, c) => s + c.pond_count, 0),
      highConfidence: input.candidates.filter((c) => c.confidence >= HIGH_CONFIDENCE).length,
      cleared_ha: round(input.candidates.reduce((s, c) => s + c.cleared_area_m2, 0) / 10_000, 1),
      items: input.itemsUsed,
    },
    definitions: {
      pond: POND_DEFINITION,
      high_confidence: `confidence >= ${HIGH_CONFIDENCE}`,
    },
    candidates,
    townships: rows,
    acquisitions: input.acquisitions,
    method: { steps: METHOD, parameters: input.parameters },
    references: input.references,
    caveats,
  };
}

/** The one sentence a partial result carries at the top of its report. */
export function incompleteText(x: IncompleteInput): string {
  const skips = Object.entries(x.skips)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return `INCOMPLETE RESULT (published with --allow-partial): ${x.problem}; ${x.used} of ${x.items} items used, ${x.lost} lost${skips ? ` (skipped: ${skips})` : ''}. Absence of candidates here is not evidence of absence.`;
}

/** "12 (8-15)" when the detector estimated pools, else "-". */
export function poolEstimateText(
  c: Pick<CandidateRow, 'pool_estimate' | 'pool_estimate_low' | 'pool_estimate_high'>,
): string {
  if (c.pool_estimate === undefined) return '-';
  const range =
    c.pool_estimate_low !== undefined && c.pool_estimate_high !== undefined
      ? ` (${c.pool_estimate_low}-${c.pool_estimate_high})`
      : '';
  return `${c.pool_estimate}${range}`;
}

/** The one-paragraph summary both renderings open with. */
export function summaryText(r: Report): string {
  const pools = r.candidates.some((c) => c.pool_estimate !== undefined);
  return (
    `Scanned ${r.aoi} in the Sentinel-2 L2A collection ${r.source.collection} of ${r.source.stac}: ` +
    `before ${r.windows.before.start} to ${r.windows.before.end} against after ${r.windows.after.start} to ${r.windows.after.end}, ` +
    `${r.totals.items} acquisitions used. Found ${r.totals.candidates} candidates (${r.totals.highConfidence} at ${r.definitions.high_confidence}), ` +
    `${r.totals.cleared_ha} ha cleared, ${r.totals.ponds} ponds in them${pools ? ' (pool estimates per candidate below)' : ''}. ` +
    `Made by minewatch ${r.software.version} (algorithm ${r.software.algorithm_version}).`
  );
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

export interface MarkdownLinks {
  /** Whether overview.png exists beside report.md. */
  overview: boolean;
  chipsOf?: (id: string) => { before: string; after: string; ndvi_change: string } | undefined;
}

export function reportMarkdown(r: Report, links: MarkdownLinks = { overview: false }): string {
  const lines: string[] = [];
  lines.push(`# ${r.title}`, '');
  if (r.synthetic) lines.push(`> [!WARNING]`, `> ${SYNTHETIC_NOTICE}`, '');
  if (r.incomplete) lines.push(`> [!CAUTION]`, `> ${incompleteText(r.incomplete)}`, '');
  lines.push(summaryText(r), '');
  lines.push(`A pond, in every count here: ${r.definitions.pond}.`, '');
  if (links.overview)
    lines.push('![Overview map of the AOI with the candidates and townships](overview.png)', '');
  lines.push('## Candidates', '');
  if (r.candidates.length === 0) lines.push('None.', '');
  else {
    lines.push(
      '| # | id | lat, lon | township | confidence | cleared (ha) | ponds | pool estimate | first seen | chips |',
      '|---:|---|---|---|---:|---:|---:|---|---|---|',
    );
    for (const c of r.candidates) {
      const chips = links.chipsOf?.(c.id);
      const chipLinks = chips
        ? `[before](${chips.before}) · [after](${chips.after}) · [NDVI change](${chips.ndvi_change})`
        : '-';
      lines.push(
        `| ${c.n} | ${c.id} | ${c.lat.toFixed(5)}, ${c.lon.toFixed(5)} | ${md(c.township ?? '-')} | ${c.confidence.toFixed(2)} | ${c.cleared_ha.toFixed(2)} | ${c.pond_count} | ${poolEstimateText(c)} | ${c.first_seen ?? '-'} | ${chipLinks} |`,
      );
    }
    lines.push(
      '',
      'See every candidate on the map: `npx minewatch serve <this folder>`, then open the printed address.',
      '',
    );
  }
  lines.push('## Counts per township', '');
  if (r.synthetic) lines.push(`> [!WARNING]`, `> ${SYNTHETIC_REFERENCES_NOTE}`, '');
  lines.push(
    `| township | candidates | high confidence | ponds | ${r.synthetic ? 'for comparison, real-world figures' : 'published figures'} |`,
    '|---|---:|---:|---:|---|',
  );
  for (const t of r.townships.filter((x) => x.candidates > 0 || x.references.length > 0)) {
    const refs = t.references
      .map((x) => `${x.publisher.split(' (')[0]} (${x.date})${x.second_hand ? ', second-hand' : ''}`)
      .join('; ');
    lines.push(
      `| ${md(t.township)} | ${t.candidates} | ${t.highConfidence} | ${t.ponds} | ${md(refs || '-')} |`,
    );
  }
  const zero = r.townships
    .filter((x) => x.candidates === 0 && x.references.length === 0)
    .map((x) => x.township);
  if (zero.length > 0) lines.push('', `No candidates in: ${zero.join(', ')}.`);
  lines.push('', '## Acquisitions used', '');
  lines.push(
    '| window | date | tile | item | cloud (%) | baseline | BOA offset (DN) | decided from |',
    '|---|---|---|---|---:|---|---:|---|',
  );
  for (const a of r.acquisitions)
    lines.push(
      `| ${a.window} | ${a.date} | ${a.tile} | ${a.id} | ${a.cloud_cover ?? '-'} | ${a.processing_baseline ?? '-'} | ${a.offset_dn ?? '-'} | ${a.offset_source ?? '-'}${a.offset_agreed === false ? ' (pixels disagreed)' : ''} |`,
    );
  lines.push('', '## Method', '');
  r.method.steps.forEach((s, i) => lines.push(`${i + 1}. ${s}`));
  lines.push(
    '',
    `Thresholds (algorithm version ${r.software.algorithm_version}, minewatch ${r.software.version}):`,
    '',
  );
  lines.push('| parameter | value |', '|---|---:|');
  for (const [k, v] of Object.entries(r.method.parameters)) lines.push(`| ${k} | ${v} |`);
  lines.push('', `## ${r.synthetic ? 'For comparison, real-world figures' : 'Published figures'}`, '');
  if (r.synthetic) lines.push(`> [!WARNING]`, `> ${SYNTHETIC_REFERENCES_NOTE}`, '');
  r.references.forEach((ref, i) => {
    const link = ref.url ? ` [${ref.url_title ?? 'link'}](${ref.url})` : '';
    lines.push(
      `${i + 1}. **${ref.publisher}, ${ref.date}**${ref.second_hand ? ' (reported second-hand)' : ''}: ${ref.claim} Source: ${ref.source}${link}`,
    );
  });
  lines.push('', '## Caveats', '');
  for (const c of r.caveats) lines.push(`- ${c}`);
  lines.push('', r.attribution, '');
  return lines.join('\n');
}
