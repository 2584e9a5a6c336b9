/**
 * Errors a user can act on. Each names the input at fault and carries the process exit code the
 * CLI maps it to; anything else is a bug and exits 70 (EX_SOFTWARE) with its stack.
 */

/**
 * Every exit code of the minewatch CLI, in one table (the README's lists are these). Codes above
 * 64 follow sysexits.h; 130 and 143 are the shell's 128 + SIGINT and 128 + SIGTERM.
 */
export const EXIT_CODES = {
  ok: 0,
  /** A MinewatchError without a more specific code (e.g. a distributed run that failed). */
  failed: 1,
  invalidInput: 2,
  stacUnavailable: 3,
  noItemsFound: 4,
  /** The scan read too little to be a result (run/completeness.ts); --allow-partial publishes. */
  incomplete: 5,
  /** `rescan --exit-new`: the run succeeded and found new candidates. */
  newCandidates: 10,
  /** EX_SOFTWARE: anything that is not a MinewatchError is a bug. */
  internal: 70,
  /** EX_CANTCREAT: the outputs cannot be written. */
  cannotWrite: 73,
  /** EX_TEMPFAIL: try again later (a lock is held, Redis is down). */
  tryAgain: 75,
  /** `--timeout` passed: 124, as coreutils `timeout` exits. */
  timedOut: 124,
  interrupted: 130,
  terminated: 143,
  /** Node's own abort (out of memory): never chosen by minewatch, listed so users can read it. */
  aborted: 134,
} as const;

export class MinewatchError extends Error {
  readonly exitCode: number = EXIT_CODES.failed;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag, AOI, date window or pipeline spec that is malformed. */
export class InvalidInputError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.invalidInput;
}

/** The STAC API could not be reached or answered something that is not a STAC response. */
export class StacUnavailableError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.stacUnavailable;
}

/** The search worked but found nothing to scan. */
export class NoItemsFoundError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.noItemsFound;
}

/**
 * The scan ran but read too little to be a result: no usable pixels for a window, or more items
 * lost to failures than the partial-read rule allows. Nothing is published (`--allow-partial`
 * publishes anyway, saying what is missing).
 */
export class IncompleteScanError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.incomplete;
}

/** The run passed its `--timeout` and was stopped before publishing anything. */
export class RunTimeoutError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.timedOut;
}

/** Another run holds the lock on the same state folder. */
export class LockedError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.tryAgain;
}

/** The output folder cannot take the outputs (disk full, read-only, permissions). */
export class OutputWriteError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.cannotWrite;
}

/**
 * A broken invariant: minewatch's own code or install is at fault, not an input. It exits 70 like
 * any other bug, and the CLI prints its stack; the class only says "we checked, and this is ours".
 */
export class InternalError extends MinewatchError {
  override readonly exitCode = EXIT_CODES.internal;
}
