// The evidence viewer: the scan's layers over its own imagery, with MapLibre GL served from the
// project (no network needed). Plain ES module, no build step. Data comes from /data/ (the output
// folder, or each window's folder of a batch); nothing is fetched from anywhere else.
/* global document, window, fetch, URLSearchParams */
import {
  AttributionControl,
  Map,
  NavigationControl,
  ScaleControl,
} from '/vendor/maplibre-gl/maplibre-gl.mjs';

const ROOT = '/data/';

/** Colours, shared by the layers and the legend. */
const COLOURS = {
  candidateHigh: '#ffd400',
  candidateLow: '#ff9f1c',
  pond: '#00e5ff',
  clearing: '#ff5a1f',
  township: '#d0d0d0',
};
const HIGH = 0.8;

async function getJson(base, name, fallback) {
  const res = await fetch(base + name);
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

/** A property as a reader wants it: areas in ha, shares in %, lists joined, units said. */
export function readable(key, v) {
  if (v === null || v === undefined) return '-';
  const list = typeof v === 'string' && v.startsWith('[') ? JSON.parse(v) : v;
  if (Array.isArray(list)) return list.join(', ');
  if (typeof v === 'number') {
    if (key.endsWith('_m2')) return `${(v / 10_000).toFixed(2)} ha`;
    if (key === 'confidence') return `${Math.round(v * 100)} %`;
    if (key.endsWith('_fraction') || key === 'water_fraction_max') return `${Math.round(v * 100)} %`;
    if (key.startsWith('ndvi')) return v.toFixed(2);
    return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
  return String(v);
}

const LABELS = {
  confidence: 'confidence',
  area_m2: 'area',
  cleared_area_m2: 'cleared',
  pond_count: 'ponds (blobs at 10 m)',
  pool_estimate: 'pool estimate',
  pool_estimate_low: 'pool estimate, low',
  pool_estimate_high: 'pool estimate, high',
  pond_area_m2: 'open water',
  turquoise_ponds: 'turquoise ponds',
  dark_ponds: 'dark ponds',
  turbid_ponds: 'turbid ponds',
  ndvi_before: 'NDVI before',
  ndvi_after: 'NDVI after',
  first_seen: 'first seen',
  township: 'township',
  clear_observations_before: 'clear looks before (per pixel)',
  clear_observations_after: 'clear looks after (per pixel)',
  obscured_fraction: 'obscured after',
  restored_observations: 'restored water looks',
  tiles: 'tiles',
  items: 'acquisitions',
};

function showTownships(report) {
  const table = document.getElementById('townships');
  table.replaceChildren();
  const head = el('tr');
  const refsHead = report.synthetic ? 'for comparison, real-world figures' : 'published figures';
  for (const h of ['township', 'candidates', 'ponds', refsHead]) head.append(el('th', {}, h));
  table.append(head);
  const sources = report.references.map((r) => r.id);
  for (const t of report.townships.filter((x) => x.candidates > 0 || x.references.length > 0)) {
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
    ...report.references.map((r) => {
      const li = el(
        'li',
        {},
        `${r.publisher}, ${r.date}${r.second_hand ? ' (second-hand)' : ''}: ${r.claim} `,
      );
      if (r.url)
        li.append(el('a', { href: r.url, target: '_blank', rel: 'noopener' }, r.url_title ?? 'link'));
      return li;
    }),
  );
  document.getElementById('references-note').textContent = report.synthetic
    ? 'For comparison, real-world figures: this map shows synthetic imagery, so its counts cannot be compared with them.'
    : 'Published figures cover other periods and methods: context, not ground truth.';
}

function showCandidate(props, base) {
  const section = document.getElementById('candidate');
  section.hidden = false;
  document.getElementById('candidate-title').textContent = props.id;
  const chips = document.getElementById('chips');
  chips.replaceChildren();
  const paths = typeof props.chips === 'string' ? JSON.parse(props.chips) : props.chips;
  if (paths) {
    for (const [key, label] of [
      ['before', 'before: NDVI of the before-season composite'],
      ['after', 'after: true colour of the after-season composite'],
      ['ndvi_change', 'NDVI change (red: loss, green: gain)'],
    ]) {
      const fig = el('figure');
      fig.append(
        el('img', { src: base + paths[key], alt: `${label}, candidate ${props.id}`, 'data-chip': key }),
      );
      fig.append(el('figcaption', {}, label));
      chips.append(fig);
    }
  } else chips.append(el('p', {}, 'No chips for this candidate.'));
  const table = document.getElementById('candidate-props');
  table.replaceChildren();
  for (const [k, label] of Object.entries(LABELS)) {
    if (!(k in props)) continue;
    const tr = el('tr', { 'data-prop': k });
    tr.append(el('th', {}, label), el('td', {}, readable(k, props[k])));
    table.append(tr);
  }
}

function legend(synthetic) {
  const items = [
    ['line', COLOURS.candidateHigh, `mine-site candidate, confidence ≥ ${HIGH * 100} %`],
    ['line', COLOURS.candidateLow, 'candidate, lower confidence'],
    ['line', COLOURS.pond, 'new pond (outline)'],
    ['line', COLOURS.clearing, 'forest cleared since before'],
    ['dash', COLOURS.township, 'township (approximate area)'],
  ];
  const ul = document.getElementById('legend');
  ul.replaceChildren(
    ...items.map(([kind, colour, label]) => {
      const li = el('li');
      li.append(
        el('span', { class: `swatch ${kind}`, style: `border-color:${colour}` }),
        document.createTextNode(label),
      );
      return li;
    }),
  );
  const ramp = el('li');
  ramp.append(
    el('span', { class: 'swatch ramp' }),
    document.createTextNode('NDVI: bare (brown) to forest (green)'),
  );
  ul.append(ramp);
  if (synthetic) ul.append(el('li', { class: 'warn' }, 'All imagery here is synthetic.'));
}

async function main() {
  const run = await getJson(ROOT, 'run.json', {});
  const batch = run.kind === 'batch' ? run.windows.filter((w) => w.imagery) : undefined;
  let base = batch && batch.length > 0 ? `${ROOT}windows/${batch[batch.length - 1].id}/` : ROOT;
  const load = (b) =>
    Promise.all([
      getJson(b, 'candidates.geojson'),
      getJson(b, 'ponds.geojson'),
      getJson(b, 'clearings.geojson'),
      getJson(b, 'townships.geojson', { type: 'FeatureCollection', features: [] }),
      getJson(b, 'overlays/index.json', { overlays: [] }),
      getJson(b, 'report.json'),
    ]);
  let [candidates, ponds, clearings, townships, overlays, report] = await load(base);
  const synthetic = candidates.synthetic === true;
  document.getElementById('synthetic-banner').hidden = !synthetic;
  document.getElementById('attribution').textContent = candidates.attribution ?? report.attribution;
  legend(synthetic);

  const map = new Map({
    container: 'map',
    style: {
      version: 8,
      sources: {},
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#3a3f44' } }],
    },
    attributionControl: false,
    center: [97, 25],
    zoom: 8,
    fadeDuration: 0,
    preserveDrawingBuffer: true,
  });
  map.addControl(new NavigationControl({ showCompass: false }));
  map.addControl(new ScaleControl({ maxWidth: 160, unit: 'metric' }), 'bottom-left');
  map.addControl(new AttributionControl({ compact: false, customAttribution: candidates.attribution ?? '' }));
  window.minewatchViewer = { map, ready: false };
  await new Promise((resolve) => map.once('load', resolve));

  let imageryIds = [];
  const imagery = () => document.querySelector('input[name=imagery]:checked')?.value ?? 'after_true_colour';
  function showImagery() {
    for (const l of imageryIds)
      map.setLayoutProperty(l.id, 'visibility', l.layer === imagery() ? 'visible' : 'none');
  }
  function setOverlays(index, b) {
    for (const l of imageryIds) {
      map.removeLayer(l.id);
      map.removeSource(l.id);
    }
    imageryIds = index.overlays.map((o, i) => ({
      id: `img-${i}`,
      layer: o.layer ?? `${o.window}_true_colour`,
      o,
    }));
    const below = map.getLayer('townships') ? 'townships' : undefined;
    for (const { id, o } of imageryIds) {
      map.addSource(id, { type: 'image', url: b + o.url, coordinates: o.coordinates });
      map.addLayer(
        {
          id,
          type: 'raster',
          source: id,
          paint: { 'raster-fade-duration': 0, 'raster-resampling': 'nearest' },
        },
        below,
      );
    }
    showImagery();
  }
  for (const input of document.querySelectorAll('input[name=imagery]'))
    input.addEventListener('change', showImagery);

  map.addSource('townships', { type: 'geojson', data: townships });
  map.addLayer({
    id: 'townships',
    type: 'line',
    source: 'townships',
    paint: { 'line-color': COLOURS.township, 'line-width': 1, 'line-dasharray': [3, 2] },
  });
  map.addSource('clearings', { type: 'geojson', data: clearings });
  map.addLayer({
    id: 'clearings',
    type: 'line',
    source: 'clearings',
    paint: { 'line-color': COLOURS.clearing, 'line-width': 1.2 },
  });
  // Ponds as outlines: the imagery under them stays visible, which is what a reader checks.
  map.addSource('ponds', { type: 'geojson', data: ponds });
  map.addLayer({
    id: 'ponds',
    type: 'line',
    source: 'ponds',
    paint: { 'line-color': COLOURS.pond, 'line-width': 1.5 },
  });
  map.addSource('candidates', { type: 'geojson', data: candidates, promoteId: 'id' });
  const colour = ['case', ['>=', ['get', 'confidence'], HIGH], COLOURS.candidateHigh, COLOURS.candidateLow];
  map.addLayer({
    id: 'candidates-fill',
    type: 'fill',
    source: 'candidates',
    paint: { 'fill-color': colour, 'fill-opacity': 0.08 },
  });
  map.addLayer({
    id: 'candidates-line',
    type: 'line',
    source: 'candidates',
    paint: { 'line-color': colour, 'line-width': 2.5 },
  });
  setOverlays(overlays, base);

  const toggles = {
    candidates: ['candidates-fill', 'candidates-line'],
    ponds: ['ponds'],
    clearings: ['clearings'],
    townships: ['townships'],
  };
  for (const input of document.querySelectorAll('input[data-layer]')) {
    input.addEventListener('change', () => {
      for (const id of toggles[input.dataset.layer])
        map.setLayoutProperty(id, 'visibility', input.checked ? 'visible' : 'none');
    });
  }

  const slider = document.getElementById('confidence');
  const minConfidence = () => Number(slider.value) / 100;
  function applyFilter() {
    const f = ['>=', ['get', 'confidence'], minConfidence()];
    map.setFilter('candidates-fill', f);
    map.setFilter('candidates-line', f);
    document.getElementById('confidence-value').textContent = `${slider.value} %`;
    for (const li of document.querySelectorAll('#candidate-list li'))
      li.hidden = Number(li.dataset.confidence) < minConfidence();
  }
  slider.addEventListener('input', applyFilter);

  const zoomTo = (f) =>
    map.fitBounds(bounds([{ features: [f] }]), { padding: 120, duration: 0, maxZoom: 16 });
  function listCandidates() {
    const list = document.getElementById('candidate-list');
    list.replaceChildren();
    for (const f of [...candidates.features].sort(
      (a, b) => b.properties.confidence - a.properties.confidence,
    )) {
      const p = f.properties;
      const li = el('li', { 'data-confidence': p.confidence });
      const button = el(
        'button',
        { type: 'button', 'data-candidate': p.id },
        `${p.id}: ${p.township ?? 'no township'}, ${Math.round(p.confidence * 100)} %, ${p.pond_count} ponds, ${(p.cleared_area_m2 / 10_000).toFixed(1)} ha`,
      );
      button.addEventListener('click', () => {
        zoomTo(f);
        showCandidate(p, base);
      });
      li.append(button);
      list.append(li);
    }
    document.getElementById('summary').textContent =
      `${candidates.features.length} candidates holding ${report.totals.ponds} ponds. ` +
      `Before ${report.windows.before.start} to ${report.windows.before.end}; after ${report.windows.after.start} to ${report.windows.after.end}.`;
    showTownships(report);
    applyFilter();
  }
  listCandidates();

  if (batch && batch.length > 0) {
    const box = document.getElementById('season');
    box.hidden = false;
    const range = document.getElementById('season-slider');
    range.max = String(batch.length - 1);
    range.value = String(batch.length - 1);
    const label = () => {
      const w = batch[Number(range.value)];
      document.getElementById('season-value').textContent = `${w.id}`;
    };
    label();
    range.addEventListener('input', async () => {
      label();
      window.minewatchViewer.ready = false;
      base = `${ROOT}windows/${batch[Number(range.value)].id}/`;
      [candidates, ponds, clearings, townships, overlays, report] = await load(base);
      map.getSource('candidates').setData(candidates);
      map.getSource('ponds').setData(ponds);
      map.getSource('clearings').setData(clearings);
      setOverlays(overlays, base);
      listCandidates();
      document.body.dataset.season = batch[Number(range.value)].id;
      map.triggerRepaint();
    });
  }

  map.on('click', 'candidates-fill', (e) => {
    const f = e.features && e.features[0];
    if (f) showCandidate(f.properties, base);
  });
  map.on('mouseenter', 'candidates-fill', () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', 'candidates-fill', () => (map.getCanvas().style.cursor = ''));

  const b = bounds([candidates, clearings, ponds]) ?? bounds([townships]);
  if (b) map.fitBounds(b, { padding: 40, duration: 0 });
  const wanted = new URLSearchParams(window.location.hash.slice(1)).get('candidate');
  const deep = wanted && candidates.features.find((f) => f.properties.id === wanted);
  if (deep) {
    zoomTo(deep);
    showCandidate(deep.properties, base);
  }

  // For tests and the curious: what is drawn, and a point inside a given candidate.
  const rendered = (layers) => map.queryRenderedFeatures({ layers });
  Object.assign(window.minewatchViewer, {
    renderedCandidateIds() {
      return [...new Set(rendered(['candidates-fill']).map((f) => f.properties.id))].sort();
    },
    renderedCount(layer) {
      if (map.getLayoutProperty(layer, 'visibility') === 'none') return 0;
      return new Set(rendered([layer]).map((f) => f.properties.id)).size;
    },
    visibleImagery() {
      return imageryIds
        .filter((l) => map.getLayoutProperty(l.id, 'visibility') !== 'none')
        .map((l) => l.layer);
    },
    pointInside(id) {
      const canvas = map.getCanvas().getBoundingClientRect();
      const hits = rendered(['candidates-fill']).filter((f) => f.properties.id === id);
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
  map.on('data', () => (window.minewatchViewer.ready = false));
  map.on('idle', () => {
    window.minewatchViewer.ready = true;
    document.body.dataset.ready = 'true';
  });
}

main().catch((err) => {
  document.getElementById('summary').textContent = `Cannot load the outputs: ${err.message}`;
  document.body.dataset.error = err.message;
});
