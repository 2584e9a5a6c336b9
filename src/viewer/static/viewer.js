// The evidence viewer: the scan's layers over its own before/after imagery, with MapLibre GL
// served from the project (no network needed). Plain ES module, no build step. Data comes from
// /data/ (the output folder); nothing is fetched from anywhere else.
/* global document, window, fetch */
import { AttributionControl, Map, NavigationControl } from '/vendor/maplibre-gl/maplibre-gl.mjs';

const DATA = '/data/';

async function getJson(name, fallback) {
  const res = await fetch(DATA + name);
  if (!res.ok) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${name}: HTTP ${res.status}`);
  }
  return res.json();
}

const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = String(text);
  return e;
};

function bounds(fcs) {
  let b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      b = [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])];
    } else c.forEach(visit);
  };
  for (const fc of fcs) for (const f of fc.features) visit(f.geometry.coordinates);
  return Number.isFinite(b[0]) ? b : undefined;
}

function showTownships(report) {
  const table = document.getElementById('townships');
  table.replaceChildren();
  const head = el('tr');
  for (const h of ['township', 'candidates', 'ponds', 'published figures']) head.append(el('th', {}, h));
  table.append(head);
  const sources = report.references.map((r) => r.id);
  for (const t of report.townships) {
    const tr = el('tr', { 'data-township': t.township });
    tr.append(
      el('td', {}, t.township),
      el('td', { class: 'n' }, t.candidates),
      el('td', { class: 'n' }, t.ponds),
    );
    const refs = t.references.map(
      (r) => `${r.publisher.split(' (')[0]} ${r.date} [${sources.indexOf(r.id) + 1}]`,
    );
    tr.append(el('td', {}, refs.join('; ') || '-'));
    table.append(tr);
  }
  const ol = document.getElementById('references');
  ol.replaceChildren(
    ...report.references.map((r) =>
      el(
        'li',
        {},
        `${r.publisher}, ${r.date}${r.second_hand ? ' (second-hand)' : ''}: ${r.claim} Source: ${r.source}`,
      ),
    ),
  );
}

function showCandidate(props) {
  const section = document.getElementById('candidate');
  section.hidden = false;
  document.getElementById('candidate-title').textContent = props.id;
  const chips = document.getElementById('chips');
  chips.replaceChildren();
  const paths = typeof props.chips === 'string' ? JSON.parse(props.chips) : props.chips;
  if (paths) {
    for (const [key, label] of [
      ['before', `before (${paths.before_item})`],
      ['after', `after (${paths.after_item})`],
      ['ndvi_change', 'NDVI change'],
    ]) {
      const fig = el('figure');
      fig.append(
        el('img', { src: DATA + paths[key], alt: `${label} chip of ${props.id}`, 'data-chip': key }),
      );
      fig.append(el('figcaption', {}, label));
      chips.append(fig);
    }
  } else chips.append(el('p', {}, 'No chips for this candidate.'));
  const table = document.getElementById('candidate-props');
  table.replaceChildren();
  for (const [k, v] of Object.entries(props)) {
    if (k === 'chips') continue;
    const tr = el('tr');
    tr.append(el('th', {}, k), el('td', {}, typeof v === 'object' ? JSON.stringify(v) : v));
    table.append(tr);
  }
}

async function main() {
  const [candidates, ponds, clearings, townships, overlays, report] = await Promise.all([
    getJson('candidates.geojson'),
    getJson('ponds.geojson'),
    getJson('clearings.geojson'),
    getJson('townships.geojson', { type: 'FeatureCollection', features: [] }),
    getJson('overlays/index.json', { overlays: [] }),
    getJson('report.json'),
  ]);
  const attribution = candidates.attribution ?? report.attribution;
  document.getElementById('attribution').textContent = attribution;
  document.getElementById('summary').textContent =
    `${candidates.features.length} candidates, ${ponds.features.length} ponds, ${clearings.features.length} clearings. ` +
    `Before ${report.windows.before.start} to ${report.windows.before.end}; after ${report.windows.after.start} to ${report.windows.after.end}.`;
  showTownships(report);

  const map = new Map({
    container: 'map',
    style: {
      version: 8,
      sources: {},
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#1b1b1b' } }],
    },
    attributionControl: false,
    center: [97, 25],
    zoom: 8,
    fadeDuration: 0,
  });
  map.addControl(new NavigationControl({ showCompass: false }));
  map.addControl(new AttributionControl({ compact: false, customAttribution: attribution }));
  window.minewatchViewer = { map, ready: false, candidateCount: candidates.features.length };
  await new Promise((resolve) => map.once('load', resolve));

  overlays.overlays.forEach((o, i) => {
    map.addSource(`img-${i}`, { type: 'image', url: DATA + o.url, coordinates: o.coordinates });
    map.addLayer({
      id: `img-${i}`,
      type: 'raster',
      source: `img-${i}`,
      metadata: { window: o.window },
      layout: { visibility: o.window === 'after' ? 'visible' : 'none' },
      paint: { 'raster-fade-duration': 0, 'raster-resampling': 'nearest' },
    });
  });
  const imageryLayers = overlays.overlays.map((o, i) => ({ id: `img-${i}`, window: o.window }));
  for (const input of document.querySelectorAll('input[name=imagery]')) {
    input.addEventListener('change', () => {
      for (const l of imageryLayers)
        map.setLayoutProperty(l.id, 'visibility', l.window === input.value ? 'visible' : 'none');
    });
  }

  map.addSource('townships', { type: 'geojson', data: townships });
  map.addLayer({
    id: 'townships',
    type: 'line',
    source: 'townships',
    paint: { 'line-color': '#bbbbbb', 'line-width': 1, 'line-dasharray': [3, 2] },
  });
  map.addSource('clearings', { type: 'geojson', data: clearings });
  map.addLayer({
    id: 'clearings',
    type: 'line',
    source: 'clearings',
    paint: { 'line-color': '#ff8c00', 'line-width': 1 },
  });
  map.addSource('ponds', { type: 'geojson', data: ponds });
  map.addLayer({
    id: 'ponds',
    type: 'fill',
    source: 'ponds',
    paint: { 'fill-color': '#00e5ff', 'fill-opacity': 0.8 },
  });
  map.addSource('candidates', { type: 'geojson', data: candidates, promoteId: 'id' });
  map.addLayer({
    id: 'candidates-fill',
    type: 'fill',
    source: 'candidates',
    paint: { 'fill-color': '#ffd400', 'fill-opacity': 0.15 },
  });
  map.addLayer({
    id: 'candidates-line',
    type: 'line',
    source: 'candidates',
    paint: { 'line-color': '#ffd400', 'line-width': 2 },
  });

  map.on('click', 'candidates-fill', (e) => {
    const f = e.features && e.features[0];
    if (f) showCandidate(f.properties);
  });
  map.on('mouseenter', 'candidates-fill', () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', 'candidates-fill', () => (map.getCanvas().style.cursor = ''));

  const zoomTo = (f) => {
    const bb = bounds([{ features: [f] }]);
    map.fitBounds(bb, { padding: 120, duration: 0, maxZoom: 16 });
  };
  const list = document.getElementById('candidate-list');
  for (const f of [...candidates.features].sort(
    (a, b) => b.properties.confidence - a.properties.confidence,
  )) {
    const li = el('li');
    const button = el(
      'button',
      { type: 'button', 'data-candidate': f.properties.id },
      `${f.properties.id} (${f.properties.township ?? 'no township'}, confidence ${f.properties.confidence}, ${f.properties.pond_count} ponds)`,
    );
    button.addEventListener('click', () => {
      zoomTo(f);
      showCandidate(f.properties);
    });
    li.append(button);
    list.append(li);
  }

  const b = bounds([candidates, clearings, ponds]) ?? bounds([townships]);
  if (b) map.fitBounds(b, { padding: 40, duration: 0 });

  // For tests and the curious: what is drawn, and a point inside a given candidate.
  Object.assign(window.minewatchViewer, {
    renderedCandidateIds() {
      const ids = map.queryRenderedFeatures({ layers: ['candidates-fill'] }).map((f) => f.properties.id);
      return [...new Set(ids)].sort();
    },
    pointInside(id) {
      const canvas = map.getCanvas().getBoundingClientRect();
      const hits = map
        .queryRenderedFeatures({ layers: ['candidates-fill'] })
        .filter((f) => f.properties.id === id);
      if (hits.length === 0) return undefined;
      const bb = bounds([{ features: hits }]);
      const p0 = map.project([bb[0], bb[3]]);
      const p1 = map.project([bb[2], bb[1]]);
      for (let y = Math.floor(p0.y); y <= p1.y; y++)
        for (let x = Math.floor(p0.x); x <= p1.x; x++) {
          const at = map.queryRenderedFeatures([x, y], { layers: ['candidates-fill'] });
          if (at.some((f) => f.properties.id === id)) return { x: canvas.left + x, y: canvas.top + y };
        }
      return undefined;
    },
  });
  // `ready` is true whenever the map has drawn everything it was asked to (tests wait on it).
  map.on('movestart', () => (window.minewatchViewer.ready = false));
  map.on('idle', () => {
    window.minewatchViewer.ready = true;
    document.body.dataset.ready = 'true';
  });
}

main().catch((err) => {
  document.getElementById('summary').textContent = `Cannot load the outputs: ${err.message}`;
  document.body.dataset.error = err.message;
});
