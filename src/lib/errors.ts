/**
 * The one error family. Every failure a client can see is an AppError with the contract's code
 * (API.md "Errors"); `renderError` in app.ts turns it into the single envelope.
 */
export type FieldError = { field: string; message: string };

export type AppErrorOptions = {
  errors?: FieldError[];
  retryable?: boolean;
  headers?: Record<string, string>;
  cause?: unknown;
  /** Fields the envelope carries after its own (a decline code, the transaction id). */
  details?: Record<string, unknown>;
  /** A stored answer being replayed: the time and path it was first given with, which its envelope keeps. */
  answered?: { at: string; path: string };
};

export class AppError extends Error {
  readonly errors: FieldError[] | undefined;
  readonly retryable: boolean;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;
  readonly answered: { at: string; path: string } | undefined;

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.errors = options.errors;
    this.retryable = options.retryable ?? false;
    this.headers = options.headers ?? {};
    this.details = options.details;
    this.answered = options.answered;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], message = 'Validation failed') {
    super('VALIDATION_ERROR', 422, message, { errors });
  }
}

export class MalformedJsonError extends AppError {
  constructor(message = 'Malformed JSON in request body') {
    super('MALFORMED_JSON', 400, message);
  }
}

export class AuthRequiredError extends AppError {
  constructor(message = 'Authentication required') {
    super('AUTH_REQUIRED', 401, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class InvalidTokenError extends AppError {
  constructor(message = 'Invalid token', cause?: unknown) {
    super('INVALID_TOKEN', 401, message, {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      cause,
    });
  }
}

export class TokenExpiredError extends AppError {
  constructor(message = 'Token expired') {
    super('TOKEN_EXPIRED', 401, message, {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' },
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Insufficient permissions', code = 'FORBIDDEN') {
    super(code, 403, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super('NOT_FOUND', 404, message);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allowed: string[]) {
    super('METHOD_NOT_ALLOWED', 405, `Method ${method} is not allowed here; allowed: ${allowed.join(', ')}`, {
      headers: { Allow: allowed.join(', ') },
    });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message = 'Unsupported Content-Type: this route takes application/json') {
    super('UNSUPPORTED_MEDIA_TYPE', 415, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', 413, `Request body exceeds ${limitBytes} bytes`);
  }
}

export class RateLimitError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMIT_EXCEEDED', 429, 'Too many requests', {
      retryable: true,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, 503, message, { retryable: true, cause });
  }
}

export class InternalError extends AppError {
  constructor(cause?: unknown) {
    super('INTERNAL_ERROR', 500, 'Internal server error', { cause });
  }
}

export type ErrorBody = {
  error: string;
  code: string;
  timestamp: string;
  path: string;
  requestId: string;
  errors?: FieldError[];
};

/** Builds the envelope; a non-AppError never leaks its message or stack. */
export function toErrorBody(err: AppError, path: string, requestId: string, now: Date): ErrorBody {
  const body: ErrorBody = {
    error: err.message,
    code: err.code,
    timestamp: err.answered?.at ?? now.toISOString(),
    path: err.answered?.path ?? path,
    requestId,
  };
  if (err.errors?.length) body.errors = err.errors;
  // Details follow the envelope's own fields, as the first answer of a replayed refusal had them.
  return err.details ? ({ ...body, ...err.details } as ErrorBody) : body;
}

export function asAppError(err: unknown): AppError {
  return err instanceof AppError ? err : new InternalError(err);
}
