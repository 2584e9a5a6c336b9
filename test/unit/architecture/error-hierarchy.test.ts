import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, InternalError, InvalidInputError, MinewatchError } from '../../../src/errors.js';
import { ItemFailedError } from '../../../src/run/item-failure.js';
import { TaskFailedError } from '../../../src/run/pool-errors.js';
import { DatetimeError } from '../../../src/server/datetime.js';
import { BadRequestError } from '../../../src/server/errors.js';
import { REPO, sourceFiles } from '../../helpers/source-graph.js';

// One error hierarchy: every error a user can meet is a MinewatchError (src/errors.ts), which
// carries its exit code. A bare `Error` may only be control flow that never leaves its module.
//
// The allow-lists below are every exception, each with why it stays. An entry is keyed by text
// of its line (not by file), so moving code between files keeps it. The tests fail on anything
// new and on any entry the code no longer needs, so the lists only shrink.

/** `new Error(` that stays, by a fragment of its line. */
const ALLOWED_BARE_ERRORS: Record<string, string> = {
  "() => new Error('long')":
    'io/http-transport.ts snippet(): a body past 64 KiB is cut off by the catch right below',
  'new Error(`no answer within ${ms} ms while ${what}`)':
    'run/runners/bullmq.ts withTimeout(): caught by the Redis retry loop; past the deadline its message is carried by a RedisUnavailableError',
};

/** Classes that extend `Error` outside MinewatchError, by name. */
const ALLOWED_BARE_CLASSES: Record<string, string> = {
  PairBudgetSpent:
    'geo/self-intersection.ts: stops the index search once the pair budget is spent; caught two frames up, never leaves the module',
};

interface Found {
  where: string;
  line: string;
}

/** Each src/ file parsed once: the tests read the syntax tree, so comments and strings never count. */
const PARSED = sourceFiles().map(({ file }) => {
  const text = readFileSync(path.join(REPO, file), 'utf8');
  return { file, text, tree: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true) };
});

function visit(node: ts.Node, f: (n: ts.Node) => void): void {
  f(node);
  node.forEachChild((c) => visit(c, f));
}

function at(file: string, tree: ts.SourceFile, text: string, node: ts.Node): Found {
  const { line } = tree.getLineAndCharacterOfPosition(node.getStart(tree));
  return { where: `${file}:${line + 1}`, line: text.split('\n')[line] ?? '' };
}

/** Every `new Error(...)` in src/. */
function bareErrors(): Found[] {
  const found: Found[] = [];
  for (const { file, text, tree } of PARSED)
    visit(tree, (n) => {
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'Error')
        found.push(at(file, tree, text, n));
    });
  return found;
}

/** Every class in src/ whose chain of `extends` reaches a built-in Error without MinewatchError. */
function classesOutsideHierarchy(): (Found & { name: string })[] {
  const classes = new Map<string, Found & { name: string; base: string }>();
  for (const { file, text, tree } of PARSED)
    visit(tree, (n) => {
      if (!(ts.isClassDeclaration(n) || ts.isClassExpression(n)) || !n.name) return;
      const ext = n.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
      if (ext && ts.isIdentifier(ext.expression))
        classes.set(n.name.text, {
          ...at(file, tree, text, n),
          name: n.name.text,
          base: ext.expression.text,
        });
    });
  const builtin = /^(Error|TypeError|RangeError|SyntaxError)$/;
  const outside: (Found & { name: string })[] = [];
  for (const c of classes.values()) {
    if (c.name === 'MinewatchError') continue;
    let base: string | undefined = c.base;
    const seen = new Set([c.name]);
    while (base !== undefined && base !== 'MinewatchError' && !builtin.test(base) && !seen.has(base)) {
      seen.add(base);
      base = classes.get(base)?.base;
    }
    if (base !== undefined && builtin.test(base)) outside.push(c);
  }
  return outside;
}

describe('one error hierarchy', () => {
  it('keeps the exit codes users rely on: bugs 70 (the CLI prints their stack), bad input 2', () => {
    const task = new TaskFailedError({ kind: 'k', id: 1 }, { name: 'RangeError', message: 'boom' });
    for (const bug of [new InternalError('x'), task, new ItemFailedError('item', 'why')]) {
      expect(bug).toBeInstanceOf(MinewatchError);
      expect(bug.exitCode).toBe(EXIT_CODES.internal);
    }
    expect(task.name).toBe('TaskFailedError');
    expect(task.remoteName).toBe('RangeError');
    expect(new DatetimeError('d')).toBeInstanceOf(InvalidInputError);
    expect(new DatetimeError('d').exitCode).toBe(EXIT_CODES.invalidInput);
    expect(new BadRequestError('b').toBody()).toEqual({ code: 'BadRequest', description: 'b' });
    expect(new BadRequestError('b').name).toBe('BadRequestError');
  });

  it('finds what it looks for (the scanner is not blind)', () => {
    // MinewatchError itself extends Error, and the allow-lists are not empty today.
    expect(bareErrors().length).toBeGreaterThan(0);
    expect(classesOutsideHierarchy().map((c) => c.name)).toContain('PairBudgetSpent');
  });

  it('no bare `new Error(` in src/ beyond the allow-list, and no stale entry in it', () => {
    const found = bareErrors();
    const allowed = (f: Found): boolean => Object.keys(ALLOWED_BARE_ERRORS).some((k) => f.line.includes(k));
    expect(
      found.filter((f) => !allowed(f)).map((f) => `${f.where}: ${f.line.trim()}`),
      'throw a MinewatchError subclass (InternalError for a broken invariant)',
    ).toEqual([]);
    expect(
      Object.keys(ALLOWED_BARE_ERRORS).filter((k) => !found.some((f) => f.line.includes(k))),
      'fixed: drop it from the allow-list',
    ).toEqual([]);
  });

  it('no error class outside MinewatchError beyond the allow-list, and no stale entry in it', () => {
    const outside = classesOutsideHierarchy();
    expect(
      outside.filter((c) => !(c.name in ALLOWED_BARE_CLASSES)).map((c) => `${c.where}: ${c.line.trim()}`),
      'extend MinewatchError or one of its subclasses',
    ).toEqual([]);
    expect(
      Object.keys(ALLOWED_BARE_CLASSES).filter((k) => !outside.some((c) => c.name === k)),
      'fixed: drop it from the allow-list',
    ).toEqual([]);
  });
});
