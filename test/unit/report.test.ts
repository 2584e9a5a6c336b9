/**
 * The report as a reader meets it: summary first, one row per candidate, counts per township,
 * acquisitions, method and thresholds, references with links, one pond number; synthetic runs
 * say so everywhere and introduce the published figures as real-world figures for comparison,
 * real runs carry the Copernicus attribution and never the word "synthetic".
 */
import { describe, expect, it } from 'vitest';
import { chartPanels, comparisonChartSvg } from '../../src/report/chart-svg.js';
import { htmlReport } from '../../src/report/html-report.js';
import { overviewMapSvg } from '../../src/report/overview-map.js';
import { combineProvenance, provenanceOf } from '../../src/formats/provenance.js';
import { loadReferences } from '../../src/report/references.js';
import { buildReport, reportMarkdown, type ReportInput } from '../../src/report/report.js';

const square = (lon: number, lat: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [lon, lat],
      [lon + 1, lat],
      [lon + 1, lat + 1],
      [lon, lat + 1],
      [lon, lat],
    ],
  ],
});

function input(synthetic: boolean): ReportInput {
  return {
    aoiName: 'kachin <test>',
    townshipsApproximate: true,
    windows: {
      before: { start: '2020-12-01', end: '2021-02-28' },
      after: { start: '2023-12-01', end: '2024-02-29' },
    },
    source: { stac: 'https://earth-search.aws.element84.com/v1', collection: 'sentinel-2-l2a' },
    software: { version: '0.1.0', algorithm_version: '2' },
    candidates: [
      {
        id: 'mw-b',
        lon: 97.6,
        lat: 25.7,
        township: 'Momauk',
        confidence: 0.6,
        cleared_area_m2: 40_000,
        pond_count: 4,
        first_seen: '2024-01-05',
      },
      {
        id: 'mw-a',
        lon: 98.1,
        lat: 25.9,
        township: 'Chipwi',
        confidence: 0.9,
        cleared_area_m2: 123_400,
        pond_count: 12,
        first_seen: '2023-12-10',
        pool_estimate: 15,
        pool_estimate_low: 12,
        pool_estimate_high: 19,
      },
    ],
    townships: ['Chipwi', 'Momauk', 'Waingmaw'],
    references: loadReferences(),
    provenance: synthetic
      ? provenanceOf([
          { datetime: new Date('2021-01-05'), synthetic: true },
          { datetime: new Date('2024-01-05') },
        ])
      : provenanceOf([{ datetime: new Date('2021-01-05') }, { datetime: new Date('2024-01-05') }]),
    itemsUsed: 2,
    minConfidence: 0.5,
    acquisitions: [
      {
        id: 'S2A_47RMJ_20210105_0_L2A',
        window: 'before',
        date: '2021-01-05',
        tile: 'MGRS-47RMJ',
        cloud_cover: 3.2,
        processing_baseline: '02.14',
        offset_dn: 0,
        offset_source: 'processing_baseline',
        offset_agreed: true,
      },
      {
        id: 'S2A_47RMJ_20240105_0_L2A',
        window: 'after',
        date: '2024-01-05',
        tile: 'MGRS-47RMJ',
        cloud_cover: 8,
        processing_baseline: '05.10',
        offset_dn: -1000,
        offset_source: 'raster:bands',
        offset_agreed: true,
      },
    ],
    parameters: { forestNdviMin: 0.6, minPondsPerSite: 2 },
  };
}

const real = buildReport(input(false));
const synthetic = buildReport(input(true));

describe('the report', () => {
  it('opens with a summary, then one row per candidate, best first, with one pond total', () => {
    const md = reportMarkdown(real, { overview: true });
    const lines = md.split('\n');
    expect(lines[0]).toBe(`# ${real.title}`);
    expect(lines[2]).toMatch(
      /^Scanned kachin <test> in the Sentinel-2 L2A collection sentinel-2-l2a of https:\/\/earth-search/,
    );
    expect(lines[2]).toContain(
      'Found 2 candidates (1 at confidence >= 0.8), 16.3 ha cleared, 16 ponds in them',
    );
    expect(md).toContain('![Overview map');
    expect(real.candidates.map((c) => [c.n, c.id])).toEqual([
      [1, 'mw-a'],
      [2, 'mw-b'],
    ]);
    expect(md).toMatch(
      /\| 1 \| mw-a \| 25\.90000, 98\.10000 \| Chipwi \| 0\.90 \| 12\.34 \| 12 \| 15 \(12-19\) \| 2023-12-10 \|/,
    );
    expect(md).toMatch(/\| 2 \| mw-b \|.*\| 4 \| - \|/);
    expect(real.totals.ponds).toBe(real.townships.reduce((s, t) => s + t.ponds, 0));
    expect(md).toContain('A pond, in every count here: a pond is one connected blob');
  });

  it('lists the acquisitions with cloud, baseline and offset, the thresholds and the version', () => {
    const md = reportMarkdown(real);
    expect(md).toMatch(
      /\| after \| 2024-01-05 \| MGRS-47RMJ \| S2A_47RMJ_20240105_0_L2A \| 8 \| 05\.10 \| -1000 \| raster:bands \|/,
    );
    expect(md).toMatch(/\| forestNdviMin \| 0\.6 \|/);
    expect(md).toContain('algorithm version 2, minewatch 0.1.0');
  });

  it('links the references and keeps zero townships out of the table', () => {
    const md = reportMarkdown(real);
    expect(md).toContain(
      '(https://www.globalwitness.org/en/campaigns/natural-resource-governance/myanmars-poisoned-mountains/)',
    );
    expect(md).toContain('No candidates in: Waingmaw.');
    expect(md).not.toMatch(/\| Waingmaw \|/);
  });

  it('of real imagery carries the Copernicus attribution and never says "synthetic"', () => {
    const all = [JSON.stringify(real), reportMarkdown(real), htmlReport(real), comparisonChartSvg(real)].join(
      '\n',
    );
    expect(all).toContain('Contains modified Copernicus Sentinel data 2021, 2024');
    expect(all).not.toMatch(/synthetic/i);
  });

  it('of synthetic imagery says so everywhere, with no Copernicus attribution', () => {
    const md = reportMarkdown(synthetic);
    const html = htmlReport(synthetic);
    expect(synthetic.synthetic).toBe(true);
    for (const text of [md, html, JSON.stringify(synthetic)]) {
      expect(text).toMatch(/SYNTHETIC DATA/);
      expect(text).not.toMatch(/Copernicus/);
    }
    expect(md).toContain('## For comparison, real-world figures');
    expect(md).toContain('for comparison, real-world figures |');
    expect(html).toContain('id="synthetic-banner"');
    expect(comparisonChartSvg(synthetic)).toContain('synthetic world');
  });
});

describe('report.html, its chart and its map', () => {
  it('is self-contained HTML, escaped, with a row and viewer link per candidate', () => {
    const html = htmlReport(real, {
      chipsOf: (id) =>
        id === 'mw-a'
          ? {
              before: 'chips/a-before.png',
              after: 'chips/a-after.png',
              ndvi_change: 'chips/a-ndvi-change.png',
            }
          : undefined,
    });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('kachin &lt;test&gt;');
    expect(html).not.toContain('kachin <test>');
    expect(html.match(/<tr id="mw-/g)).toHaveLength(2);
    expect(html).toContain('href="../#candidate=mw-a"');
    expect(html).toContain('<img src="chips/a-after.png"');
  });

  it('charts sites and ponds on their own axes, with tick labels and every bar labelled', () => {
    const [sites, ponds] = chartPanels(real);
    expect(sites!.bars[0]).toMatchObject({ value: 2, ours: true });
    expect(ponds!.bars[0]).toMatchObject({ value: 16, ours: true });
    expect(ponds!.bars.find((b) => !b.ours)).toMatchObject({ value: 2700, qualifier: 'more than' });
    const svg = comparisonChartSvg(real);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    // Tick labels of the pond axis up to at least the largest figure.
    expect(svg).toContain('>3,000</text>');
    expect(svg).toContain('>0</text>');
    // No bar's value label starts past the drawing's width.
    for (const m of svg.matchAll(/<text x="([\d.]+)" y="[\d.]+">(more than|about|\d)/g))
      expect(Number(m[1])).toBeLessThan(width);
  });

  it('maps the AOI, townships with names, and numbered candidates, with a scale bar', () => {
    const svg = overviewMapSvg({
      aoi: square(96, 24),
      townships: [{ name: 'Chipwi', geometry: square(96, 24) }],
      candidates: real.candidates,
      provenance: combineProvenance([{ synthetic: true, years: [2024], attribution: '' }]),
      title: real.title,
    });
    expect(svg.match(/<g class="candidate">/g)).toHaveLength(2);
    expect(svg).toContain('>Chipwi</text>');
    expect(svg).toContain('class="scale-bar"');
    expect(svg).toMatch(/>\d+ km<\/text>/);
    expect(svg).toContain('SYNTHETIC DATA');
  });
});
