import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/errors.js';
import { REPO, sourceFiles } from '../helpers/source-graph.js';

// src/errors.ts's EXIT_CODES is the one table of exit codes. Code that still writes a code as a
// number (outside errors.ts) must use one of the table's, and so must the README's lists.
const known = new Set<number>(Object.values(EXIT_CODES));

describe('exit codes', () => {
  it('are distinct in the table', () => {
    expect(known.size).toBe(Object.keys(EXIT_CODES).length);
  });

  it('every numeric exit code written in src/ is in the table', () => {
    const stray: string[] = [];
    let seen = 0;
    for (const { file } of sourceFiles()) {
      if (file === 'src/errors.ts') continue;
      readFileSync(path.join(REPO, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (!/exitCode|EXIT_/.test(line) || /^\s*(\*|\/\/)/.test(line)) return;
          for (const m of line.matchAll(/(?<![\w.])(\d+)(?![\w.])/g)) {
            seen += 1;
            if (!known.has(Number(m[1]))) stray.push(`${file}:${i + 1}: ${m[1]}`);
          }
        });
    }
    expect(seen, 'found the exit codes written as numbers').toBeGreaterThan(3);
    expect(stray).toEqual([]);
  });

  it('the README lists only codes of the table', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const lists = [...readme.matchAll(/Exit codes:([\s\S]*?)\n\n/g)].map((m) => m[1] ?? '');
    expect(lists.length).toBeGreaterThanOrEqual(2);
    for (const list of lists) {
      for (const m of list.matchAll(/(?<![\w(-])(\d+)(?= )/g))
        expect(known, `README exit code ${m[1]}`).toContain(Number(m[1]));
    }
  });
});
