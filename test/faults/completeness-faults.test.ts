/**
 * Issue 14 §2, rows 32-35: a scan whose reads fail must not pass for a scan of untouched forest.
 * Every asset 404, every href refused, more than half the items lost: exit 5 with one stderr line
 * counting the skips by reason, the previous outputs untouched; `--allow-partial` publishes and
 * the outputs say what is missing. A batch window that read nothing is not "seen: false" and not
 * reused; a re-scan's ledger keeps only acquisitions whose pixels were used, so one lost to a 503
 * storm is read on the next run, which then ends byte-identical to a run that never failed.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { faultModes, type FaultRule } from './helpers/fault-modes.js';
import {
  AFTER,
  BEFORE,
  cleanRun,
  folderHashes,
  health,
  isOneLineError,
  outputHashes,
  record,
  runCli,
  scanCli,
  tempRoot,
  usedItems,
  withServer,
  type Clean,
} from './helpers/harness.js';

const FILE = 'completeness-faults';
const world = inject('smallWorld');
let tmp: string;
let clean: Clean;
let n = 0;
const outDir = (name: string): string => path.join(tmp, `${++n}-${name}`);

beforeAll(async () => {
  tmp = tempRoot(FILE);
  clean = await cleanRun(world, path.join(tmp, 'clean'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every asset request of the given items answers `status` (all items when `ids` is undefined). */
const assetStatus = (status: string, ids?: readonly string[]): FaultRule => ({
  kinds: ['asset'],
  ...(ids ? { path: new RegExp(`/(${ids.join('|')})/`) } : {}),
  action: status,
});

/** Every asset href of every item moved to the cloud metadata address: refused by the policy. */
const hrefsToMetadata: FaultRule = {
  kinds: ['search'],
  action: {
    kind: 'json',
    transform: (body) => {
      const features = (body['features'] ?? []) as { assets?: Record<string, { href: string }> }[];
      for (const f of features)
        for (const a of Object.values(f.assets ?? {})) a.href = 'http://169.254.169.254/latest/x.tif';
      return body;
    },
  },
};

/** Scans into a copy of the clean outputs; returns the run and whether the folder changed. */
async function overClean(
  rules: FaultRule[],
  extra: string[] = [],
): Promise<{ r: Awaited<ReturnType<typeof scanCli>>; out: string; untouched: boolean }> {
  const out = outDir('over-clean');
  const first = await withServer(world, undefined, (s) => scanCli(s.url.href, out, ['--no-evidence']));
  expect(first.code, first.stderr).toBe(0);
  const before = folderHashes(out);
  const r = await withServer(world, faultModes(rules), (s) => scanCli(s.url.href, out, extra));
  return { r, out, untouched: JSON.stringify(folderHashes(out)) === JSON.stringify(before) };
}

describe('row 32: a scan that read nothing usable fails, leaving the previous outputs', () => {
  const items = (): number => usedItems(clean).length;

  it('every asset 404: exit 5, one line with the counts by reason, outputs untouched', async () => {
    const { r, untouched } = await overClean([assetStatus('404')]);
    await record(FILE, {
      row: '32',
      name: 'every asset 404',
      injected: items(),
      ...health(r),
      outcome: `E: exit ${String(r.code)}, ${r.stderr.trim().split('\n').length} stderr line, outputs untouched: ${untouched}`,
    });
    expect(r.code, r.stderr).toBe(5);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain('no usable pixels for the before and after window');
    expect(r.stderr).toContain(`${items()} HTTP 404`);
    expect(untouched).toBe(true);
  });

  it('every href refused by the asset policy: exit 5, the reason counted, outputs untouched', async () => {
    const { r, untouched } = await overClean([hrefsToMetadata]);
    await record(FILE, {
      row: '32',
      name: 'every href refused by the asset policy',
      injected: items(),
      ...health(r),
      outcome: `E: exit ${String(r.code)}, outputs untouched: ${untouched}`,
    });
    expect(r.code, r.stderr).toBe(5);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`${items()} refused by the asset policy`);
    expect(untouched).toBe(true);
  });

  it('more than half the items lost (one window still read): exit 5, outputs untouched', async () => {
    // Every before item of two of the three tiles and one after item: 5 of 12 lost is within the
    // share, so one after item more of another tile makes it 7 of 12.
    const used = usedItems(clean);
    const lost = [
      ...used.filter((u) => u.window === 'before').slice(0, 4),
      ...used.filter((u) => u.window === 'after').slice(0, 3),
    ].map((u) => u.id);
    const { r, untouched } = await overClean([assetStatus('404', lost)]);
    await record(FILE, {
      row: '32',
      name: `${lost.length} of ${used.length} items lost`,
      injected: lost.length,
      ...health(r),
      outcome: `E: exit ${String(r.code)}, outputs untouched: ${untouched}`,
    });
    expect(lost.length / used.length).toBeGreaterThan(0.5);
    expect(r.code, r.stderr).toBe(5);
    expect(isOneLineError(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`${lost.length} of ${used.length} items lost (more than 50 %)`);
    expect(untouched).toBe(true);
  });

  it('a few items lost: exit 0, and the skips are summarised on stderr by reason even with --quiet', async () => {
    const lost = [usedItems(clean).find((u) => u.window === 'after')!.id];
    const out = outDir('few');
    const r = await withServer(world, faultModes([assetStatus('404', lost)]), (s) =>
      scanCli(s.url.href, out),
    );
    await record(FILE, {
      row: '32',
      name: '1 item lost: summarised',
      injected: 1,
      ...health(r),
      outcome: `S: exit ${String(r.code)}`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      `scan: ${usedItems(clean).length - 1} of ${usedItems(clean).length} items used; skipped: 1 HTTP 404`,
    ]);
  });
});

describe('row 33: --allow-partial publishes an incomplete scan and says what is missing', () => {
  it('every asset 404 with --allow-partial: exit 0, run.json and the report say it is incomplete', async () => {
    const { r, out } = await overClean([assetStatus('404')], ['--allow-partial']);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as {
      completeness: { complete: boolean; used: number; lost: number; items: number };
    };
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
      incomplete?: unknown;
    };
    await record(FILE, {
      row: '33',
      name: 'every asset 404, --allow-partial',
      injected: run.completeness.items,
      ...health(r),
      outcome: `published: exit ${String(r.code)}, ${run.completeness.used} of ${run.completeness.items} items used`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/INCOMPLETE: no usable pixels/);
    expect(run.completeness).toMatchObject({ complete: false, used: 0, lost: run.completeness.items });
    expect(report.incomplete).toBeDefined();
    expect(md).toContain('INCOMPLETE RESULT (published with --allow-partial)');
  });
});

describe('row 34: a batch window whose reads all fail is neither "not seen" nor reused', () => {
  it('exit 5 and no batch outputs; with --allow-partial the window has no imagery; the next run rescans it', async () => {
    const dir = outDir('batch');
    const spec = path.join(dir + '.yaml');
    const afterIds = usedItems(clean)
      .filter((u) => u.window === 'after')
      .map((u) => u.id);
    // The after window's items and their superseded duplicates: every read of that window fails.
    const rule = assetStatus('404', [...afterIds, ...afterIds.map((id) => id.replace(/_\d_L2A$/, '_0_L2A'))]);
    const batch = (stac: string, extra: string[] = []): ReturnType<typeof runCli> => {
      writeFileSync(
        spec,
        `name: broken-window\nstac: ${stac}\naois: [kachin]\nbaseline: { id: base, start: ${BEFORE.split('/')[0]}, end: ${BEFORE.split('/')[1]} }\nwindows:\n  - { id: w1, start: ${AFTER.split('/')[0]}, end: ${AFTER.split('/')[1]} }\nout: ${dir}\n`,
      );
      return runCli(['batch', spec, '--quiet', '--json', ...extra]);
    };
    const failed = await withServer(world, faultModes([rule]), (s) => batch(s.url.href));
    const noOutputs = !existsSync(path.join(dir, 'sites.geojson'));
    const partial = await withServer(world, faultModes([rule]), (s) =>
      batch(s.url.href, ['--allow-partial']),
    );
    const summaryOf = (out: string): { windows: { id: string; imagery: boolean; reused: boolean }[] } =>
      JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
        windows: { id: string; imagery: boolean; reused: boolean }[];
      };
    const healed = await withServer(world, undefined, (s) => batch(s.url.href));
    await record(FILE, {
      row: '34',
      name: 'batch window with every after read failing',
      injected: afterIds.length,
      ...health(failed),
      outcome: `E: exit ${String(failed.code)}; --allow-partial exit ${String(partial.code)}; next run exit ${String(healed.code)}`,
    });
    expect(failed.code, failed.stderr).toBe(5);
    // The scan's own skip summary, then the batch's one-line verdict.
    expect(isOneLineError(failed.stderr.trim().split('\n').pop() ?? '')).toBe(true);
    expect(failed.stderr).toMatch(
      /batch incomplete: 1 of 1 windows.*no usable pixels for the before and after window/,
    );
    expect(noOutputs).toBe(true);
    expect(partial.code, partial.stderr).toBe(0);
    expect(summaryOf(partial.stdout).windows).toMatchObject([{ id: 'w1', imagery: false, reused: false }]);
    expect(healed.code, healed.stderr).toBe(0);
    expect(summaryOf(healed.stdout).windows).toMatchObject([{ id: 'w1', imagery: true, reused: false }]);
  });
});

describe('row 35: a re-scan retries acquisitions lost to a 503 storm on the next run', () => {
  it('run 1 skips the item and keeps it out of the ledger; run 2 reads it; outputs equal a clean run', async () => {
    const victim = usedItems(clean).find((u) => u.window === 'after')!.id;
    const rescan = (stac: string, state: string, out: string): ReturnType<typeof runCli> =>
      runCli([
        'rescan',
        '--state',
        state,
        '--stac',
        stac,
        '--before',
        BEFORE,
        '--after',
        AFTER,
        '--out',
        out,
        '--quiet',
      ]);
    // One server for every run (the state is tied to its STAC URL); the storm is switched on for run 1.
    let storming = false;
    const storm = faultModes([
      { kinds: ['asset'], path: `/${victim}/`, match: () => storming, action: '503;retry-after=0' },
    ]);
    const ref = { state: outDir('ref-state'), out: outDir('ref-out') };
    const state = outDir('state');
    const out = outDir('out');
    type Run = { new_items: string[]; retry_next_run: string[] };
    const runJson = (): Run => JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as Run;
    const { r0, r1, run1, r2, run2 } = await withServer(world, storm, async (s) => {
      const r0 = await rescan(s.url.href, ref.state, ref.out);
      storming = true;
      const r1 = await rescan(s.url.href, state, out);
      const run1 = runJson();
      storming = false;
      const r2 = await rescan(s.url.href, state, out);
      return { r0, r1, run1, r2, run2: runJson() };
    });
    expect(r0.code, r0.stderr).toBe(0);
    const same = JSON.stringify(outputHashes(out)) === JSON.stringify(outputHashes(ref.out));
    await record(FILE, {
      row: '35',
      name: 'rescan: item lost to 503s retried next run',
      injected: storm.counters.injected,
      ...health(r1),
      recoverable: true,
      byteIdentical: same,
      outcome: `run 1 exit ${String(r1.code)} (retry ${run1.retry_next_run.length}), run 2 exit ${String(r2.code)} (new ${run2.new_items.length})`,
    });
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stderr).toMatch(/HTTP 503 after retries/);
    expect(run1.new_items).not.toContain(victim);
    expect(run1.retry_next_run).toEqual([victim]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(run2.new_items).toEqual([victim]);
    expect(same).toBe(true);
  });
});
