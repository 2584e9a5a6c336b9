/**
 * Errors a user can act on. Each names the input at fault and carries the process exit code the
 * CLI maps it to; anything else is a bug and exits 70 (EX_SOFTWARE) with its stack.
 */
export class MinewatchError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A flag, AOI, date window or pipeline spec that is malformed. */
export class InvalidInputError extends MinewatchError {
  override readonly exitCode = 2;
}

/** The STAC API could not be reached or answered something that is not a STAC response. */
export class StacUnavailableError extends MinewatchError {
  override readonly exitCode = 3;
}

/** The search worked but found nothing to scan. */
export class NoItemsFoundError extends MinewatchError {
  override readonly exitCode = 4;
}

/**
 * The scan ran but read too little to be a result: no usable pixels for a window, or more items
 * lost to failures than the partial-read rule allows. Nothing is published (`--allow-partial`
 * publishes anyway, saying what is missing).
 */
export class IncompleteScanError extends MinewatchError {
  override readonly exitCode = 5;
}

/** Another run holds the lock on the same state folder. */
export class LockedError extends MinewatchError {
  override readonly exitCode = 75; // EX_TEMPFAIL: try again later
}

/** The output folder cannot take the outputs (disk full, read-only, permissions). */
export class OutputWriteError extends MinewatchError {
  override readonly exitCode = 73; // EX_CANTCREAT
}
