/**
 * report.html: the same report as report.md, self-contained (inline CSS and SVG, no script, no
 * external request) so it can be mailed or archived as one file. Pure: report in, HTML out.
 */
import { comparisonChartSvg, escapeXml as esc } from './chart-svg.js';
import type { Report } from './report.js';

const CSS = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left}
td.n{text-align:right}caption{text-align:left;font-weight:bold;margin-bottom:.3rem}
.attribution{margin-top:2rem;font-size:.9rem;color:#555}`;

export function htmlReport(r: Report): string {
  const win = `${r.windows.before.start} to ${r.windows.before.end} &rarr; ${r.windows.after.start} to ${r.windows.after.end}`;
  const rows = r.townships
    .map((t) => {
      const refs =
        t.references
          .map((x) => `${esc(x.publisher)} (${esc(x.date)})${x.second_hand ? ', second-hand' : ''}`)
          .join('; ') || '-';
      return `<tr><td>${esc(t.township)}</td><td>${win}</td><td class="n">${t.candidates}</td><td class="n">${t.highConfidence}</td><td class="n">${t.ponds}</td><td>${refs}</td></tr>`;
    })
    .join('\n');
  const refs = r.references
    .map(
      (ref, i) =>
        `<li id="ref-${i + 1}"><strong>[${i + 1}] ${esc(ref.publisher)}, ${esc(ref.date)}</strong>${ref.second_hand ? ' (reported second-hand)' : ''}: ${esc(ref.claim)} <em>Source:</em> ${esc(ref.source)}</li>`,
    )
    .join('\n');
  const caveats = r.caveats.map((c) => `<li>${esc(c)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(r.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(r.title)}</h1>
<p>Before: ${esc(r.windows.before.start)} to ${esc(r.windows.before.end)}. After: ${esc(r.windows.after.start)} to ${esc(r.windows.after.end)}.</p>
<p><strong>${r.totals.candidates} candidates</strong> (${r.totals.highConfidence} with confidence &ge; 0.8), ${r.totals.ponds} new ponds.</p>
<table id="townships"><caption>Candidates per township and window</caption>
<thead><tr><th>township</th><th>window (before &rarr; after)</th><th>candidates</th><th>high confidence</th><th>new ponds</th><th>published figures</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Our counts next to the published figures</h2>
<figure>${comparisonChartSvg(r)}</figure>
<h2>Published figures</h2>
<ol class="references">
${refs}
</ol>
<h2>Caveats</h2>
<ul>
${caveats}
</ul>
<p class="attribution">${esc(r.attribution)}</p>
</body></html>
`;
}
