import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cycles,
  fileEdges,
  folderEdges,
  folderOf,
  REPO,
  sourceFiles,
  upwardImports,
} from '../../helpers/source-graph.js';
import { LAYERS, PURE_FOLDERS } from './layers.js';

// The layer rules of docs/architecture.md, checked against every import in src/.
//
// KNOWN_VIOLATIONS is the list of what the code still does against those rules. Each entry names
// the import (or cycle) and why it is still there; the tests fail when an entry is no longer
// needed, so the list can only shrink. Add to it only with a reason and an issue to remove it.
const KNOWN_UPWARD: Record<string, string> = {};

const KNOWN_FOLDER_CYCLES: Record<string, string> = {};

const KNOWN_FILE_CYCLES: Record<string, string> = {};

const KNOWN_IMPURE: Record<string, string> = {};

/** Nothing outside the allow-list, and nothing in it that the code no longer does. */
function expectOnlyKnown(found: readonly string[], known: Record<string, string>): void {
  expect(
    found.filter((v) => !(v in known)),
    'new violation',
  ).toEqual([]);
  expect(
    Object.keys(known).filter((k) => !found.includes(k)),
    'fixed: drop it from the allow-list',
  ).toEqual([]);
}

const files = sourceFiles();
const rank = new Map<string, number>();
LAYERS.forEach((layer, i) => layer.folders.forEach((f) => rank.set(f, i)));

describe('src/ layers', () => {
  it('reads the whole tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((f) => f.file)).toContain('src/run/scan.ts');
  });

  it('puts every folder of src/ in exactly one layer', () => {
    const declared = LAYERS.flatMap((l) => l.folders);
    expect(new Set(declared).size, 'a folder is in two layers').toBe(declared.length);
    const present = [...new Set(files.map((f) => folderOf(f.file)))].sort();
    for (const folder of present) expect(declared, `src/${folder} has no layer`).toContain(folder);
  });

  it('imports only its own folder or a lower layer', () => {
    const upward = upwardImports(files, rank);
    expectOnlyKnown(upward, KNOWN_UPWARD);
  });

  it('has no import cycle between files', () => {
    const found = cycles(fileEdges(files)).map((c) => c.join(' <-> '));
    expectOnlyKnown(found, KNOWN_FILE_CYCLES);
  });

  it('has no import cycle between folders', () => {
    const found = cycles(folderEdges(files)).map((c) => c.join(', '));
    expectOnlyKnown(found, KNOWN_FOLDER_CYCLES);
  });

  it('keeps Node built-ins (node:fs, fs, ...) out of the pure folders', () => {
    const impure = files
      .filter((f) => PURE_FOLDERS.includes(folderOf(f.file)))
      .filter((f) => f.external.some((e) => isBuiltin(e)))
      .map((f) => f.file);
    expectOnlyKnown(impure, KNOWN_IMPURE);
  });

  it('is the layer list docs/architecture.md describes', () => {
    const doc = readFileSync(path.join(REPO, 'docs/architecture.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Layers'), doc.indexOf('## One sentence per folder'));
    const rows = table.split('\n').filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| layer'));
    const documented = rows.map((l) => {
      const [name = '', folders = ''] = l
        .split(/(?<!\\)\|/)
        .slice(1, 3)
        .map((c) => c.trim().replace('\\|', '|'));
      return { name, folders: [...folders.matchAll(/`src\/([\w-]+?)(?:\.ts)?`/g)].map((m) => m[1]) };
    });
    expect(documented).toEqual(LAYERS.map((l) => ({ name: l.name, folders: [...l.folders] })));
    for (const folder of LAYERS.flatMap((l) => l.folders)) {
      expect(doc.slice(doc.indexOf('## One sentence per folder')), `no sentence for src/${folder}`).toMatch(
        new RegExp(`^- \`src/${folder}(\\.ts)?\`:`, 'm'),
      );
    }
  });

  it('finds every cycle of a small graph, self-loops included (the checker itself)', () => {
    const edges = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a', 'd'])],
      ['e', new Set(['a'])],
    ]);
    expect(cycles(edges)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(folderOf('src/run/tasks/scan-block.ts')).toBe('run');
    expect(folderOf('src/errors.ts')).toBe('errors');
  });
});
