/**
 * The evidence viewer end to end: scan the small world with the built binary, serve the outputs
 * with `minewatch serve`, load the page in a real headless Chromium, count what MapLibre drew,
 * and check that the layer toggles, the confidence filter and (on a batch folder) the season
 * slider change it; click a candidate and see its chips and readable properties. Screenshots go to
 * test-artifacts/ (viewer-candidate.png, viewer-before.png, viewer-batch.png, report.png). Skips
 * (saying why) when Chromium is absent on a developer's machine; fails in CI (CI=true), where
 * .ci/run installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumAvailability } from '../helpers/chromium.js';
import { BIN, runCli, scanWorldFile } from '../helpers/cli-process.js';
import { smallWorldConfig } from '../../src/fixtures/world/config.js';
import { generateWorld } from '../../src/fixtures/world/generate.js';

const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
const world = inject('smallWorld');
const browserOk = chromiumAvailability();
if (!browserOk.ok) {
  if (process.env['CI']) throw new Error(`the viewer e2e test must run in CI: ${browserOk.reason}`);
  console.warn(`skipping the viewer e2e test: ${browserOk.reason}`);
}

/** The little of the page's globals the test touches (the project compiles without DOM types). */
interface PgElement {
  hidden: boolean;
  textContent: string | null;
  src: string;
  complete: boolean;
  naturalWidth: number;
  replaceChildren(): void;
}
interface Pg {
  minewatchViewer?: {
    ready: boolean;
    renderedCandidateIds(): string[];
    renderedCount(layer: string): number;
    visibleImagery(): string[];
    pointInside(id: string): { x: number; y: number } | undefined;
    map: { getStyle(): { layers: { type: string }[] } };
  };
  document: {
    getElementById(id: string): PgElement & { value: string; dispatchEvent(e: unknown): void };
    querySelectorAll(selector: string): ArrayLike<PgElement>;
  };
  Event: new (type: string) => unknown;
}

/** Waits until the map has drawn what it was last asked to. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as Pg).minewatchViewer?.ready === true, null, {
    timeout: 60_000,
  });
}

/** Sets a range input as a user drags it (value, then an input event). */
async function drag(page: Page, id: string, value: number): Promise<void> {
  await page.evaluate(
    ([i, v]) => {
      const g = globalThis as unknown as Pg;
      g.minewatchViewer!.ready = false;
      const e = g.document.getElementById(i);
      e.value = String(v);
      e.dispatchEvent(new g.Event('input'));
    },
    [id, value] as const,
  );
  await settled(page);
}

const count = (page: Page, layer: string): Promise<number> =>
  page.evaluate((l) => (globalThis as unknown as Pg).minewatchViewer!.renderedCount(l), layer);

interface Candidate {
  properties: {
    id: string;
    confidence: number;
    chips?: { before: string; after: string; ndvi_change: string };
  };
}

/** Starts `minewatch serve <dir>` and returns its printed URL. */
function serveFolder(dir: string, procs: ChildProcess[]): Promise<string> {
  const proc = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!.trim());
    });
    proc.on('exit', (code) => reject(new Error(`minewatch serve exited with ${String(code)}`)));
  });
}

describe.skipIf(!browserOk.ok)('evidence viewer in headless Chromium', () => {
  let tmp: string;
  let out: string;
  const procs: ChildProcess[] = [];
  let url: string;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mw-viewer-'));
    out = path.join(tmp, 'out');
    const scan = await scanWorldFile(world, out);
    expect(scan.code, scan.stderr).toBe(0);
    url = await serveFolder(out, procs);
    browser = await chromium.launch({
      executablePath: (browserOk as { path: string }).path,
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as unknown as Pg).minewatchViewer?.ready, null, {
      timeout: 90_000,
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const p of procs) p.kill('SIGTERM');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const candidates = (): Candidate[] =>
    (JSON.parse(readFileSync(path.join(out, 'candidates.geojson'), 'utf8')) as { features: Candidate[] })
      .features;

  it('is served from 127.0.0.1', () => {
    expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('draws as many candidates as the GeoJSON holds, over the scanned imagery', async () => {
    const expected = candidates()
      .map((c) => c.properties.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(
      await page.evaluate(() => (globalThis as unknown as Pg).minewatchViewer!.renderedCandidateIds()),
    ).toEqual(expected);
    const rasters = await page.evaluate(
      () =>
        (globalThis as unknown as Pg)
          .minewatchViewer!.map.getStyle()
          .layers.filter((l) => l.type === 'raster').length,
    );
    expect(rasters).toBeGreaterThanOrEqual(2);
    const attribution = await page.evaluate(
      () => (globalThis as unknown as Pg).document.getElementById('attribution').textContent,
    );
    // The small world is synthetic: the page says so and claims no Copernicus data.
    expect(attribution).toMatch(/^Synthetic imagery/);
    expect(await page.isVisible('#synthetic-banner')).toBe(true);
    expect(await page.locator('#legend li').count()).toBeGreaterThanOrEqual(5);
    expect(await page.isVisible('.maplibregl-ctrl-scale')).toBe(true);
    const rows = await page.evaluate(
      () => (globalThis as unknown as Pg).document.querySelectorAll('#townships tr[data-township]').length,
    );
    expect(rows).toBeGreaterThan(0);
  });

  it('opens a candidate and its chips when it is clicked on the map', async () => {
    const target = [...candidates()].sort((a, b) => a.properties.id.localeCompare(b.properties.id))[0]!;
    const id = target.properties.id;
    // Zoom to it as a user would, from the list; then forget what the list showed and click the
    // polygon itself on the map.
    await page.evaluate(() => ((globalThis as unknown as Pg).minewatchViewer!.ready = false));
    await page.click(`button[data-candidate="${id}"]`);
    await page.evaluate(() => {
      const d = (globalThis as unknown as Pg).document;
      d.getElementById('candidate').hidden = true;
      d.getElementById('chips').replaceChildren();
    });
    await page.waitForFunction(() => (globalThis as unknown as Pg).minewatchViewer?.ready === true, null, {
      timeout: 60_000,
    });
    const at = await page.evaluate((i) => (globalThis as unknown as Pg).minewatchViewer!.pointInside(i), id);
    expect(at, 'a point inside the drawn candidate').toBeDefined();
    await page.mouse.click(at!.x, at!.y);
    await page.waitForFunction(
      (i) => {
        const d = (globalThis as unknown as Pg).document;
        return !d.getElementById('candidate').hidden && d.getElementById('candidate-title').textContent === i;
      },
      id,
      { timeout: 30_000 },
    );
    await page.waitForFunction(
      () => {
        const imgs = Array.from((globalThis as unknown as Pg).document.querySelectorAll('#chips img'));
        return imgs.length === 3 && imgs.every((i) => i.complete && i.naturalWidth > 0);
      },
      null,
      { timeout: 30_000 },
    );
    const srcs = await page.evaluate(() =>
      Array.from((globalThis as unknown as Pg).document.querySelectorAll('#chips img')).map((i) => ({
        src: new URL(i.src).pathname,
        w: i.naturalWidth,
      })),
    );
    const chips = target.properties.chips!;
    expect(srcs.map((s) => s.src)).toEqual(
      [chips.before, chips.after, chips.ndvi_change].map((p) => `/data/${p}`),
    );
    for (const s of srcs) expect(s.w).toBeGreaterThanOrEqual(160);
    // Chips shown large, properties in units a reader uses.
    const shown = await page.locator('#chips img').first().boundingBox();
    expect(shown!.width).toBeGreaterThanOrEqual(300);
    expect(await page.textContent('#candidate-props tr[data-prop="cleared_area_m2"] td')).toMatch(
      /^\d+\.\d\d ha$/,
    );
    expect(await page.textContent('#candidate-props tr[data-prop="confidence"] td')).toMatch(/^\d+ %$/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-candidate.png') });
    // The before imagery under the pond outlines.
    await page.evaluate(() => ((globalThis as unknown as Pg).minewatchViewer!.ready = false));
    await page.check('input[name=imagery][value=before_ndvi]');
    await settled(page);
    expect(
      await page.evaluate(() => (globalThis as unknown as Pg).minewatchViewer!.visibleImagery()),
    ).toEqual(expect.arrayContaining(['before_ndvi']));
    expect(await count(page, 'ponds')).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer-before.png') });
    expect(problems).toEqual([]);
  });

  it('draws nothing of a layer toggled off, and all of it again when toggled on', async () => {
    for (const layer of ['ponds', 'clearings', 'candidates']) {
      const drawn = layer === 'candidates' ? 'candidates-fill' : layer;
      const before = await count(page, drawn);
      expect(before, layer).toBeGreaterThan(0);
      await page.evaluate(() => ((globalThis as unknown as Pg).minewatchViewer!.ready = false));
      await page.uncheck(`input[data-layer=${layer}]`);
      await settled(page);
      expect(await count(page, drawn), layer).toBe(0);
      await page.evaluate(() => ((globalThis as unknown as Pg).minewatchViewer!.ready = false));
      await page.check(`input[data-layer=${layer}]`);
      await settled(page);
      expect(await count(page, drawn), layer).toBe(before);
    }
  });

  it('draws only the candidates at or above the confidence filter', async () => {
    await page.evaluate(() => ((globalThis as unknown as Pg).minewatchViewer!.ready = false));
    await page.click('button[data-candidate]'); // any: then zoom out to all of them
    await settled(page);
    const all = candidates();
    const cut = [...new Set(all.map((c) => Math.floor(c.properties.confidence * 20) * 5))].sort(
      (a, b) => a - b,
    );
    // A threshold that keeps some candidates and drops others.
    const threshold = cut.find((t) => t > 50 && all.some((c) => c.properties.confidence * 100 < t)) ?? 100;
    await page.goto(url);
    await settled(page);
    const everything = await page.evaluate(() =>
      (globalThis as unknown as Pg).minewatchViewer!.renderedCandidateIds(),
    );
    await drag(page, 'confidence', threshold);
    const kept = await page.evaluate(() =>
      (globalThis as unknown as Pg).minewatchViewer!.renderedCandidateIds(),
    );
    const expected = all
      .filter((c) => c.properties.confidence * 100 >= threshold - 1e-9)
      .map((c) => c.properties.id)
      .sort();
    expect(kept).toEqual(expected);
    expect(kept.length).toBeLessThan(everything.length);
    await drag(page, 'confidence', 50);
    expect(
      await page.evaluate(() => (globalThis as unknown as Pg).minewatchViewer!.renderedCandidateIds()),
    ).toEqual(everything);
  });

  it('shows report.html as one page with its map (screenshot)', async () => {
    const report = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    await report.goto(new URL('/data/report.html', url).href);
    expect(await report.isVisible('#synthetic-banner')).toBe(true);
    expect(await report.locator('#candidates tbody tr').count()).toBe(candidates().length);
    await report.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    await report.close();
  });

  it('steps through the windows of a batch folder with the season slider', async () => {
    const dir = path.join(tmp, 'batch');
    const worldDir = path.join(tmp, 'seasons-world');
    await generateWorld(
      {
        ...smallWorldConfig(11),
        seasons: [
          { id: '2020-21', start: '2020-12-01', end: '2021-02-28' },
          { id: '2021-22', start: '2021-12-01', end: '2022-02-28' },
          { id: '2023-24', start: '2023-12-01', end: '2024-02-29' },
        ],
      },
      worldDir,
    );
    const spec = path.join(tmp, 'batch.yaml');
    writeFileSync(
      spec,
      `name: seasons\nstac: ${path.join(worldDir, 'stac', 'items.json')}\naois: [kachin]\nbaseline: { id: "2020-21", start: 2020-12-01, end: 2021-02-28 }\nwindows:\n  - { id: "2021-22", start: 2021-12-01, end: 2022-02-28 }\n  - { id: "2023-24", start: 2023-12-01, end: 2024-02-29 }\nout: ${dir}\n`,
    );
    const ran = await runCli(['batch', spec, '--quiet']);
    expect(ran.code, ran.stderr).toBe(0);
    const perWindow = ['2021-22', '2023-24'].map((w) =>
      (
        JSON.parse(readFileSync(path.join(dir, 'windows', w, 'candidates.geojson'), 'utf8')) as {
          features: Candidate[];
        }
      ).features
        .map((c) => c.properties.id)
        .sort(),
    );
    expect(perWindow[0]).not.toEqual(perWindow[1]);
    const batchUrl = await serveFolder(dir, procs);
    const p = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await p.goto(batchUrl);
    await settled(p);
    expect(await p.isVisible('#season')).toBe(true);
    const ids = (): Promise<string[]> =>
      p.evaluate(() => (globalThis as unknown as Pg).minewatchViewer!.renderedCandidateIds());
    // Zoomed to the last window's candidates; the first window's are drawn in the same view.
    expect(await ids()).toEqual(perWindow[1]);
    await drag(p, 'season-slider', 0);
    await p.waitForFunction(
      () =>
        (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body
          .dataset['season'] === '2021-22',
    );
    await settled(p);
    const first = await ids();
    expect(first.every((id) => perWindow[0]!.includes(id))).toBe(true);
    expect(first).not.toEqual(perWindow[1]);
    await p.screenshot({ path: path.join(ARTIFACTS, 'viewer-batch.png') });
    await p.close();
    expect(problems, problems.join('; ')).toEqual([]);
  }, 300_000);
});
