import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputWriteError } from '../../src/errors.js';
import { writeOutputs } from '../../src/io/outputs.js';

const fresh = (): string => mkdtempSync(path.join(tmpdir(), 'mw-outputs-'));

describe('writeOutputs', () => {
  it('writes top-level files and sub-folder files, and replaces a sub-folder whole', async () => {
    const out = fresh();
    mkdirSync(path.join(out, 'chips'));
    writeFileSync(path.join(out, 'chips', 'stale.png'), 'old');
    writeFileSync(path.join(out, 'keep.txt'), 'user file');
    await writeOutputs(out, { 'a.json': '{}\n', 'chips/x.png': new Uint8Array([1, 2, 3]) });
    expect(readFileSync(path.join(out, 'a.json'), 'utf8')).toBe('{}\n');
    expect([...readFileSync(path.join(out, 'chips', 'x.png'))]).toEqual([1, 2, 3]);
    // The old chip of a site no longer found is gone; files we do not own stay.
    expect(existsSync(path.join(out, 'chips', 'stale.png'))).toBe(false);
    expect(readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('user file');
    expect(readdirSync(out).sort()).toEqual(['a.json', 'chips', 'keep.txt']);
  });

  it('refuses names that climb out of the folder, replacing nothing and leaving no temporary', async () => {
    const out = fresh();
    writeFileSync(path.join(out, 'a.json'), 'old');
    const run = writeOutputs(out, { 'a.json': 'new', '../escape.txt': 'x' });
    await expect(run).rejects.toBeInstanceOf(OutputWriteError);
    await expect(run).rejects.toThrow(out);
    expect(readFileSync(path.join(out, 'a.json'), 'utf8')).toBe('old');
    expect(readdirSync(out)).toEqual(['a.json']);
  });
});
