import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { loadCatalogFolder, catalogFolderPaths } from '../../src/server/catalog-folder.js';

// A bad --root of `serve-catalog` (or of `demo`) is the user's input at fault: it must reach the
// CLI as an InvalidInputError (exit 2, one line naming the file), not as an internal error (70).
const root = mkdtempSync(path.join(tmpdir(), 'minewatch-world-error-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loading a world folder', () => {
  it('a folder without a catalogue is invalid input naming the file it looked for', async () => {
    const missing = path.join(root, 'nothing-here');
    const err: unknown = await loadCatalogFolder(catalogFolderPaths(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).exitCode).toBe(2);
    expect((err as Error).message).toContain(path.join(missing, 'stac', 'items.json'));
    expect((err as Error).message).not.toContain('\n');
  });

  it('a catalogue that is not JSON is invalid input too', async () => {
    const dir = path.join(root, 'broken');
    mkdirSync(path.join(dir, 'stac'), { recursive: true });
    writeFileSync(path.join(dir, 'stac', 'items.json'), '{"type": "FeatureCollection", ');
    const err: unknown = await loadCatalogFolder(catalogFolderPaths(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).name).toBe('CatalogFolderError');
    expect((err as Error).message).toMatch(/items\.json is not valid JSON/);
  });
});
