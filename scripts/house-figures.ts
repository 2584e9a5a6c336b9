/**
 * The structural figures of src/ that issue 16 tracks, measured from the source as it stands:
 * largest files, file and folder import cycles, imports that run up a layer (against
 * test/unit/architecture/layers.ts), `as number` casts, non-null assertions, error classes,
 * bare `new Error(` and free-text stderr writes. Run: `npx tsx scripts/house-figures.ts`.
 * Duplicated blocks are counted by a separate tool, not here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {
  cycles,
  fileEdges,
  folderEdges,
  folderOf,
  REPO,
  sourceFiles,
  upwardImports,
} from '../test/helpers/source-graph.js';
import { LAYERS } from '../test/unit/architecture/layers.js';

const files = sourceFiles();
const rank = new Map<string, number>();
LAYERS.forEach((layer, i) => layer.folders.forEach((f) => rank.set(f, i)));

const texts = files.map((f) => ({ file: f.file, text: readFileSync(path.join(REPO, f.file), 'utf8') }));
const lines = texts
  .map((t) => ({ file: t.file, lines: t.text.split('\n').length - (t.text.endsWith('\n') ? 1 : 0) }))
  .sort((a, b) => b.lines - a.lines);

console.log(`files in src/ (TypeScript, without src/wasm): ${files.length}`);
console.log('largest files:');
for (const l of lines.slice(0, 10)) console.log(`  ${String(l.lines).padStart(5)}  ${l.file}`);
console.log(`files over 300 lines: ${lines.filter((l) => l.lines > 300).length}`);

const fc = cycles(fileEdges(files));
console.log(`file cycles: ${fc.length}`);
for (const c of fc) console.log(`  ${c.join(' <-> ')}`);
const dc = cycles(folderEdges(files));
console.log(`folder cycles: ${dc.length}`);
for (const c of dc) console.log(`  {${c.join(', ')}}`);

const upward = upwardImports(files, rank);
console.log(`imports against the layer order: ${upward.length}`);
for (const u of upward) console.log(`  ${u}`);
const pureNode = files.filter(
  (f) => ['raster', 'detect'].includes(folderOf(f.file)) && f.external.some((e) => e.startsWith('node:')),
);
console.log(`pure files importing node: modules: ${pureNode.map((f) => f.file).join(', ') || 'none'}`);

// Casts and assertions over every .ts file in src/ (AssemblyScript included, as the issue counted).
let asNumber = 0;
let nonNull = 0;
let bareError = 0;
let stderr = 0;
const stderrFiles = new Set<string>();
const errorClasses: string[] = [];
const baseOf = new Map<string, string>();
const inErrorsTs = new Set<string>();
const all = ts.sys.readDirectory(path.join(REPO, 'src'), ['.ts']).filter((f) => !f.endsWith('.d.ts'));
for (const abs of all) {
  const rel = path.relative(REPO, abs);
  const text = readFileSync(abs, 'utf8');
  const sf = ts.createSourceFile(abs, text, ts.ScriptTarget.ES2022, true);
  const visit = (n: ts.Node): void => {
    if (ts.isAsExpression(n) && n.type.kind === ts.SyntaxKind.NumberKeyword) asNumber += 1;
    if (ts.isNonNullExpression(n)) nonNull += 1;
    if (ts.isNewExpression(n) && n.expression.getText(sf) === 'Error') bareError += 1;
    if (ts.isCallExpression(n)) {
      const callee = n.expression.getText(sf);
      if (['process.stderr.write', 'console.error', 'console.warn'].includes(callee)) {
        stderr += 1;
        stderrFiles.add(rel);
      }
    }
    if (ts.isClassDeclaration(n) && n.name) {
      const base = n.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
      const baseName = base?.expression.getText(sf) ?? '';
      if (/Error$/.test(baseName) || /Error$/.test(n.name.text)) {
        errorClasses.push(`${rel}:${n.name.text}`);
        baseOf.set(n.name.text, baseName);
        if (rel === path.join('src', 'errors.ts')) inErrorsTs.add(n.name.text);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
console.log(`'as number' casts: ${asNumber}`);
console.log(`non-null assertions: ${nonNull}`);
const outside = errorClasses.filter((c) => !c.startsWith('src/errors.ts:'));
const errorFiles = new Set(errorClasses.map((c) => c.split(':')[0]));
console.log(
  `error classes: ${errorClasses.length} in ${errorFiles.size} files, ${outside.length} outside src/errors.ts`,
);
for (const c of outside) console.log(`  ${c}`);
// In the hierarchy: the class, or a class it extends, is defined in src/errors.ts.
const inHierarchy = (name: string, seen = new Set<string>()): boolean => {
  if (inErrorsTs.has(name)) return true;
  const base = baseOf.get(name);
  if (base === undefined || seen.has(name)) return false;
  seen.add(name);
  return inHierarchy(base, seen);
};
const rogue = errorClasses.filter((c) => !inHierarchy(c.split(':')[1] ?? ''));
console.log(`error classes outside the src/errors.ts hierarchy: ${rogue.length}`);
for (const c of rogue) console.log(`  ${c} extends ${baseOf.get(c.split(':')[1] ?? '') ?? '?'}`);
console.log(`bare new Error(: ${bareError}`);
console.log(`free-text stderr writes: ${stderr} in ${stderrFiles.size} files`);
