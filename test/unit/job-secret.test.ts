/**
 * Where the job secret comes from (src/cli/job-secret.ts): a file beats the environment, short or
 * missing secrets stop the command with one line naming the variable, and only an explicit
 * --insecure-unsigned-jobs runs without one (saying so).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JOB_SECRET_ENV, loadJobSecret } from '../../src/cli/job-secret.js';
import { SILENT_LOG } from '../../src/types/event-log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mw-job-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secret = 'a'.repeat(64);
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadJobSecret', () => {
  it('reads the file (one line, newline trimmed) before the environment', () => {
    const p = file('ok', `${secret}\n`);
    const got = loadJobSecret({ jobSecretFile: p }, { [JOB_SECRET_ENV]: 'b'.repeat(64) });
    expect(got?.toString()).toBe(secret);
  });
  it('reads the environment variable', () => {
    expect(loadJobSecret({}, { [JOB_SECRET_ENV]: secret })?.toString()).toBe(secret);
  });
  it('refuses a missing secret, naming the variable and the flag', () => {
    expect(() => loadJobSecret({}, {})).toThrow(
      /^no job secret: set MINEWATCH_JOB_SECRET or --job-secret-file <path>/,
    );
    expect(() => loadJobSecret({}, { [JOB_SECRET_ENV]: '  ' })).toThrow(/^no job secret/);
  });
  it('refuses short secrets and unreadable files without printing them', () => {
    expect(() => loadJobSecret({}, { [JOB_SECRET_ENV]: 'hunter2' })).toThrow(
      /^\$MINEWATCH_JOB_SECRET holds 7 bytes; a job secret needs at least 32/,
    );
    const short = file('short', 'hunter2\n');
    let message = '';
    try {
      loadJobSecret({ jobSecretFile: short }, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/holds 7 bytes/);
    expect(message).not.toMatch(/hunter2/);
    expect(() => loadJobSecret({ jobSecretFile: path.join(dir, 'absent') }, {})).toThrow(
      /--job-secret-file ".*absent": cannot read it \(ENOENT\)/,
    );
  });
  it('runs without a secret only when told to, and warns', () => {
    const warned: [string, object][] = [];
    const log = { ...SILENT_LOG, warn: (fields: object, event: string) => warned.push([event, fields]) };
    expect(loadJobSecret({ insecureUnsignedJobs: true }, {}, log)).toBeUndefined();
    expect(warned).toEqual([
      ['Jobs:Unsigned', expect.objectContaining({ flag: '--insecure-unsigned-jobs' })],
    ]);
    // A secret given wins over the insecure flag: a worker with a secret always verifies.
    expect(loadJobSecret({ insecureUnsignedJobs: true }, { [JOB_SECRET_ENV]: secret })?.toString()).toBe(
      secret,
    );
  });
});
