/**
 * RELIABILITY.md §6 rows 11-14 and 16: corrupt TIFFs made from the small world's real COGs. Each row
 * runs twice: in a scan (a copy of the world with one corrupt asset per victim item, served by the
 * local API: the victim must be skipped with its reason and the output must equal a clean run
 * without it) and through our reader in this process, over many variants (counts per row below).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { faultModes } from './helpers/fault-modes.js';
import {
  assetFile,
  cleanRun,
  health,
  outputHashes,
  peakRssMb,
  readRun,
  record,
  scanCli,
  tempRoot,
  victims,
  withoutItems,
  withServer,
  type Clean,
  type CliRun,
  type UsedItem,
} from './helpers/harness.js';
import { differingSamples, tryDecode, type Outcome } from './helpers/read-cog.js';
import {
  allNodata,
  deflateBomb,
  dimensionBomb,
  entry,
  geoKey,
  readIfds,
  renameTag,
  setNext,
  setValue,
  T,
} from './helpers/tiff-patch.js';

const FILE = 'tiff-faults';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let vs: UsedItem[];
let n = 0;

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
  vs = victims(clean, 6);
  expect(vs).toHaveLength(6);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the world where `corrupt` rewrites the given assets. */
function worldWith(corruptions: { item: string; band: string; bytes: (orig: Buffer) => Buffer }[]): string {
  const copy = path.join(tmp, `world-${++n}`);
  cpSync(world, copy, { recursive: true });
  for (const c of corruptions) {
    const file = assetFile(copy, c.item, c.band);
    writeFileSync(file, c.bytes(readFileSync(file)));
  }
  return copy;
}

async function scanWorld(
  root: string,
): Promise<{ r: CliRun; out: string; assetRequests: Map<string, number> }> {
  const out = path.join(tmp, `out-${++n}`);
  return withServer(root, undefined, async (s) => {
    const r = await scanCli(s.url.href, out);
    return { r, out, assetRequests: new Map(s.stats.byPath) };
  });
}

async function reference(ids: readonly string[]): Promise<Record<string, string>> {
  const out = path.join(tmp, `ref-${++n}`);
  const r = await withServer(
    world,
    faultModes([{ kinds: ['search'], action: { kind: 'json', transform: withoutItems(ids) } }]),
    (s) => scanCli(s.url.href, out),
  );
  expect(r.code, r.stderr).toBe(0);
  return outputHashes(out);
}

/**
 * A scan of a world with one corrupt asset per victim: every victim skipped with a reason matching
 * its pattern, nothing else skipped, output equal to a clean run without the victims.
 */
async function expectSkipped(
  row: string,
  name: string,
  cases: { item: string; band: string; bytes: (orig: Buffer) => Buffer; reason: RegExp }[],
): Promise<CliRun> {
  const { r, out } = await scanWorld(worldWith(cases));
  const h = health(r);
  expect(r.code, r.stderr).toBe(0);
  const skipped = readRun(out).items.skipped;
  const reasons = cases.map((c) => skipped.find((s) => s.item === c.item)?.reason ?? '(not skipped)');
  const same =
    JSON.stringify(outputHashes(out)) === JSON.stringify(await reference(cases.map((c) => c.item)));
  await record(FILE, {
    row,
    name: `${name} (scan)`,
    injected: cases.length,
    ...h,
    silentWrongPixels: same ? 0 : 1,
    outcome: `S: ${reasons.join(' | ')}`,
  });
  cases.forEach((c, i) => expect(reasons[i], `${c.item} ${c.band}`).toMatch(c.reason));
  expect(skipped).toHaveLength(cases.length);
  expect(same).toBe(true);
  expect(h).toEqual({ crashes: 0, hangs: 0, unhandledRejections: 0 });
  return r;
}

/** Reader outcomes over mutants: no crash, no hang, each rejected with a reason or decoded right. */
async function readerRow(
  row: string,
  name: string,
  mutants: { label: string; bytes: Buffer; original: Buffer; reason?: RegExp }[],
  limitMs: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let wrong = 0;
  let slowest = 0;
  const originals = new Map<Buffer, Outcome>();
  for (const m of mutants) {
    const t0 = performance.now();
    const o = await tryDecode(m.bytes, limitMs);
    slowest = Math.max(slowest, performance.now() - t0);
    outcomes.push(o);
    if (o.kind === 'decoded') {
      let ref = originals.get(m.original);
      if (!ref) originals.set(m.original, (ref = await tryDecode(m.original)));
      if (ref.kind === 'decoded') wrong += differingSamples(o.tiles, ref.tiles);
    }
  }
  const crashes = outcomes.filter((o) => o.kind === 'crash').length;
  const hangs = outcomes.filter((o) => o.kind === 'hang').length;
  const rejected = outcomes.filter((o) => o.kind === 'rejected').length;
  await record(FILE, {
    row,
    name: `${name} (reader)`,
    injected: mutants.length,
    crashes,
    hangs,
    silentWrongPixels: wrong,
    outcome: `S: ${rejected} rejected, ${mutants.length - rejected - crashes - hangs} decoded identical; slowest ${Math.round(slowest)} ms`,
  });
  expect(outcomes.filter((o) => o.kind === 'crash')).toEqual([]);
  expect(hangs).toBe(0);
  expect(wrong).toBe(0);
  mutants.forEach((m, i) => {
    const o = outcomes[i]!;
    if (m.reason) expect(o.kind === 'rejected' ? o.message : o.kind, m.label).toMatch(m.reason);
  });
  return outcomes;
}

/** Real COGs of the world to mutate: the six bands of two items (10 m and 20 m, large and tiny files). */
function sources(): Buffer[] {
  return clean.run.items.before
    .slice(0, 2)
    .flatMap((id) =>
      ['blue', 'green', 'red', 'nir', 'swir16', 'scl'].map((b) => readFileSync(assetFile(world, id, b))),
    );
}

const cut = (fraction: number) => (b: Buffer) => b.subarray(0, Math.floor(b.length * fraction));
const patchMagic = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  c.writeUInt16LE(0x2a2a, 2);
  return c;
};
const patchBom = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  c.write('XX', 0, 'latin1');
  return c;
};

describe('row 11: truncated, empty and wrong-magic TIFFs', () => {
  it('skips each item in a scan with the reason, the rest unchanged (6 corrupt assets)', async () => {
    await expectSkipped('11', 'truncated / empty / bad magic / bad byte order', [
      {
        item: vs[0]!.id,
        band: 'blue',
        bytes: cut(0),
        reason: /truncated|past the end|file has 0 bytes|not a TIFF/,
      },
      {
        item: vs[1]!.id,
        band: 'green',
        bytes: (b) => b.subarray(0, 8),
        reason: /malformed IFD chain.*past the end of the file \(8 bytes\)|truncated/,
      },
      { item: vs[2]!.id, band: 'red', bytes: cut(0.5), reason: /past the end|truncated/ },
      { item: vs[3]!.id, band: 'nir', bytes: cut(0.99), reason: /past the end|truncated/ },
      { item: vs[4]!.id, band: 'swir16', bytes: patchMagic, reason: /not a TIFF \(version/ },
      { item: vs[5]!.id, band: 'scl', bytes: patchBom, reason: /not a TIFF \(byte-order mark/ },
    ]);
  });

  it('our reader refuses or decodes exactly every cut, patched magic and byte order (216 mutants)', async () => {
    const mutants = sources().flatMap((orig) => {
      const cuts = [0, 8, 0.5, 0.99, ...Array.from({ length: 12 }, (_, i) => (i + 0.5) / 12)];
      return [
        ...cuts.map((f) => ({
          label: `cut ${f}`,
          bytes: f === 8 ? orig.subarray(0, 8) : orig.subarray(0, Math.floor(orig.length * f)),
          original: orig,
        })),
        { label: 'magic', bytes: patchMagic(orig), original: orig, reason: /not a TIFF/ },
        { label: 'byte order', bytes: patchBom(orig), original: orig, reason: /not a TIFF/ },
      ];
    });
    const outcomes = await readerRow('11', 'truncated / bad magic', mutants, 10_000);
    // Only a cut inside the last tile's trailer can leave every tile whole.
    expect(outcomes.filter((o) => o.kind === 'rejected').length).toBeGreaterThanOrEqual(mutants.length - 12);
  });
});

const selfLoop = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  const ifds = readIfds(c);
  setNext(c, ifds[0]!, ifds[0]!.offset);
  return c;
};
const backLoop = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  const ifds = readIfds(c);
  setNext(c, ifds[ifds.length - 1]!, ifds[0]!.offset);
  return c;
};
const pastEof = (b: Buffer): Buffer => {
  const c = Buffer.from(b);
  setNext(c, readIfds(c)[0]!, c.length + 1000);
  return c;
};

describe('row 12: IFD cycles and a next-IFD pointer past the end', () => {
  it('skips each item in a scan: "IFD loop" / "malformed IFD chain" (3 corrupt assets)', async () => {
    await expectSkipped('12', 'IFD self-loop / A-B-A / past EOF', [
      { item: vs[0]!.id, band: 'nir', bytes: selfLoop, reason: /IFD loop/ },
      { item: vs[1]!.id, band: 'red', bytes: backLoop, reason: /IFD loop/ },
      { item: vs[3]!.id, band: 'blue', bytes: pastEof, reason: /malformed IFD chain.*past the end/ },
    ]);
  });

  it('our reader refuses every variant within 5 s, main-process RSS +<50 MB (24 mutants)', async () => {
    const rss0 = process.memoryUsage().rss;
    const mutants = sources().flatMap((orig) => [
      { label: 'self', bytes: selfLoop(orig), original: orig, reason: /IFD loop/ },
      { label: 'last->first', bytes: backLoop(orig), original: orig, reason: /IFD loop/ },
    ]);
    await readerRow('12', 'IFD loops', mutants, 5_000);
    const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
    expect(grew).toBeLessThan(50);
  });
});

describe('row 13: dimension and decompression bombs', () => {
  it('skips each item in a scan before allocating; child peak RSS < clean + 100 MB (2 bombs)', async () => {
    const r = await expectSkipped('13', 'dimension bomb / deflate bomb', [
      {
        item: vs[0]!.id,
        band: 'green',
        bytes: () => dimensionBomb(100_000, 100_000),
        reason: /pixel budget/,
      },
      { item: vs[3]!.id, band: 'nir', bytes: (b) => deflateBomb(b, 64), reason: /inflates to more than/ },
    ]);
    expect(peakRssMb(r)).toBeGreaterThan(0);
    expect(peakRssMb(r)).toBeLessThan(cleanPeak + 100);
  });

  it('our reader refuses 20 bombs before allocating them (RSS +<100 MB)', async () => {
    const rss0 = process.memoryUsage().rss;
    const srcs = sources();
    const mutants = [
      ...[100_000, 65_535, 50_000, 46_341, 200_000].flatMap((d) => [
        { label: `${d}^2`, bytes: dimensionBomb(d, d), original: srcs[0]!, reason: /pixel budget/ },
        {
          label: `${d}x1024`,
          bytes: dimensionBomb(d * 20, 1024 * 60),
          original: srcs[0]!,
          reason: /pixel budget/,
        },
      ]),
      ...srcs.slice(0, 10).map((orig) => {
        const c = Buffer.from(orig);
        const ifd0 = readIfds(c)[0]!;
        for (const tag of [T.ImageWidth, T.ImageLength]) {
          const e = entry(ifd0, tag);
          setValue(c, e, e.type === 3 ? 65_535 : 100_000);
        }
        return { label: 'patched to 65535^2 or more', bytes: c, original: orig, reason: /pixel budget/ };
      }),
    ];
    await readerRow('13', 'dimension bombs', mutants, 10_000);
    const bombs = srcs.slice(0, 4).map((orig) => ({
      label: 'deflate bomb',
      bytes: deflateBomb(orig, 64),
      original: orig,
      reason: /inflates to more than/,
    }));
    await readerRow('13', 'deflate bombs', bombs, 10_000);
    expect((process.memoryUsage().rss - rss0) / 2 ** 20).toBeLessThan(100);
  });
});

let cleanPeak = 0;
beforeAll(async () => {
  // Peak RSS of a clean scan, the baseline of row 13.
  const { r } = await scanWorld(world);
  cleanPeak = peakRssMb(r);
});

const codec = (code: number) => (b: Buffer) => {
  const c = Buffer.from(b);
  for (const ifd of readIfds(c)) setValue(c, entry(ifd, T.Compression), code);
  return c;
};

describe('row 14: unsupported codecs', () => {
  it('skips each item in a scan, naming the codec (2 assets)', async () => {
    await expectSkipped('14', 'LZMA / JPEG 2000', [
      { item: vs[0]!.id, band: 'swir16', bytes: codec(34925), reason: /unsupported codec 34925 \(LZMA\)/ },
      { item: vs[1]!.id, band: 'scl', bytes: codec(33005), reason: /unsupported codec 33005 \(JPEG 2000\)/ },
    ]);
  });

  it('our reader names the code of each (10 mutants)', async () => {
    const srcs = sources();
    const codes = [34925, 33005, 5, 7, 50000];
    const mutants = codes.flatMap((code, i) =>
      [srcs[i]!, srcs[i + 6]!].map((orig) => ({
        label: `codec ${code}`,
        bytes: codec(code)(orig),
        original: orig,
        reason: new RegExp(`unsupported codec ${code}\\b`),
      })),
    );
    await readerRow('14', 'unsupported codecs', mutants, 10_000);
  });
});

let nodata: Promise<{ r: CliRun; out: string; ref: Record<string, string> }> | undefined;
/** One scan with every band of a victim all nodata, shared by two tests. */
function nodataRun(): Promise<{ r: CliRun; out: string; ref: Record<string, string> }> {
  nodata ??= (async () => {
    const victim = vs[2]!.id;
    const bands = ['blue', 'green', 'red', 'nir', 'swir16', 'scl'];
    const { r, out } = await scanWorld(
      worldWith(bands.map((band) => ({ item: victim, band, bytes: allNodata }))),
    );
    return { r, out, ref: await reference([victim]) };
  })();
  return nodata;
}

describe('row 16: georeferencing, grids, nodata, cloud', () => {
  it('an asset without georeferencing is skipped ("no georeferencing")', async () => {
    const noGeoref = (b: Buffer): Buffer => {
      const c = Buffer.from(b);
      const ifd0 = readIfds(c)[0]!;
      renameTag(c, entry(ifd0, T.ModelPixelScale), 65000);
      renameTag(c, entry(ifd0, T.ModelTiepoint), 65001);
      return c;
    };
    await expectSkipped('16', 'missing georef', [
      { item: vs[0]!.id, band: 'red', bytes: noGeoref, reason: /no georeferencing/ },
    ]);
  });

  it('an item filtered as 100 % cloud is never fetched and equals a run without it', async () => {
    const victim = vs[1]!.id;
    const cloudy = faultModes([
      {
        kinds: ['search'],
        action: {
          kind: 'json',
          transform: (body) => {
            for (const f of (body['features'] as
              { id: string; properties: Record<string, unknown> }[] | undefined) ?? [])
              if (f.id === victim) f.properties['eo:cloud_cover'] = 100;
            return body;
          },
        },
      },
    ]);
    const out = path.join(tmp, `out-${++n}`);
    const { r, fetched } = await withServer(world, cloudy, async (s) => {
      const run = await scanCli(s.url.href, out);
      return { r: run, fetched: [...s.stats.byPath.keys()].filter((p) => p.includes(`/${victim}/`)).length };
    });
    expect(r.code, r.stderr).toBe(0);
    const same = JSON.stringify(outputHashes(out)) === JSON.stringify(await reference([victim]));
    await record(FILE, {
      row: '16',
      name: '100 % cloud',
      injected: 1,
      ...health(r),
      silentWrongPixels: same ? 0 : 1,
      outcome: `S (filtered): ${fetched} asset requests`,
    });
    expect(fetched).toBe(0);
    expect(same).toBe(true);
  });

  it('an item whose every tile is nodata adds no pixels: ponds and clearings equal a run without it', async () => {
    const { r, out, ref } = await nodataRun();
    const same = ['ponds', 'clearings'].every((p) => outputHashes(out)[p] === ref[p]);
    await record(FILE, {
      row: '16',
      name: 'all nodata',
      injected: 1,
      ...health(r),
      silentWrongPixels: same ? 0 : 1,
      outcome: 'masked',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(same).toBe(true);
  });

  // processTile counts each look's data pixels (SCL not 0): a look with none over a tile is left
  // out of the tile's items and recorded as skipped ("no data over <tile>").
  it('an all-nodata item is recorded as skipped and not cited by any candidate', async () => {
    const { out } = await nodataRun();
    const victim = vs[2]!.id;
    const cited = readFileSync(path.join(out, 'candidates.geojson'), 'utf8').includes(victim);
    await record(FILE, {
      row: '16',
      name: 'all-nodata item cited as evidence',
      injected: 1,
      outcome: cited ? 'cited' : 'not cited',
    });
    expect(cited).toBe(false);
    expect(readRun(out).items.skipped.map((s) => s.item)).toContain(victim);
  });

  // Each asset's COG header (EPSG, origin, pixel size, width x height) must agree with the item's
  // proj:epsg / proj:transform / proj:shape (src/run/grid-check.ts), else the item is skipped.
  it('an asset whose CRS differs from proj:epsg is skipped ("grid mismatch")', async () => {
    const victim = vs[3]!.id;
    const otherCrs = (b: Buffer): Buffer => {
      const c = Buffer.from(b);
      const k = geoKey(c, 3072);
      c.writeUInt16LE(k.value === 32646 ? 32645 : 32646, k.pos);
      return c;
    };
    const { r, out } = await scanWorld(worldWith([{ item: victim, band: 'nir', bytes: otherCrs }]));
    const skipped = readRun(out).items.skipped.some((s) => s.item === victim);
    await record(FILE, {
      row: '16',
      name: 'COG CRS differs from proj:epsg',
      injected: 1,
      ...health(r),
      outcome: skipped ? 'S' : 'read as if on the item grid',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readRun(out).items.skipped.map((s) => s.item)).toContain(victim);
  });

  it('an asset of the wrong size (a 20 m file as the 10 m red band) is skipped ("grid mismatch")', async () => {
    const victim = vs[4]!.id;
    const swir = readFileSync(assetFile(world, victim, 'swir16'));
    const { r, out } = await scanWorld(worldWith([{ item: victim, band: 'red', bytes: () => swir }]));
    const run = r.code === 0 ? readRun(out) : undefined;
    const skipped = run?.items.skipped.some((s) => s.item === victim) ?? false;
    const same = r.code === 0 && JSON.stringify(outputHashes(out)) === JSON.stringify(clean.hashes);
    await record(FILE, {
      row: '16',
      name: 'band of the wrong size',
      injected: 1,
      ...health(r),
      silentWrongPixels: r.code !== 0 || skipped || same ? 0 : 1,
      outcome: skipped
        ? 'S'
        : r.code !== 0
          ? `E: exit ${String(r.code)}`
          : `silently wrong products (${run?.counts.candidates ?? 0} candidates; ponds and clearings differ from clean)`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(skipped).toBe(true);
  });
});
