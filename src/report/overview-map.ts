/**
 * The report's static overview map as an SVG document: the AOI, the township areas with their
 * names, every candidate numbered as in the report's table (filled dark red at high confidence),
 * a legend, a scale bar and a north arrow, the provenance. Longitude and latitude are drawn
 * equirectangular, shrunk by cos(latitude) so distances read true at the map's centre. Inline in
 * report.html; report.md shows it as overview.png (sharp renders it). Pure.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson';
import { escapeXml as esc } from '../formats/xml.js';
import { SYNTHETIC_BANNER, type Provenance } from '../formats/provenance.js';
import { HIGH_CONFIDENCE, type CandidateRow } from './report.js';
import { at } from '../types/checked.js';

type Geom = Polygon | MultiPolygon;

export interface OverviewInput {
  aoi: Geom;
  townships: readonly { name: string; geometry: Geom }[];
  candidates: readonly CandidateRow[];
  provenance: Provenance;
  title: string;
}

const W = 900;
const PAD = 40;
const rings = (g: Geom): Position[][] => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat());

/** A "nice" length (1, 2 or 5 x 10^n km) about a fifth of `km`. */
function niceKm(km: number): number {
  const target = km / 5;
  const p = 10 ** Math.floor(Math.log10(target));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= target) ?? p;
}

export function overviewMapSvg(x: OverviewInput): string {
  const pts = rings(x.aoi).flat();
  const lons = pts.map((p) => at(p, 0));
  const lats = pts.map((p) => at(p, 1));
  const [minLon, maxLon, minLat, maxLat] = [
    Math.min(...lons),
    Math.max(...lons),
    Math.min(...lats),
    Math.max(...lats),
  ];
  const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max(1e-6, (maxLon - minLon) * kx);
  const spanY = Math.max(1e-6, maxLat - minLat);
  const scale = (W - 2 * PAD - 240) / spanX; // 240 px of legend on the right
  const H = Math.round(spanY * scale + 2 * PAD + 70); // title above, scale bar and notices below
  const X = (lon: number): number => PAD + (lon - minLon) * kx * scale;
  const Y = (lat: number): number => PAD + 30 + (maxLat - lat) * scale;
  const path = (g: Geom): string =>
    rings(g)
      .map((r) => `M${r.map((p) => `${X(at(p, 0)).toFixed(1)},${Y(at(p, 1)).toFixed(1)}`).join('L')}Z`)
      .join('');
  const parts: string[] = [];
  parts.push(`<rect width="${W}" height="${H}" fill="#f4f1ea"/>`);
  parts.push(`<text x="${PAD}" y="24" font-size="16" font-weight="bold">${esc(x.title)}</text>`);
  for (const t of x.townships)
    parts.push(`<path d="${path(t.geometry)}" fill="#e6e0d0" stroke="#9a927e" stroke-width="0.8"/>`);
  parts.push(`<path d="${path(x.aoi)}" fill="none" stroke="#333" stroke-width="1.6"/>`);
  for (const t of x.townships) {
    // Label at the mean of the cell's vertices: inside for the convex Voronoi cells we draw.
    const v = rings(t.geometry)[0] ?? [];
    if (v.length === 0) continue;
    const lx = v.reduce((s, p) => s + X(at(p, 0)), 0) / v.length;
    const ly = v.reduce((s, p) => s + Y(at(p, 1)), 0) / v.length;
    parts.push(
      `<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" font-size="11" fill="#5a5446" text-anchor="middle">${esc(t.name)}</text>`,
    );
  }
  for (const c of [...x.candidates].reverse()) {
    const high = c.confidence >= HIGH_CONFIDENCE;
    parts.push(
      `<g class="candidate"><circle cx="${X(c.lon).toFixed(1)}" cy="${Y(c.lat).toFixed(1)}" r="6" fill="${high ? '#b2182b' : '#f4a582'}" stroke="#fff" stroke-width="1.2"/>` +
        `<text x="${(X(c.lon) + 8).toFixed(1)}" y="${(Y(c.lat) + 4).toFixed(1)}" font-size="11" font-weight="bold" fill="#222">${c.n}</text></g>`,
    );
  }
  // Legend, scale bar, north arrow.
  const lx = W - 235;
  let ly = PAD + 40;
  const item = (svg: string, label: string): void => {
    parts.push(
      `<g transform="translate(${lx},${ly})">${svg}<text x="22" y="5" font-size="12">${esc(label)}</text></g>`,
    );
    ly += 22;
  };
  parts.push(`<text x="${lx}" y="${ly - 14}" font-size="13" font-weight="bold">Legend</text>`);
  item(
    `<circle cx="6" cy="0" r="6" fill="#b2182b" stroke="#fff"/>`,
    `candidate, confidence >= ${HIGH_CONFIDENCE}`,
  );
  item(`<circle cx="6" cy="0" r="6" fill="#f4a582" stroke="#fff"/>`, 'candidate, lower confidence');
  item(
    `<rect x="0" y="-6" width="14" height="12" fill="#e6e0d0" stroke="#9a927e"/>`,
    'township (approximate)',
  );
  item(
    `<rect x="0" y="-6" width="14" height="12" fill="none" stroke="#333" stroke-width="1.6"/>`,
    'area scanned',
  );
  parts.push(`<text x="${lx}" y="${ly + 6}" font-size="11">Numbers: rows of the table</text>`);
  const kmPerPx = (111.32 * 1) / scale; // 1 degree of latitude ~ 111.32 km
  const barKm = niceKm(kmPerPx * (W - 2 * PAD - 240));
  const barPx = barKm / kmPerPx;
  const by = H - 18;
  parts.push(
    `<g class="scale-bar"><rect x="${PAD}" y="${by - 6}" width="${barPx.toFixed(1)}" height="5" fill="#333"/>` +
      `<text x="${PAD}" y="${by + 10}" font-size="11">0</text><text x="${(PAD + barPx).toFixed(1)}" y="${by + 10}" font-size="11" text-anchor="middle">${barKm} km</text></g>`,
  );
  parts.push(
    `<g class="north" transform="translate(${W - 40},${PAD + 10})"><path d="M0,-14L6,6L0,2L-6,6Z" fill="#333"/><text x="0" y="20" font-size="11" text-anchor="middle">N</text></g>`,
  );
  parts.push(
    `<text x="${W - 10}" y="${H - 6}" font-size="10" fill="#555" text-anchor="end">${esc(x.provenance.attribution)}</text>`,
  );
  if (x.provenance.synthetic)
    parts.push(
      `<g class="synthetic"><rect x="0" y="${H - 46}" width="${W}" height="18" fill="#b00020"/>` +
        `<text x="${W / 2}" y="${H - 33}" font-size="12" font-weight="bold" fill="#fff" text-anchor="middle">${esc(SYNTHETIC_BANNER)}</text></g>`,
    );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" role="img" aria-label="Overview map of the scanned area">` +
    `<title>${esc(x.title)}: overview map</title>${parts.join('')}</svg>`
  );
}
