import { describe, expect, it } from 'vitest';
import { chartPanels, comparisonChartSvg } from '../../src/report/chart-svg.js';
import { htmlReport } from '../../src/report/html-report.js';
import { loadReferences } from '../../src/report/references.js';
import { buildReport } from '../../src/report/report.js';

const report = buildReport({
  aoiName: 'kachin <test>',
  townshipsApproximate: true,
  windows: {
    before: { start: '2020-12-01', end: '2021-02-28' },
    after: { start: '2023-12-01', end: '2024-02-29' },
  },
  candidates: [
    { township: 'Chipwi', confidence: 0.9, pond_count: 12 },
    { township: 'Momauk', confidence: 0.6, pond_count: 4 },
  ],
  townships: ['Chipwi', 'Momauk', 'Waingmaw'],
  references: loadReferences(),
  yearsScanned: [2021, 2024],
  itemsUsed: 4,
  minConfidence: 0.5,
});

describe('report.html and its chart', () => {
  it('puts our counts next to ISP-Myanmar and Global Witness counts, with sources, skipping shares', () => {
    const [sites, ponds] = chartPanels(report);
    expect(sites!.bars[0]).toMatchObject({ value: 2, ours: true });
    expect(sites!.bars.map((b) => b.label).join()).toMatch(/ISP-Myanmar.*Global Witness/);
    expect(ponds!.bars.find((b) => !b.ours)).toMatchObject({ value: 2700, qualifier: 'more than' });
    expect([...sites!.bars, ...ponds!.bars].every((b) => b.value > 1 || b.ours)).toBe(true);
    const svg = comparisonChartSvg(report);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('Myanmar&#39;s poisoned mountains');
    expect(svg).toContain('Contains modified Copernicus Sentinel data 2021, 2024');
  });

  it('is self-contained HTML with the per-township and per-window table, escaped', () => {
    const html = htmlReport(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('kachin &lt;test&gt;');
    expect(html).not.toContain('kachin <test>');
    const rows = html.match(/<tr><td>/g) ?? [];
    expect(rows).toHaveLength(3);
    expect(html).toMatch(
      /<td>Chipwi<\/td><td>2020-12-01 to 2021-02-28 &rarr; 2023-12-01 to 2024-02-29<\/td><td class="n">1<\/td>/,
    );
    expect(html).toContain('<svg');
    expect(html).toContain(
      '<p class="attribution">Contains modified Copernicus Sentinel data 2021, 2024</p>',
    );
  });
});
