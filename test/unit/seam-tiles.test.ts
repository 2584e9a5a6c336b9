import type { Feature, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import type { S2Item } from '../../src/catalog/item.js';
import { footprintsByTile, tilesReached } from '../../src/run/seam-tiles.js';

const box = (w: number, s: number, e: number, n: number): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ],
  ],
});
const site = (w: number, s: number, e: number, n: number): Feature<Polygon> => ({
  type: 'Feature',
  properties: {},
  geometry: box(w, s, e, n),
});
// Two tiles side by side overlapping between 96.9 and 97.0 E, as neighbouring MGRS tiles do.
const items = [
  { id: 'a1', gridCode: 'A', geometry: box(96, 25, 97, 26) },
  { id: 'a2', gridCode: 'A', geometry: box(96, 25, 97, 26) },
  { id: 'b1', gridCode: 'B', geometry: box(96.9, 25, 98, 26) },
] as unknown as S2Item[];
const footprints = footprintsByTile(items, (i) => i.gridCode);

describe('tiles a site reaches into', () => {
  it('groups footprints by tile', () => {
    expect([...footprints.keys()].sort()).toEqual(['A', 'B']);
    expect(footprints.get('A')).toHaveLength(2);
  });
  it('a site on the overlap reaches the neighbour', () => {
    expect([...tilesReached([site(96.95, 25.5, 96.96, 25.51)], footprints, new Set(['A']))]).toEqual(['B']);
  });
  it('a site inside one tile only reaches nothing new', () => {
    expect(tilesReached([site(96.2, 25.5, 96.21, 25.51)], footprints, new Set(['A'])).size).toBe(0);
  });
  it('tiles already known are never reported again', () => {
    expect(tilesReached([site(96.95, 25.5, 96.96, 25.51)], footprints, new Set(['A', 'B'])).size).toBe(0);
  });
  it('features without geometry reach nothing', () => {
    const empty: Feature<null> = { type: 'Feature', properties: {}, geometry: null };
    expect(tilesReached([empty], footprints, new Set()).size).toBe(0);
  });
});
