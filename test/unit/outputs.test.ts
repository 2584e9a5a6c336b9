import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockedError, OutputWriteError } from '../../src/errors.js';
import { NotOurFolderError } from '../../src/io/atomic.js';
import { prepareOutputFolder, writeOutputs } from '../../src/io/outputs.js';

const fresh = (): string => mkdtempSync(path.join(tmpdir(), 'mw-outputs-'));

describe('writeOutputs', () => {
  it('writes top-level files and sub-folder files, and replaces a sub-folder it made whole', async () => {
    const out = fresh();
    writeFileSync(path.join(out, 'keep.txt'), 'user file');
    await writeOutputs(out, { 'a.json': '{}\n', 'chips/stale.png': 'old' });
    await writeOutputs(out, { 'a.json': '{}\n', 'chips/x.png': new Uint8Array([1, 2, 3]) });
    expect(readFileSync(path.join(out, 'a.json'), 'utf8')).toBe('{}\n');
    expect([...readFileSync(path.join(out, 'chips', 'x.png'))]).toEqual([1, 2, 3]);
    // The old chip of a site no longer found is gone; files we do not own stay.
    expect(existsSync(path.join(out, 'chips', 'stale.png'))).toBe(false);
    expect(readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('user file');
    expect(readdirSync(out).sort()).toEqual(['a.json', 'chips', 'keep.txt']);
  });

  it('refuses (exit 73, naming it) to replace a sub-folder minewatch did not create, deleting nothing', async () => {
    const out = fresh();
    mkdirSync(path.join(out, 'chips'));
    writeFileSync(path.join(out, 'chips', 'mine.png'), 'user file');
    const run = writeOutputs(out, { 'a.json': '{}\n', 'chips/x.png': 'new' });
    await expect(run).rejects.toBeInstanceOf(NotOurFolderError);
    await expect(run).rejects.toThrow(
      `refusing to replace ${path.join(out, 'chips')}: minewatch did not create it`,
    );
    expect(((await run.catch((e: unknown) => e)) as OutputWriteError).exitCode).toBe(73);
    expect(readFileSync(path.join(out, 'chips', 'mine.png'), 'utf8')).toBe('user file');
    expect(readdirSync(out)).toEqual(['chips']);
  });

  it("refuses / and minewatch's own folder as outputs (exit 2), before creating anything", async () => {
    await expect(prepareOutputFolder('/')).rejects.toThrow(
      'refusing to write outputs into the filesystem root',
    );
    await expect(prepareOutputFolder(path.resolve(__dirname, '../..'))).rejects.toThrow(
      "refusing to write outputs into minewatch's own folder",
    );
  });

  it('locks the output folder: a second taker is refused with exit 75 while the first holds it', async () => {
    const out = fresh();
    const first = await prepareOutputFolder(out);
    const second = await prepareOutputFolder(out).catch((e: unknown) => e);
    first.release();
    expect(second).toBeInstanceOf(LockedError);
    expect((second as LockedError).message).toContain(
      `output folder ${out} is in use by another run (pid ${process.pid}`,
    );
    (await prepareOutputFolder(out)).release();
  });

  it('removes write probes a killed run left behind, and nothing that only looks like one', async () => {
    const out = fresh();
    writeFileSync(path.join(out, '.minewatch-probe-4242-0a1b2c3d'), 'probe\n'); // killed after the write
    writeFileSync(path.join(out, '.minewatch-probe-4243-deadbeef'), ''); // killed before it
    writeFileSync(path.join(out, '.minewatch-probe-4244-00000000'), 'a user note'); // not a probe's content
    writeFileSync(path.join(out, '.minewatch-probe-notes'), 'probe\n'); // not a probe's name
    const lock = await prepareOutputFolder(out);
    lock.release();
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith('.minewatch-probe'))
        .sort(),
    ).toEqual(['.minewatch-probe-4244-00000000', '.minewatch-probe-notes']);
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
