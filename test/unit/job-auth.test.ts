/**
 * Job signatures (src/run/job-auth.ts): what a producer signs verifies after the round trip
 * through Redis's JSON, and any change to the name, a field, a nested value or the signature
 * itself is refused, as are unsigned jobs and other secrets.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_JOB_BYTES,
  signJob,
  SIGNATURE_FIELD,
  unverifiedJob,
  verifyJob,
  type Verified,
} from '../../src/run/job-auth.js';

const secret = randomBytes(32);
const payload = {
  v: 1,
  stac: 'https://earth-search.aws.element84.com/v1',
  concurrency: 8,
  params: { ndviMin: 0.25, minAreaM2: 900, tiny: 1e-7 },
  tile: { tile: '47QKB', blocks: [{ x: 0, y: 512, width: 512, height: 512 }], before: ['{"id":"a"}'] },
  evidence: true,
};
/** A job's data as a test edits it. */
type Forged = Record<string, unknown> & { params: { tiny: number }; tile: { blocks: { y: number }[] } };
/** The refusal's reason ('' when it was accepted). */
const reasonOf = (v: Verified): string => (v.ok ? '' : v.reason);
/** What a worker receives: BullMQ stores the data as JSON and parses it back. */
const viaRedis = (data: unknown): unknown => JSON.parse(JSON.stringify(data));

describe('signJob / verifyJob', () => {
  it('a signed job verifies after the JSON round trip, and comes back without its signature', () => {
    const signed = signJob(secret, 'tile', payload);
    expect(signed[SIGNATURE_FIELD]).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const v = verifyJob(secret, 'tile', viaRedis(signed));
    expect(v).toEqual({ ok: true, data: payload });
  });

  it('key order does not matter (canonical serialisation)', () => {
    const signed = signJob(secret, 'tile', payload);
    const reordered = Object.fromEntries(Object.entries(signed).reverse());
    expect(verifyJob(secret, 'tile', reordered).ok).toBe(true);
  });

  it.each([
    ['a top-level string', (d: Forged) => (d.stac = 'file:///etc/')],
    ['a number', (d: Forged) => (d.concurrency = 9)],
    ['a nested number', (d: Forged) => (d.params.tiny = 2e-7)],
    ['an array element', (d: Forged) => (d.tile.blocks[0]!.y = 0)],
    ['a removed field', (d: Forged) => delete d.evidence],
    ['an added field', (d: Forged) => (d.out = '/')],
  ])('tampering with %s is refused', (_label, tamper) => {
    const forged = viaRedis(signJob(secret, 'tile', payload)) as Forged;
    tamper(forged);
    const v = verifyJob(secret, 'tile', forged);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(/^bad signature/);
  });

  it('a signature for one job kind does not pass as another', () => {
    const signed = signJob(secret, 'tile', payload);
    expect(verifyJob(secret, 'rescan', signed).ok).toBe(false);
  });

  it('another secret, a missing signature and a malformed one are refused, each with its reason', () => {
    const signed = signJob(secret, 'tile', payload);
    const other = verifyJob(randomBytes(32), 'tile', signed);
    expect(reasonOf(other)).toMatch(/^bad signature/);
    expect(verifyJob(secret, 'tile', payload)).toEqual({ ok: false, reason: 'unsigned job (no sig field)' });
    const short = { ...signed, sig: 'hmac-sha256:abcd' };
    expect(reasonOf(verifyJob(secret, 'tile', short))).toMatch(/^malformed signature/);
    const flipped = {
      ...signed,
      sig: `${String(signed.sig).slice(0, -1)}${String(signed.sig).endsWith('0') ? '1' : '0'}`,
    };
    expect(verifyJob(secret, 'tile', flipped).ok).toBe(false);
    for (const notObject of [null, 'x', 3, [signed]])
      expect(verifyJob(secret, 'tile', notObject)).toEqual({
        ok: false,
        reason: 'job data is not an object',
      });
  });

  it('re-signing replaces an old signature rather than signing it', () => {
    const once = signJob(secret, 'tile', payload);
    expect(signJob(secret, 'tile', once)).toEqual(once);
  });

  it('an oversized job is refused before it is serialised for checking', () => {
    const big = signJob(secret, 'tile', { v: 1, blob: 'x'.repeat(MAX_JOB_BYTES) });
    const v = verifyJob(secret, 'tile', big);
    expect(reasonOf(v)).toMatch(/more than the \d+ allowed/);
  });

  it('an insecure worker takes the data as it comes, signature dropped', () => {
    expect(unverifiedJob({ ...payload, sig: 'whatever' })).toEqual({ ok: true, data: payload });
  });
});
