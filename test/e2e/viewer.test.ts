/**
 * The evidence viewer end to end: scan the small world with the built binary, serve the outputs
 * with `minewatch serve`, load the page in a real headless Chromium, count the candidates MapLibre
 * drew, click one and see its chips. Saves test-artifacts/viewer.png. Skips (saying why) when
 * Chromium is absent on a developer's machine; fails in CI (CI=true), where .ci/run installs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumAvailability } from '../helpers/chromium.js';
import { BIN, scanWorldFile } from '../helpers/cli-process.js';

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
    pointInside(id: string): { x: number; y: number } | undefined;
    map: { getStyle(): { layers: { type: string }[] } };
  };
  document: {
    getElementById(id: string): PgElement;
    querySelectorAll(selector: string): ArrayLike<PgElement>;
  };
}

interface Candidate {
  properties: { id: string; chips?: { before: string; after: string; ndvi_change: string } };
}

describe.skipIf(!browserOk.ok)('evidence viewer in headless Chromium', () => {
  let tmp: string;
  let out: string;
  let serveProc: ChildProcess | undefined;
  let url: string;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'mw-viewer-'));
    out = path.join(tmp, 'out');
    const scan = await scanWorldFile(world, out);
    expect(scan.code, scan.stderr).toBe(0);
    const proc = spawn(process.execPath, [BIN, 'serve', out, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serveProc = proc;
    url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!.trim());
      });
      proc.on('exit', (code) => reject(new Error(`minewatch serve exited with ${String(code)}`)));
    });
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
    serveProc?.kill('SIGTERM');
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
    expect(attribution).toMatch(/^Contains modified Copernicus Sentinel data (\d{4}, )*2024$/);
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
    await page.waitForFunction(() => (globalThis as unknown as Pg).minewatchViewer!.ready, null, {
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
    for (const s of srcs) expect(s.w).toBeGreaterThanOrEqual(200);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png') });
    expect(problems).toEqual([]);
  });
});
