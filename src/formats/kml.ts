/**
 * candidates.kml for Google Earth: each candidate's outline with a balloon that shows its chips
 * (relative paths: keep the KML beside its chips/ folder), its figures and the provenance; the
 * document itself carries the attribution, and a synthetic run says so in the document name and
 * in every balloon. Pure: features in, text out (KML by @placemarkio/tokml).
 */
import { toKML } from '@placemarkio/tokml';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { escapeXml } from './xml.js';
import { SYNTHETIC_BANNER, type Provenance } from './provenance.js';
import { publishedFeatures } from './layer.js';
import { at } from '../types/checked.js';

export interface KmlChip {
  label: string;
  path: string;
}

function balloon(p: Record<string, unknown>, chips: KmlChip[], provenance: Provenance): string {
  const fig = (label: string, value: string | number | undefined | null, unit = ''): string =>
    value === undefined || value === null
      ? ''
      : `<tr><th align="left">${escapeXml(label)}</th><td>${escapeXml(String(value))}${unit}</td></tr>`;
  const text = (v: unknown): string | number | undefined =>
    typeof v === 'string' || typeof v === 'number' ? v : undefined;
  const ha = (m2: unknown): string | undefined =>
    typeof m2 === 'number' ? (m2 / 10_000).toFixed(2) : undefined;
  return [
    provenance.synthetic
      ? `<p style="background:#b00020;color:#fff;padding:4px"><b>${escapeXml(SYNTHETIC_BANNER)}</b></p>`
      : '',
    `<table>`,
    fig('confidence', text(p['confidence'])),
    fig('township', text(p['township']) ?? 'none'),
    fig('cleared', ha(p['cleared_area_m2']), ' ha'),
    fig('ponds', text(p['pond_count'])),
    fig('pool estimate', text(p['pool_estimate'])),
    fig('first seen', text(p['first_seen'])),
    `</table>`,
    ...chips.map(
      (c) =>
        `<p><img src="${escapeXml(c.path)}" width="240" alt="${escapeXml(c.label)}"/><br/>${escapeXml(c.label)}</p>`,
    ),
    `<p><small>${escapeXml(provenance.attribution)}</small></p>`,
  ].join('');
}

export function candidatesKml(
  features: readonly Feature<Geometry, Record<string, unknown>>[],
  chipsOf: (f: Feature<Geometry, Record<string, unknown>>) => KmlChip[],
  provenance: Provenance,
): string {
  const fc: FeatureCollection = {
    type: 'FeatureCollection',
    features: publishedFeatures(features).map((f, i) => ({
      type: 'Feature',
      geometry: f.geometry,
      properties: {
        name: String(f.properties['id']),
        description: balloon(f.properties, chipsOf(at(features, i)), provenance),
        confidence: f.properties['confidence'],
        pond_count: f.properties['pond_count'],
        cleared_area_m2: f.properties['cleared_area_m2'],
        first_seen: f.properties['first_seen'],
        township: f.properties['township'],
        attribution: provenance.attribution,
        ...(provenance.synthetic ? { synthetic: true } : {}),
      },
    })),
  };
  const name = `minewatch candidates${provenance.synthetic ? ` (${SYNTHETIC_BANNER})` : ''}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toKML(fc).replace(
    '<Document>',
    `<Document><name>${escapeXml(name)}</name><description>${escapeXml(provenance.attribution)}</description>`,
  )}\n`;
}
