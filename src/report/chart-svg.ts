/**
 * A self-contained SVG bar chart: our counts next to the published figures, one panel per unit
 * (sites, ponds: different things, each with its own value axis, ticks and gridlines). Every bar
 * is labelled with its value, qualifier ("more than", "about") and numbered source; labels are
 * sized from their text so nothing is clipped. Pure: report in, SVG text out.
 */
import { escapeXml } from '../formats/xml.js';
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
  unit: string;
  bars: ChartBar[];
}

/** Which published figures are counts of sites and which of ponds; shares and growth rates are not bars. */
export function chartPanels(r: Report): ChartPanel[] {
  const ours = r.synthetic ? 'minewatch, synthetic demo' : `minewatch (${r.aoi})`;
  const sites: ChartBar[] = [
    { label: `${ours}: candidates`, value: r.totals.candidates, qualifier: '', source: 0, ours: true },
  ];
  const ponds: ChartBar[] = [
    { label: `${ours}: ponds in candidates`, value: r.totals.ponds, qualifier: '', source: 0, ours: true },
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
    { title: 'Mine sites', unit: 'sites', bars: sites },
    { title: 'Leach ponds and pools', unit: 'ponds or pools', bars: ponds },
  ];
}

/** About how wide `text` is at `size` px in a sans-serif face (average glyph 0.56 em). */
const textWidth = (text: string, size: number): number => text.length * size * 0.56;

/** Tick step: 1, 2 or 5 x 10^n giving about five ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? p;
}

const BAR_H = 20;
const GAP = 8;
const FONT = 12;

/** The chart as an SVG document (also valid inline in HTML). */
export function comparisonChartSvg(r: Report): string {
  const panels = chartPanels(r);
  const allBars = panels.flatMap((p) => p.bars);
  const labelW = Math.ceil(Math.max(...allBars.map((b) => textWidth(b.label, FONT)))) + 12;
  const valueText = (b: ChartBar): string =>
    `${b.qualifier ? `${b.qualifier} ` : ''}${b.value.toLocaleString('en-GB')} ${b.source === 0 ? '(this scan)' : `[${b.source}]`}`;
  const valueW = Math.ceil(Math.max(...allBars.map((b) => textWidth(valueText(b), FONT)))) + 12;
  const plotW = 320;
  const W = labelW + plotW + valueW;
  const parts: string[] = [];
  let y = 8;
  for (const p of panels) {
    parts.push(`<text x="0" y="${y + 14}" font-weight="bold">${escapeXml(p.title)}</text>`);
    y += 26;
    const max = Math.max(1, ...p.bars.map((b) => b.value));
    const step = tickStep(max);
    const top = Math.ceil(max / step) * step;
    const sx = (v: number): number => labelW + (plotW * v) / top;
    const y0 = y;
    const y1 = y + p.bars.length * (BAR_H + GAP);
    for (let v = 0; v <= top + 1e-9; v += step) {
      parts.push(
        `<line x1="${sx(v).toFixed(1)}" y1="${y0}" x2="${sx(v).toFixed(1)}" y2="${y1}" stroke="#ddd"/>` +
          `<text x="${sx(v).toFixed(1)}" y="${y1 + 14}" font-size="11" text-anchor="middle">${v.toLocaleString('en-GB')}</text>`,
      );
    }
    for (const b of p.bars) {
      const len = Math.max(1, sx(b.value) - labelW);
      parts.push(
        `<g class="bar${b.ours ? ' ours' : ''}">` +
          `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeXml(b.label)}</text>` +
          `<rect x="${labelW}" y="${y}" width="${len.toFixed(1)}" height="${BAR_H}" fill="${b.ours ? '#d95f02' : '#7570b3'}"/>` +
          `<text x="${(labelW + len + 6).toFixed(1)}" y="${y + 14}">${escapeXml(valueText(b))}</text></g>`,
      );
      y += BAR_H + GAP;
    }
    parts.push(
      `<line x1="${labelW}" y1="${y0}" x2="${labelW}" y2="${y1}" stroke="#333"/>` +
        `<line x1="${labelW}" y1="${y1}" x2="${labelW + plotW}" y2="${y1}" stroke="#333"/>` +
        `<text x="${labelW + plotW / 2}" y="${y1 + 30}" font-size="11" text-anchor="middle">${escapeXml(p.unit)}</text>`,
    );
    y = y1 + 44;
  }
  if (r.synthetic) {
    parts.push(
      `<text x="0" y="${y + 4}" font-size="12" font-weight="bold" fill="#b00020">Our bar counts a synthetic world; the others are real-world figures, for comparison only.</text>`,
    );
    y += 18;
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" ` +
    `font-family="DejaVu Sans, sans-serif" font-size="${FONT}" role="img" aria-label="Our counts next to published figures">` +
    `<title>minewatch counts next to ISP-Myanmar and Global Witness figures</title>${parts.join('')}</svg>`
  );
}
