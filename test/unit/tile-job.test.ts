import { describe, expect, it } from 'vitest';
import type { OffsetDecision } from '../../src/catalog/offset-decision.js';
import type { S2Item } from '../../src/catalog/item.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import type { TilePlan } from '../../src/run/planner.js';
import {
  decodeOutcome,
  decodeTileJob,
  encodeOutcome,
  encodeTileJob,
  scanJobId,
  tileJobId,
} from '../../src/run/runners/tile-job.js';

function item(id: string, date: string, updated?: string): S2Item {
  const asset = {
    href: new URL(`http://h/${id}.tif`),
    shape: [2048, 2048] as [number, number],
    transform: [10, 0, 400_000, 0, -10, 2_900_000],
  };
  return {
    id,
    collection: 'sentinel-2-l2a',
    datetime: new Date(date),
    bbox: [97, 25, 98, 26],
    geometry: { type: 'Polygon', coordinates: [] },
    epsg: 32647,
    gridCode: 'MGRS-47RMJ',
    platform: 'sentinel-2a',
    cloudCover: 3,
    processingBaseline: '05.09',
    sequence: 0,
    ...(updated ? { updated } : {}),
    assets: { blue: asset, green: asset, red: asset, nir: asset, swir16: asset, scl: asset },
  };
}

const offset = (dn: 0 | -1000): OffsetDecision => ({
  offsetDn: dn,
  declared: dn,
  source: 'processing_baseline',
  agreed: true,
  pixels: 'inconclusive',
  reason: 'test',
});

const plan = (after = item('a', '2024-01-01T04:00:00Z')): TilePlan => ({
  tile: 'MGRS-47RMJ',
  grid: { epsg: 32647, originX: 400_000, originY: 2_900_000, width: 2048, height: 2048 },
  before: [item('b', '2021-01-01T04:00:00Z')],
  after: [after],
  blocks: [{ tile: 'MGRS-47RMJ', x: 0, y: 0, width: 1024, height: 1024 }],
});
const offsets = new Map([
  ['b', offset(0)],
  ['a', offset(-1000)],
]);
const stac = new URL('http://127.0.0.1:9/v1');

describe('tile job payload', () => {
  it('round-trips a plan through JSON, dates and URLs included', () => {
    const data = JSON.parse(
      JSON.stringify(encodeTileJob(plan(), offsets, DEFAULT_PARAMS, stac, 8)),
    ) as unknown;
    const job = decodeTileJob(data, 'j');
    expect(job.tile).toEqual(plan());
    expect(job.offsets).toEqual(offsets);
    expect(job.stac.href).toBe(stac.href);
    expect(job.concurrency).toBe(8);
    expect(job.params).toEqual(DEFAULT_PARAMS);
  });

  it('rejects a malformed job with an error naming it', () => {
    const data = encodeTileJob(plan(), offsets, DEFAULT_PARAMS, stac, 8);
    expect(() => decodeTileJob({ ...data, concurrency: 0 }, 'tile-x')).toThrow(/tile job tile-x: malformed/);
    expect(() => decodeTileJob({ ...data, offsets: {} }, 'tile-x')).toThrow(/no BOA offset for item b/);
    expect(() => decodeTileJob('{"v":1}', 'tile-x')).toThrow(/malformed/);
  });
});

describe('deterministic job ids', () => {
  it('are equal for the same work and differ when the items, offsets, params or blocks do', () => {
    const id = tileJobId(plan(), offsets, DEFAULT_PARAMS);
    expect(tileJobId(plan(), new Map(offsets), { ...DEFAULT_PARAMS })).toBe(id);
    expect(id).toMatch(/^tile-[0-9a-f]{64}$/);
    expect(
      tileJobId(plan(item('a', '2024-01-01T04:00:00Z', '2025-01-01')), offsets, DEFAULT_PARAMS),
    ).not.toBe(id);
    expect(tileJobId(plan(), new Map([...offsets, ['a', offset(0)]]), DEFAULT_PARAMS)).not.toBe(id);
    expect(tileJobId(plan(), offsets, { ...DEFAULT_PARAMS, minConfidence: 0.6 })).not.toBe(id);
    expect(tileJobId({ ...plan(), blocks: [] }, offsets, DEFAULT_PARAMS)).not.toBe(id);
    expect(scanJobId([id])).toBe(scanJobId([id]));
    expect(scanJobId([id, 'x'])).not.toBe(scanJobId(['x', id]));
  });
});

describe('tile outcome codec', () => {
  it('keeps NaN, Infinity, -0 and typed arrays that plain JSON would lose', () => {
    const context = {
      tile: 'T',
      grid: { epsg: 32647, originX: 1, originY: 2, pixelSize: 10 },
      detections: {
        clearings: [{ ndviBefore: NaN, x: -0, y: Infinity, plane: Float32Array.of(0.5, -1) }],
        ponds: [],
      },
      beforeItems: ['b'],
      afterItems: [{ id: 'a', datetime: '2024-01-01T00:00:00.000Z' }],
    };
    const back = decodeOutcome(
      encodeOutcome({
        context: context as never,
        skipped: [{ item: 'z', reason: 'r' }],
        clock: { read: 1, compute: 2, assemble: 3, detect: 4 },
      }),
      'j',
    );
    const c = back.context?.detections.clearings[0] as unknown as Record<string, unknown>;
    expect(c.ndviBefore).toBeNaN();
    expect(Object.is(c.x, -0)).toBe(true);
    expect(c.y).toBe(Infinity);
    expect(c.plane).toEqual(Float32Array.of(0.5, -1));
    expect(back.skipped).toEqual([{ item: 'z', reason: 'r' }]);
  });

  it('rejects a result that is not an outcome', () => {
    expect(() => decodeOutcome(42, 'j')).toThrow(/tile job j/);
    expect(() => decodeOutcome('{"skipped":[]}', 'j')).toThrow(/malformed result/);
  });
});
