/**
 * A self-contained SVG bar chart: our counts next to the published figures, each bar labelled
 * with its value, qualifier ("more than", "about") and a numbered source. Sites and ponds are
 * different units, so they are two panels with their own scales. Pure: report in, SVG text out.
 */
import type { Report } from './report.js';

export interface ChartBar {
  label: string;
  value: number;
  qualifier: string;
  /** 1-based number of the source in the report's references; 0 for this scan. */
  source: number;
  ours: boolean;
}

export interface ChartPanel {
  title: string;
  bars: ChartBar[];
}

export const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Which published figures are counts of sites and which of ponds; shares and growth rates are not bars. */
export function chartPanels(r: Report): ChartPanel[] {
  const sites: ChartBar[] = [
    {
      label: `minewatch candidates (${r.aoi})`,
      value: r.totals.candidates,
      qualifier: '',
      source: 0,
      ours: true,
    },
  ];
  const ponds: ChartBar[] = [
    { label: `minewatch new ponds (${r.aoi})`, value: r.totals.ponds, qualifier: '', source: 0, ours: true },
  ];
  r.references.forEach((ref, i) => {
    for (const [key, f] of Object.entries(ref.figures)) {
      if (f.value <= 1) continue; // a share or a growth rate, not a count
      const bar: ChartBar = {
        label: `${ref.publisher.split(' (')[0]} ${ref.date}: ${key.replace(/_/g, ' ')}`,
        value: f.value,
        qualifier: f.qualifier,
        source: i + 1,
        ours: false,
      };
      (/pool|pond/.test(key) ? ponds : sites).push(bar);
    }
  });
  return [
    { title: 'Mine sites', bars: sites },
    { title: 'Leach ponds', bars: ponds },
  ];
}

const W = 760;
const LABEL_W = 330;
const BAR_H = 22;
const GAP = 8;

/** The chart as an SVG document (also valid inline in HTML). */
export function comparisonChartSvg(r: Report): string {
  const panels = chartPanels(r);
  const parts: string[] = [];
  let y = 10;
  for (const p of panels) {
    parts.push(`<text x="0" y="${y + 14}" font-weight="bold">${escapeXml(p.title)}</text>`);
    y += 24;
    const max = Math.max(1, ...p.bars.map((b) => b.value));
    for (const b of p.bars) {
      const len = Math.max(1, ((W - LABEL_W - 150) * b.value) / max);
      const tag = b.source === 0 ? 'this scan' : `[${b.source}]`;
      const value = `${b.qualifier ? `${b.qualifier} ` : ''}${b.value.toLocaleString('en-GB')} ${tag}`;
      parts.push(
        `<g class="bar${b.ours ? ' ours' : ''}">` +
          `<text x="${LABEL_W - 6}" y="${y + 15}" text-anchor="end">${escapeXml(b.label)}</text>` +
          `<rect x="${LABEL_W}" y="${y}" width="${len.toFixed(1)}" height="${BAR_H}" fill="${b.ours ? '#d95f02' : '#7570b3'}"/>` +
          `<text x="${(LABEL_W + len + 6).toFixed(1)}" y="${y + 15}">${escapeXml(value)}</text></g>`,
      );
      y += BAR_H + GAP;
    }
    y += 12;
  }
  const notes = r.references.map(
    (ref, i) =>
      `[${i + 1}] ${ref.publisher}, ${ref.date}${ref.second_hand ? ' (second-hand)' : ''}: ${ref.source}`,
  );
  for (const n of notes) {
    parts.push(`<text x="0" y="${y + 12}" font-size="11">${escapeXml(n)}</text>`);
    y += 16;
  }
  parts.push(`<text x="0" y="${y + 14}" font-size="11">${escapeXml(r.attribution)}</text>`);
  y += 24;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" ` +
    `font-family="sans-serif" font-size="13" role="img" aria-label="Our counts next to published figures">` +
    `<title>minewatch counts next to ISP-Myanmar and Global Witness figures</title>${parts.join('')}</svg>`
  );
}
