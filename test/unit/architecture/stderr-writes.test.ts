import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO, sourceFiles } from '../../helpers/source-graph.js';

// Progress and warnings go through the one logger (src/cli/logger.ts): JSON events on stderr.
// Free text on stderr is only the CLI contract's final one-line reason, and what is listed here.
// Keyed by file, with how many; the test fails on a new write and on an entry no longer needed.
const ALLOWED: Record<string, { count: number; why: string }> = {
  'src/cli/main.ts': {
    count: 3,
    why: "the final one-line reason of a failure (the CLI contract), exit 70's stack",
  },
  'src/cli/run-timeout.ts': { count: 1, why: 'the same final line, when --timeout forces the exit' },
  'src/run/scan.ts': {
    count: 2,
    why: 'scan progress and its skip summary; scan.ts is being split into run/stages, whose log should take an EventLog',
  },
};

/** `process.stderr.write(...)` and `console.<anything>(...)` calls per src/ file. */
function freeTextWrites(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const { file } of sourceFiles()) {
    const text = readFileSync(path.join(REPO, file), 'utf8');
    const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
        const callee = n.expression.getText(tree);
        if (callee === 'process.stderr.write' || /^console\.\w+$/.test(callee)) {
          const line = tree.getLineAndCharacterOfPosition(n.getStart(tree)).line + 1;
          found.set(file, [...(found.get(file) ?? []), `${file}:${line}: ${callee}`]);
        }
      }
      n.forEachChild(visit);
    };
    visit(tree);
  }
  return found;
}

describe('free text on stderr', () => {
  it('only the allow-listed writes, and no stale entry', () => {
    const found = freeTextWrites();
    expect(found.size, 'the scanner finds the known writes').toBeGreaterThan(0);
    const unexpected = [...found].flatMap(([file, calls]) =>
      calls.length === ALLOWED[file]?.count ? [] : calls,
    );
    expect(unexpected, 'log an event through src/cli/logger.ts (or an EventLog) instead').toEqual([]);
    expect(
      Object.keys(ALLOWED).filter((f) => !found.has(f)),
      'fixed: drop it from the allow-list',
    ).toEqual([]);
  });
});
