// The import graph of src/, read from the source text with the TypeScript scanner (so imports
// inside comments and strings do not count, and `import type` and `import()` do). Used by the
// layer test (test/unit/architecture/layers.test.ts) and by scripts/house-figures.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SRC = path.join(REPO, 'src');

/** One src/ file: its path from the repo root (`src/run/scan.ts`) and what it imports. */
export interface SourceFile {
  file: string;
  /** Resolved src/ files this file imports (`src/io/http.ts`), sorted, no duplicates. */
  local: string[];
  /** Bare specifiers (`node:fs`, `bullmq`, `@turf/area`). */
  external: string[];
}

// AssemblyScript is compiled by asc, not tsc, and imports nothing of ours.
const SKIP_DIRS = new Set(['wasm', 'static']);

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (!SKIP_DIRS.has(name)) walk(full, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string {
  const abs = path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');
  return path.relative(REPO, abs).split(path.sep).join('/');
}

export function sourceFiles(): SourceFile[] {
  return walk(SRC, []).map((abs) => {
    const text = readFileSync(abs, 'utf8');
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    const local = new Set<string>();
    const external = new Set<string>();
    for (const spec of specs) {
      if (spec.startsWith('.')) local.add(resolveLocal(abs, spec));
      else external.add(spec);
    }
    return {
      file: path.relative(REPO, abs).split(path.sep).join('/'),
      local: [...local].sort(),
      external: [...external].sort(),
    };
  });
}

/** `src/run/tasks/scan-block.ts` -> `run`; `src/errors.ts` -> `errors`. */
export function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? (parts[1] ?? '') : (parts[1] ?? '').replace(/\.ts$/, '');
}

/** Strongly connected components of more than one node (or a self-loop): the cycles. */
export function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan, iterative enough for a graph of a few hundred nodes.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      for (;;) {
        const w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1 || edges.get(v)?.has(v)) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

export function fileEdges(files: readonly SourceFile[]): Map<string, Set<string>> {
  return new Map(files.map((f) => [f.file, new Set(f.local)]));
}

export function folderEdges(files: readonly SourceFile[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const f of files) {
    const from = folderOf(f.file);
    const set = edges.get(from) ?? new Set<string>();
    for (const to of f.local.map(folderOf)) if (to !== from) set.add(to);
    edges.set(from, set);
  }
  return edges;
}

/**
 * Imports that run against a layer order (`layerOf`: folder -> its layer's index, lowest 0): to a
 * folder of the same or a higher layer, or to one with no layer (outside src/). As "from -> to".
 */
export function upwardImports(files: readonly SourceFile[], layerOf: ReadonlyMap<string, number>): string[] {
  const upward: string[] = [];
  for (const f of files) {
    const from = folderOf(f.file);
    for (const to of f.local) {
      const dest = folderOf(to);
      if (dest === from) continue;
      if ((layerOf.get(dest) ?? Infinity) >= (layerOf.get(from) ?? -Infinity))
        upward.push(`${f.file} -> ${to}`);
    }
  }
  return upward;
}
