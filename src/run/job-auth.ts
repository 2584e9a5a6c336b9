/**
 * Job authentication for the BullMQ runner: whoever can write to Redis can add jobs, so a worker
 * runs only jobs signed with the secret it shares with the producers (the scan runner and
 * schedule-rescan). The signature is an HMAC-SHA256 over the job's name and its data, serialised
 * canonically (RFC 8785, JSON Canonicalization Scheme: sorted keys, one spelling per number), so
 * what BullMQ stores as JSON and parses back verifies byte for byte. It is carried in the data
 * itself (`sig`), because a job scheduler copies only the data into the jobs it adds.
 *
 * Pure: the secret is read by the CLI (src/cli/job-secret.ts), not here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';
import { InternalError } from '../errors.js';

/** The data field that carries the signature. */
export const SIGNATURE_FIELD = 'sig';
const SCHEME = 'hmac-sha256:';
const SIGNATURE = /^hmac-sha256:[0-9a-f]{64}$/;
/** Domain separation: these bytes are signed for nothing else. */
const CONTEXT = 'minewatch-job-v1\n';
/** Shortest secret accepted: 32 bytes, e.g. `openssl rand -hex 32` (64 characters). */
export const MIN_SECRET_BYTES = 32;
/**
 * A job larger than this is refused before it is serialised for checking: a tile job is a few
 * KB per item (a few hundred KB for a large tile), so 8 MiB is generous and bounds the work an
 * unauthenticated job can cause.
 */
export const MAX_JOB_BYTES = 8 * 1024 * 1024;

export type JobData = Record<string, unknown>;
export type Verified = { ok: true; data: JobData } | { ok: false; reason: string };

function message(name: string, data: JobData): string {
  const text = canonicalize({ name, data });
  if (text === undefined) throw new InternalError(`job ${name}: data cannot be serialised`);
  return CONTEXT + text;
}

function mac(secret: Buffer, name: string, data: JobData): Buffer {
  return createHmac('sha256', secret).update(message(name, data), 'utf8').digest();
}

/** The data with its signature added (any earlier `sig` replaced). */
export function signJob(secret: Buffer, name: string, data: JobData): JobData {
  const { [SIGNATURE_FIELD]: _old, ...rest } = data;
  return { ...rest, [SIGNATURE_FIELD]: SCHEME + mac(secret, name, rest).toString('hex') };
}

function isPlainObject(v: unknown): v is JobData {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a job's signature; returns its data without `sig`, or a one-line reason. Compares in
 * constant time, so the time taken says nothing about how much of a forged signature was right.
 */
export function verifyJob(secret: Buffer, name: string, data: unknown): Verified {
  if (!isPlainObject(data)) return { ok: false, reason: 'job data is not an object' };
  const { [SIGNATURE_FIELD]: sig, ...rest } = data;
  if (sig === undefined) return { ok: false, reason: 'unsigned job (no sig field)' };
  if (typeof sig !== 'string' || !SIGNATURE.test(sig))
    return { ok: false, reason: 'malformed signature (expected hmac-sha256:<64 hex digits>)' };
  const size = Buffer.byteLength(JSON.stringify(rest), 'utf8');
  if (size > MAX_JOB_BYTES)
    return { ok: false, reason: `job data is ${size} bytes, more than the ${MAX_JOB_BYTES} allowed` };
  let expected: Buffer;
  try {
    expected = mac(secret, name, rest);
  } catch {
    return { ok: false, reason: 'job data cannot be serialised canonically' };
  }
  const given = Buffer.from(sig.slice(SCHEME.length), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad signature (not signed with this worker’s job secret, or altered)' };
  return { ok: true, data: rest };
}

/** Data as it arrives without checking (an explicitly insecure worker): `sig` dropped, if any. */
export function unverifiedJob(data: unknown): Verified {
  if (!isPlainObject(data)) return { ok: false, reason: 'job data is not an object' };
  const { [SIGNATURE_FIELD]: _sig, ...rest } = data;
  return { ok: true, data: rest };
}
