import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodesMarkdown } from '../../src/cli/exit-codes.js';
import { runCli } from '../helpers/cli-process.js';

describe('exit codes', () => {
  it('the README carries the one table of every exit code', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(exitCodesMarkdown());
  });
  it('minewatch --help prints it', async () => {
    const help = (await runCli(['--help'])).stdout;
    for (const code of ['0', '1', '2', '3', '4', '5', '10', '70', '73', '75', '130, 143', '134'])
      expect(help).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
  });
});
