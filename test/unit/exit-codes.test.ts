import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_TABLE, exitCodesMarkdown } from '../../src/cli/exit-codes.js';
import { EXIT_CODES } from '../../src/errors.js';
import { REPO, sourceFiles } from '../helpers/source-graph.js';
import { runCli } from '../helpers/cli-process.js';

// src/errors.ts's EXIT_CODES is the one list of exit codes; src/cli/exit-codes.ts gives each its
// meaning for --help and the README. Code that still writes a code as a number (outside
// errors.ts) must use one of the list's.
const known = new Set<number>(Object.values(EXIT_CODES));

describe('exit codes', () => {
  it('are distinct in the list, and every one has a meaning in the table', () => {
    expect(known.size).toBe(Object.keys(EXIT_CODES).length);
    const described = EXIT_CODE_TABLE.flatMap(([codes]) => codes.split(', ').map(Number));
    expect([...described].sort((a, b) => a - b)).toEqual([...known].sort((a, b) => a - b));
  });

  it('every numeric exit code written in src/ is in the list', () => {
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

  it('the README carries the one table of every exit code', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain(exitCodesMarkdown());
  });

  it('minewatch --help prints it', async () => {
    const help = (await runCli(['--help'])).stdout;
    for (const [code] of EXIT_CODE_TABLE) expect(help).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });
});
