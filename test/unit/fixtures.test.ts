/**
 * The committed fixtures of fixtures/ (fixtures/README.md): their recipe still makes them byte for
 * byte, minewatch's own reader returns every pixel the recipe put there, the STAC item parses and
 * its assets are the files beside it, and GDAL (when installed) agrees on pixels and COG layout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseS2Item, S2_ASSET_KEYS } from '../../src/catalog/item.js';
import { FileByteSource } from '../../src/io/byte-source.js';
import { readCogHeader, type CogHeader, type CogImage } from '../../src/io/cog-header.js';
import { fetchTiles, tilesForWindow } from '../../src/io/cog-window.js';
import { assembleWindow, decodeTile, type Pixels } from '../../src/io/decode-tile.js';
import {
  FIXTURE_COGS,
  fixtureFiles,
  fixturePixel,
  ITEM_FILE,
  type FixtureCog,
} from '../../scripts/make-fixtures.js';
import { isCi, probeGdal, runGdalPython, validateCog } from '../helpers/gdal.js';

const ROOT = path.resolve(import.meta.dirname, '../../fixtures');

/** The header of a file, read through a source that is closed afterwards. */
async function headerOf(file: string): Promise<CogHeader> {
  const source = new FileByteSource(file);
  try {
    return await readCogHeader(source);
  } finally {
    await source.close();
  }
}

/** Every pixel of one level, read the way a scan reads a window: header, tile ranges, decode, paste. */
async function readWhole(file: string, level = 0): Promise<{ image: CogImage; pixels: Pixels }> {
  const source = new FileByteSource(file);
  try {
    const header = await readCogHeader(source);
    const image = header.images[level];
    if (image === undefined) throw new Error(`${file} has no image ${level}`);
    const window = { x: 0, y: 0, width: image.width, height: image.height };
    const raw = await fetchTiles(source, image, tilesForWindow(image, window));
    const tiles = new Map([...raw].map(([t, bytes]) => [t, decodeTile(bytes, image, image.nodata)]));
    return { image, pixels: assembleWindow(tiles, image, window) };
  } finally {
    await source.close();
  }
}

function firstMismatch(cog: FixtureCog, pixels: ArrayLike<number>): string | undefined {
  for (let y = 0; y < cog.height; y++) {
    for (let x = 0; x < cog.width; x++) {
      const got = pixels[y * cog.width + x];
      const want = fixturePixel(cog, x, y);
      if (got !== want) return `(${x}, ${y}): got ${got}, recipe says ${want}`;
    }
  }
  return undefined;
}

describe('committed fixtures', () => {
  it('are what scripts/make-fixtures.ts makes, byte for byte', () => {
    const files = fixtureFiles();
    expect(files.size).toBe(FIXTURE_COGS.length + 1);
    for (const [rel, data] of files) {
      const committed = readFileSync(path.join(ROOT, rel));
      const fresh = typeof data === 'string' ? Buffer.from(data) : data;
      expect(
        committed.equals(fresh),
        `fixtures/${rel} differs from its recipe: run npx tsx scripts/make-fixtures.ts`,
      ).toBe(true);
      expect(committed.length, `fixtures/${rel} is no longer KB-sized`).toBeLessThan(64 * 1024);
    }
  });

  it.each(FIXTURE_COGS.map((c) => [c.file, c] as const))(
    '%s reads back through minewatch’s COG reader as its recipe',
    async (_, cog) => {
      const header = await headerOf(path.join(ROOT, cog.file));
      expect(header.epsg).toBe(32647);
      expect(header.pixelSize).toEqual([cog.pixelSize, cog.pixelSize]);
      expect(header.nodata).toBe(cog.nodata);
      const { image, pixels } = await readWhole(path.join(ROOT, cog.file));
      expect([image.width, image.height]).toEqual([cog.width, cog.height]);
      expect(firstMismatch(cog, pixels)).toBeUndefined();
      // Every fixture has at least one overview, half the size (rounded up) of the level above.
      const overview = header.images[1];
      expect(overview, 'an overview').toBeDefined();
      expect([overview?.width, overview?.height]).toEqual([
        Math.ceil(cog.width / 2),
        Math.ceil(cog.height / 2),
      ]);
    },
  );

  it('has a STAC item whose six assets are the COGs beside it, with matching shape and grid', async () => {
    const file = path.join(ROOT, ITEM_FILE);
    const item = parseS2Item(JSON.parse(readFileSync(file, 'utf8')) as unknown, pathToFileURL(file));
    expect(item.synthetic).toBe(true);
    expect(item.gridCode).toBe(`MGRS-${item.id.split('_')[1]}`);
    for (const key of S2_ASSET_KEYS) {
      const asset = item.assets[key];
      expect(asset.href.protocol).toBe('file:');
      const header = await headerOf(asset.href.pathname);
      const full = header.images[0];
      expect(asset.shape, key).toEqual([full?.height, full?.width]);
      expect(asset.transform?.[2], key).toBe(header.origin[0]);
      expect(asset.transform?.[5], key).toBe(header.origin[1]);
      expect(header.epsg, key).toBe(item.epsg);
    }
  });
});

const gdal = probeGdal();
describe.skipIf(!gdal.available && !isCi())('committed fixtures, seen by GDAL', () => {
  const tools = gdal.available ? gdal.tools : undefined;
  it.each(FIXTURE_COGS.map((c) => [c.file, c] as const))('%s: GDAL reads the recipe’s pixels', (_, cog) => {
    if (tools === undefined)
      throw new Error(`GDAL is required under CI: ${gdal.available ? '' : gdal.reason}`);
    const file = path.join(ROOT, cog.file);
    expect(validateCog(tools, file).errors).toEqual([]);
    const script =
      'import sys, json\nfrom osgeo import gdal\nd = gdal.Open(sys.argv[1])\nprint(json.dumps(d.ReadAsArray().ravel().tolist()))';
    const values = JSON.parse(runGdalPython(tools, script, [file])) as number[];
    expect(firstMismatch(cog, values)).toBeUndefined();
  });
});
