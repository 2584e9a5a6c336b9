/**
 * Errors the catalogue server turns into stac-server style JSON bodies: `{"code": ..., "description": ...}`.
 */
export class ApiError extends Error {
  override name = 'ApiError';
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
  override name = 'BadRequestError';
  constructor(description: string) {
    super(400, 'BadRequest', description);
  }
}

/** Unknown collection, item or route: 404 with the exact body Earth Search sends. */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
  constructor(description = 'Not Found') {
    super(404, 'NotFound', description);
  }
}
