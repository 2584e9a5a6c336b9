/**
 * Errors the catalogue server turns into stac-server style JSON bodies: `{"code": ..., "description": ...}`.
 * They are answered over HTTP and never end a process, so they keep MinewatchError's default code.
 */
import { MinewatchError } from '../errors.js';

export class ApiError extends MinewatchError {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }

  toBody(): { code: string; description: string } {
    return { code: this.code, description: this.message };
  }
}

/** A request parameter that fails validation: 400 BadRequest. */
export class BadRequestError extends ApiError {
  constructor(description: string) {
    super(400, 'BadRequest', description);
  }
}

/** Unknown collection, item or route: 404 with the exact body Earth Search sends. */
export class NotFoundError extends ApiError {
  constructor(description = 'Not Found') {
    super(404, 'NotFound', description);
  }
}
