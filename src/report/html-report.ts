/**
 * report.html: the report as one self-contained page (inline CSS and SVG, no script, no external
 * request except the links a reader follows), so it can be mailed or archived as one file. Chips
 * and the viewer are linked by relative path: keep the page in its output folder. Pure.
 */
import { escapeXml as esc } from '../formats/xml.js';
import { comparisonChartSvg } from './chart-svg.js';
import { poolEstimateText, summaryText, type Report } from './report.js';
import { SYNTHETIC_NOTICE, SYNTHETIC_REFERENCES_NOTE } from '../formats/provenance.js';

const CSS = `body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.n{text-align:right}caption{text-align:left;font-weight:bold;margin-bottom:.3rem}
.banner{background:#b00020;color:#fff;padding:.6rem 1rem;font-weight:bold}
.warning{border-left:4px solid #b00020;padding:.3rem .8rem;background:#fdecee}
.chips{display:flex;gap:2px}.chips img{width:96px;image-rendering:pixelated}
.attribution{margin-top:2rem;font-size:.9rem;color:#555}figure{margin:1rem 0;overflow-x:auto}`;

export interface HtmlOptions {
  overviewSvg?: string;
  chipsOf?: (id: string) => { before: string; after: string; ndvi_change: string } | undefined;
}

export function htmlReport(r: Report, opts: HtmlOptions = {}): string {
  const banner = r.synthetic ? `<p class="banner" id="synthetic-banner">${esc(SYNTHETIC_NOTICE)}</p>` : '';
  const refsTitle = r.synthetic ? 'For comparison, real-world figures' : 'Published figures';
  const refWarning = r.synthetic ? `<p class="warning">${esc(SYNTHETIC_REFERENCES_NOTE)}</p>` : '';
  const candidates = r.candidates
    .map((c) => {
      const chips = opts.chipsOf?.(c.id);
      const pics = chips
        ? `<span class="chips"><a href="${esc(chips.before)}"><img src="${esc(chips.before)}" alt="before NDVI"></a><a href="${esc(chips.after)}"><img src="${esc(chips.after)}" alt="after true colour"></a><a href="${esc(chips.ndvi_change)}"><img src="${esc(chips.ndvi_change)}" alt="NDVI change"></a></span>`
        : '-';
      return `<tr id="${esc(c.id)}"><td class="n">${c.n}</td><td>${esc(c.id)}<br><a href="../#candidate=${encodeURIComponent(c.id)}">viewer</a></td><td>${c.lat.toFixed(5)}, ${c.lon.toFixed(5)}</td><td>${esc(c.township ?? '-')}</td><td class="n">${c.confidence.toFixed(2)}</td><td class="n">${c.cleared_ha.toFixed(2)}</td><td class="n">${c.pond_count}</td><td>${esc(poolEstimateText(c))}</td><td>${esc(c.first_seen ?? '-')}</td><td>${pics}</td></tr>`;
    })
    .join('\n');
  const townships = r.townships
    .filter((t) => t.candidates > 0 || t.references.length > 0)
    .map((t) => {
      const refs =
        t.references
          .map(
            (x) =>
              `${esc(x.publisher.split(' (')[0] ?? x.publisher)} (${esc(x.date)})${x.second_hand ? ', second-hand' : ''}`,
          )
          .join('; ') || '-';
      return `<tr><td>${esc(t.township)}</td><td class="n">${t.candidates}</td><td class="n">${t.highConfidence}</td><td class="n">${t.ponds}</td><td>${refs}</td></tr>`;
    })
    .join('\n');
  const zero = r.townships
    .filter((x) => x.candidates === 0 && x.references.length === 0)
    .map((x) => x.township);
  const acquisitions = r.acquisitions
    .map(
      (a) =>
        `<tr><td>${a.window}</td><td>${esc(a.date)}</td><td>${esc(a.tile)}</td><td>${esc(a.id)}</td><td class="n">${a.cloud_cover ?? '-'}</td><td>${esc(a.processing_baseline ?? '-')}</td><td class="n">${a.offset_dn ?? '-'}</td><td>${esc(a.offset_source ?? '-')}${a.offset_agreed === false ? ' (pixels disagreed)' : ''}</td></tr>`,
    )
    .join('\n');
  const params = Object.entries(r.method.parameters)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${v}</td></tr>`)
    .join('');
  const refs = r.references
    .map(
      (ref, i) =>
        `<li id="ref-${i + 1}"><strong>${esc(ref.publisher)}, ${esc(ref.date)}</strong>${ref.second_hand ? ' (reported second-hand)' : ''}: ${esc(ref.claim)} <em>Source:</em> ${esc(ref.source)}${ref.url ? ` <a href="${esc(ref.url)}">${esc(ref.url_title ?? ref.url)}</a>` : ''}</li>`,
    )
    .join('\n');
  const caveats = r.caveats.map((c) => `<li>${esc(c)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(r.title)}</title><style>${CSS}</style></head>
<body>
${banner}
<h1>${esc(r.title)}</h1>
<p id="summary">${esc(summaryText(r))}</p>
<p>A pond, in every count here: ${esc(r.definitions.pond)}.</p>
${opts.overviewSvg ? `<figure id="overview">${opts.overviewSvg}<figcaption>Overview: candidates numbered as in the table below.</figcaption></figure>` : ''}
<h2>Candidates</h2>
<table id="candidates"><thead><tr><th>#</th><th>id</th><th>lat, lon</th><th>township</th><th>confidence</th><th>cleared (ha)</th><th>ponds</th><th>pool estimate</th><th>first seen</th><th>chips: before NDVI, after, NDVI change</th></tr></thead>
<tbody>
${candidates}
</tbody></table>
<p>The viewer links work when the folder is served: <code>npx minewatch serve &lt;this folder&gt;</code>.</p>
<h2>Counts per township</h2>
${refWarning}
<table id="townships"><thead><tr><th>township</th><th>candidates</th><th>high confidence</th><th>ponds</th><th>${esc(refsTitle.toLowerCase())}</th></tr></thead>
<tbody>
${townships}
</tbody></table>
${zero.length > 0 ? `<p>No candidates in: ${esc(zero.join(', '))}.</p>` : ''}
<h2>Our counts next to the ${r.synthetic ? 'real-world' : 'published'} figures</h2>
${refWarning}
<figure id="chart">${comparisonChartSvg(r)}</figure>
<h2>Acquisitions used</h2>
<table id="acquisitions"><thead><tr><th>window</th><th>date</th><th>tile</th><th>item</th><th>cloud (%)</th><th>baseline</th><th>BOA offset (DN)</th><th>decided from</th></tr></thead>
<tbody>
${acquisitions}
</tbody></table>
<h2>Method</h2>
<ol>${r.method.steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>
<table id="parameters"><caption>Thresholds (algorithm version ${esc(r.software.algorithm_version)}, minewatch ${esc(r.software.version)})</caption><tbody>${params}</tbody></table>
<h2>${refsTitle}</h2>
${refWarning}
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
