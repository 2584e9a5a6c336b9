/**
 * Issue 14: a local COG whose header fails to parse must not leave its file open. The scan skips
 * the item with the reason and, once done, holds no descriptor on that file (read from
 * /proc/self/fd, Linux only).
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { parseDateWindow } from '../../src/catalog/filters.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadAoi } from '../../src/config/aoi-loader.js';
import { scanProducts } from '../../src/run/scan.js';

const world = inject('smallWorld');
const tmp = mkdtempSync(path.join(tmpdir(), 'mw-handle-leak-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const openFiles = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(path.join('/proc/self/fd', fd))];
    } catch {
      return [];
    }
  });

describe.skipIf(!existsSync('/proc/self/fd'))('a COG header that fails to parse', () => {
  it('is skipped with the reason, and its file is closed', async () => {
    const copy = path.join(tmp, 'world');
    cpSync(world, copy, { recursive: true });
    const items = JSON.parse(readFileSync(path.join(copy, 'stac', 'items.json'), 'utf8')) as {
      features: { id: string; assets: Record<string, { href: string }> }[];
    };
    const victim = items.features.find((f) => /_2024/.test(f.id) && /47RKJ/.test(f.id))!;
    const bad = path.resolve(copy, 'stac', victim.assets['blue']!.href);
    writeFileSync(bad, Buffer.from('not a TIFF at all, just text that is long enough to read'));
    const result = await scanProducts({
      stac: path.join(copy, 'stac', 'items.json'),
      collection: 'sentinel-2-l2a',
      aoi: loadAoi('kachin'),
      before: parseDateWindow('2020-12-01', '2021-02-28'),
      after: parseDateWindow('2023-12-01', '2024-02-29'),
      maxCloud: 60,
      concurrency: 8,
      out: path.join(tmp, 'out'),
      json: false,
      quiet: true,
      evidence: false,
    });
    expect(result.skipped.find((s) => s.item === victim.id)?.reason).toMatch(/cannot read its COGs/);
    expect(openFiles().filter((f) => f === bad)).toEqual([]);
  });
});
