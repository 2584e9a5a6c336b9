/**
 * The job secret of the BullMQ runner (src/run/job-auth.ts), as producers (`scan`, `batch`,
 * `rescan` with `--runner bullmq`, `schedule-rescan`) and `worker` take it: `--job-secret-file
 * <path>`, else the MINEWATCH_JOB_SECRET environment variable. Without either, the command refuses
 * to start (exit 2), naming both: a queue anyone on the network can fill must not be obeyed by
 * default. `--insecure-unsigned-jobs` is the explicit way out for a throwaway local test; it is
 * ignored when a secret is given (a worker with a secret always verifies).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { InvalidInputError } from '../errors.js';
import { MIN_SECRET_BYTES } from '../run/job-auth.js';
import type { EventLog } from '../types/event-log.js';
import { createLogger } from './logger.js';

export const JOB_SECRET_ENV = 'MINEWATCH_JOB_SECRET';
/** Longest secret file read: a secret is a line, not a document. */
const MAX_SECRET_FILE_BYTES = 4096;

export interface JobSecretFlags {
  jobSecretFile?: string;
  insecureUnsignedJobs?: boolean;
}

export function jobSecretOptions(cmd: Command): Command {
  return cmd
    .option(
      '--job-secret-file <path>',
      `file holding the secret BullMQ jobs are signed with (at least ${MIN_SECRET_BYTES} bytes; default: $${JOB_SECRET_ENV}); producers and workers must share it`,
    )
    .option(
      '--insecure-unsigned-jobs',
      'with no job secret, send (or run) unsigned jobs: anyone who can write to Redis then commands the workers; local tests only',
    );
}

function checked(secret: Buffer, what: string): Buffer {
  if (secret.length < MIN_SECRET_BYTES)
    throw new InvalidInputError(
      `${what} holds ${secret.length} bytes; a job secret needs at least ${MIN_SECRET_BYTES} (make one with: openssl rand -hex 32)`,
    );
  return secret;
}

/**
 * The secret, or `undefined` when none is configured and the operator chose
 * --insecure-unsigned-jobs (a `Jobs:Unsigned` warning says so on stderr). Never logs the secret or
 * the file.
 */
export function loadJobSecret(
  flags: JobSecretFlags,
  env: NodeJS.ProcessEnv = process.env,
  log: EventLog = createLogger(),
): Buffer | undefined {
  if (flags.jobSecretFile !== undefined) {
    const file = flags.jobSecretFile;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new InvalidInputError(`--job-secret-file ${JSON.stringify(file)}: cannot read it (${code})`);
    }
    if (bytes.length > MAX_SECRET_FILE_BYTES)
      throw new InvalidInputError(
        `--job-secret-file ${JSON.stringify(file)}: ${bytes.length} bytes; expected one line of at most ${MAX_SECRET_FILE_BYTES}`,
      );
    // `echo ... > file` adds a newline; the secret is the line.
    return checked(
      Buffer.from(bytes.toString('utf8').trim(), 'utf8'),
      `--job-secret-file ${JSON.stringify(file)}`,
    );
  }
  const fromEnv = env[JOB_SECRET_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    return checked(Buffer.from(fromEnv.trim(), 'utf8'), `$${JOB_SECRET_ENV}`);
  if (flags.insecureUnsignedJobs) {
    log.warn(
      {
        flag: '--insecure-unsigned-jobs',
        risk: 'BullMQ jobs are not signed or verified; anyone who can write to this Redis can queue work',
      },
      'Jobs:Unsigned',
    );
    return undefined;
  }
  throw new InvalidInputError(
    `no job secret: set ${JOB_SECRET_ENV} or --job-secret-file <path> to the same secret on the scan and every worker (or --insecure-unsigned-jobs for a local test)`,
  );
}
