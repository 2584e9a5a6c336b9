/**
 * RELIABILITY.md §6 rows 23-24: a bad AOI or date window fails at validation, before any network
 * request (the server's request counter stays at 0), with one clear line naming the input; a
 * clockwise AOI is normalised, not refused, and scans exactly like the counter-clockwise one.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PRESET_DIR } from '../../src/config/aoi-loader.js';
import { startCatalogServer, type CatalogServer } from '../../src/server/catalog-server.js';
import {
  AFTER,
  BEFORE,
  cleanRun,
  health,
  isOneLineError,
  record,
  runCli,
  scanCli,
  sumHealth,
  tempRoot,
  versusClean,
  type Clean,
  type CliRun,
} from './helpers/harness.js';

const FILE = 'input-validation';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let server: CatalogServer;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
  server = await startCatalogServer({ root: world, basePath: '/v1' });
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const ring = (pts: number[][]): number[][] => pts;
const square = ring([
  [97.4, 25.5],
  [97.5, 25.5],
  [97.5, 25.6],
  [97.4, 25.6],
  [97.4, 25.5],
]);

/** AOI cases that must be refused: file content (text) and the message expected. */
const badAois: [string, string, RegExp][] = [
  [
    'bow-tie',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [98, 25],
          [98.1, 25.1],
          [98.1, 25],
          [98, 25.1],
          [98, 25],
        ],
      ],
    }),
    /intersects itself/,
  ],
  [
    'unclosed ring',
    JSON.stringify({ type: 'Polygon', coordinates: [square.slice(0, 4).concat([[97.41, 25.5]])] }),
    /\(root\)\.coordinates\[0\] is not closed/,
  ],
  [
    '3 positions',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [97, 25],
          [97.1, 25],
          [97, 25],
        ],
      ],
    }),
    /coordinates\[0\] has 3 positions/,
  ],
  [
    'NaN coordinate',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [97.4, 25.5],
          ['NaN', 25.5],
          [97.5, 25.6],
          [97.4, 25.5],
        ],
      ],
    }),
    /coordinates\[0\]\[1\] longitude NaN is not a number/,
  ],
  [
    'null coordinate',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [97.4, 25.5],
          [97.5, null],
          [97.5, 25.6],
          [97.4, 25.5],
        ],
      ],
    }),
    /coordinates\[0\]\[1\] latitude null is not a number/,
  ],
  [
    'latitude 95',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [97.4, 25.5],
          [97.5, 95],
          [97.5, 25.6],
          [97.4, 25.5],
        ],
      ],
    }),
    /latitude 95 is outside -90\.\.90/,
  ],
  [
    'longitude 181',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [180.5, 25.5],
          [181, 25.5],
          [181, 25.6],
          [180.5, 25.5],
        ],
      ],
    }),
    /longitude 180\.5 is outside -180\.\.180/,
  ],
  [
    'antimeridian',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [179.5, 10],
          [-179.5, 10],
          [-179.5, 11],
          [179.5, 11],
          [179.5, 10],
        ],
      ],
    }),
    /crosses the antimeridian between positions 0 and 1/,
  ],
  ['empty Polygon', JSON.stringify({ type: 'Polygon', coordinates: [] }), /is an empty Polygon/],
  [
    'empty FeatureCollection',
    JSON.stringify({ type: 'FeatureCollection', features: [] }),
    /FeatureCollection has no features/,
  ],
  [
    'a Point',
    JSON.stringify({ type: 'Point', coordinates: [97, 25] }),
    /is a Point; expected Polygon or MultiPolygon/,
  ],
  [
    'continental',
    JSON.stringify({
      type: 'Polygon',
      coordinates: [
        [
          [60, 5],
          [140, 5],
          [140, 50],
          [60, 50],
          [60, 5],
        ],
      ],
    }),
    /over the 500000 km² limit/,
  ],
  ['not JSON', '{"type": "Polygon", ', /not valid JSON/],
];

describe('row 23: invalid AOIs', () => {
  it(`refuses each of ${badAois.length} bad AOIs before any request: exit 2, one line naming the file`, async () => {
    const runs: CliRun[] = [];
    const failures: string[] = [];
    for (const [name, text, message] of badAois) {
      const file = path.join(tmp, `${name.replace(/\W+/g, '-')}.geojson`);
      writeFileSync(file, text);
      server.stats.reset();
      const r = await scanCli(server.url.href, path.join(tmp, 'never'), ['--aoi', file]);
      runs.push(r);
      const ok =
        r.code === 2 &&
        isOneLineError(r.stderr) &&
        r.stderr.includes(file) &&
        message.test(r.stderr) &&
        server.stats.requests === 0;
      if (!ok)
        failures.push(
          `${name}: exit ${String(r.code)}, ${server.stats.requests} requests: ${r.stderr.trim()}`,
        );
    }
    await record(FILE, {
      row: '23',
      name: 'invalid AOIs',
      injected: badAois.length,
      ...sumHealth(runs),
      outcome: `E x${badAois.length - failures.length}`,
    });
    expect(failures).toEqual([]);
  });

  it('normalises a clockwise AOI: the scan equals the counter-clockwise one byte for byte', async () => {
    // The kachin preset (the default AOI of the clean run) with every ring reversed.
    const preset = JSON.parse(readFileSync(path.join(PRESET_DIR, 'kachin.geojson'), 'utf8')) as {
      features: { geometry: { type: string; coordinates: number[][][] | number[][][][] } }[];
    };
    for (const f of preset.features) {
      const polys =
        f.geometry.type === 'Polygon'
          ? [f.geometry.coordinates as number[][][]]
          : (f.geometry.coordinates as number[][][][]);
      for (const poly of polys) for (const r of poly) r.reverse();
    }
    const file = path.join(tmp, 'kachin-clockwise.geojson');
    writeFileSync(file, JSON.stringify(preset));
    const out = path.join(tmp, 'clockwise');
    const r = await scanCli(server.url.href, out, ['--aoi', file]);
    expect(r.code, r.stderr).toBe(0);
    const cmp = versusClean(out, clean);
    await record(FILE, {
      row: '23',
      name: 'clockwise AOI normalised',
      injected: 1,
      ...health(r),
      ...cmp,
      recoverable: true,
      outcome: 'normalised',
    });
    expect(cmp).toEqual({ byteIdentical: true, lostCandidates: 0, duplicateIds: 0 });
  });
});

describe('row 24: invalid dates', () => {
  const cases: [string, string, string, RegExp][] = [
    ['month 13', '--before', '2026-13-01/2027-01-01', /--before start "2026-13-01" is not a YYYY-MM-DD date/],
    ['end before start', '--before', '2021-02-28/2020-12-01', /--before: end .* is before start/],
    ['future start', '--after', '2099-01-01/2099-02-01', /--after starts on 2099-01-01, in the future/],
    ['February 30', '--before', '2021-02-30/2021-03-31', /"2021-02-30" is not a YYYY-MM-DD date/],
    [
      'February 30 as a date-time',
      '--before',
      '2021-02-30T10:00:00Z/2021-03-31',
      /"2021-02-30T10:00:00Z" is not a YYYY-MM-DD date/,
    ],
    [
      'hour 24',
      '--before',
      '2020-12-01T24:00:00Z/2021-01-01',
      /is not a YYYY-MM-DD date or RFC 3339 date-time/,
    ],
    ['not ISO', '--before', '12/01/2020', /is not an interval START\/END|is not a YYYY-MM-DD date/],
    ['one date', '--after', '2023-12-01', /is not an interval START\/END/],
    ['words', '--after', 'last-winter/this-winter', /is not a YYYY-MM-DD date/],
    [
      'no timezone',
      '--after',
      '2023-12-01T00:00:00/2024-02-29',
      /is not a YYYY-MM-DD date or RFC 3339 date-time/,
    ],
  ];
  it(`refuses each of ${cases.length} bad windows before any request: exit 2, one line naming the flag`, async () => {
    const runs: CliRun[] = [];
    const failures: string[] = [];
    for (const [name, flag, value, message] of cases) {
      const before = flag === '--before' ? value : BEFORE;
      const after = flag === '--after' ? value : AFTER;
      server.stats.reset();
      const r = await runCli([
        'scan',
        '--stac',
        server.url.href,
        '--before',
        before,
        '--after',
        after,
        '--out',
        path.join(tmp, 'never'),
      ]);
      runs.push(r);
      const ok =
        r.code === 2 &&
        isOneLineError(r.stderr) &&
        r.stderr.includes(flag) &&
        message.test(r.stderr) &&
        server.stats.requests === 0;
      if (!ok)
        failures.push(
          `${name}: exit ${String(r.code)}, ${server.stats.requests} requests: ${r.stderr.trim()}`,
        );
    }
    await record(FILE, {
      row: '24',
      name: 'invalid dates',
      injected: cases.length,
      ...sumHealth(runs),
      outcome: `E x${cases.length - failures.length}`,
    });
    expect(failures).toEqual([]);
  });
});
