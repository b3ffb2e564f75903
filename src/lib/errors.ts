/**
 * The one error family. Every failure a client can see is an AppError with a code from the catalog
 * (lib/error-catalog.ts); `renderError` in app.ts turns it into the single envelope.
 */
import { ERROR_CATALOG, type ErrorCode } from './error-catalog';

export type { ErrorCode } from './error-catalog';

export type FieldError = { field: string; message: string };

export type AppErrorOptions = {
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
  /** Fields the envelope carries after its own (a decline code, the transaction id). */
  details?: Record<string, unknown>;
  /** A stored answer being replayed: the time and path it was first given with, which its envelope keeps. */
  answered?: { at: string; path: string };
};

/**
 * A failure the client sees: a catalog code, its one status, and a message (the catalog's when none is
 * given). Retryable is the catalog's too, so the same code never says two different things.
 */
export class AppError extends Error {
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly retryable: boolean;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;
  readonly answered: { at: string; path: string } | undefined;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    options: AppErrorOptions = {},
  ) {
    const spec = ERROR_CATALOG[code];
    super(message ?? spec.message, { cause: options.cause });
    this.name = new.target.name;
    this.status = spec.status;
    this.errors = options.errors;
    this.retryable = 'retryable' in spec;
    this.headers = options.headers ?? {};
    this.details = options.details;
    this.answered = options.answered;
  }
}

/** An unreadable request the framework refused with its own 4xx: the one code whose status follows the failure. */
export class BadRequestError extends AppError {
  override readonly status: number;

  constructor(status: number, message: string) {
    super('BAD_REQUEST', message);
    this.status = status >= 400 && status < 500 ? status : 400;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], message?: string) {
    super('VALIDATION_ERROR', message, { errors });
  }
}

export class MalformedJsonError extends AppError {
  constructor(message?: string) {
    super('MALFORMED_JSON', message);
  }
}

export class AuthRequiredError extends AppError {
  constructor(message?: string) {
    super('AUTH_REQUIRED', message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class InvalidTokenError extends AppError {
  constructor(message?: string, cause?: unknown) {
    super('INVALID_TOKEN', message, { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' }, cause });
  }
}

export class TokenExpiredError extends AppError {
  constructor(message?: string) {
    super('TOKEN_EXPIRED', message, {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' },
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(message?: string) {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message?: string) {
    super('NOT_FOUND', message);
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allowed: string[]) {
    super('METHOD_NOT_ALLOWED', `Method ${method} is not allowed here; allowed: ${allowed.join(', ')}`, {
      headers: { Allow: allowed.join(', ') },
    });
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(message?: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes?: number) {
    super('PAYLOAD_TOO_LARGE', limitBytes === undefined ? undefined : `Request body exceeds ${limitBytes} bytes`);
  }
}

export class RateLimitError extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMIT_EXCEEDED', undefined, { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

export class InternalError extends AppError {
  constructor(cause?: unknown) {
    super('INTERNAL_ERROR', undefined, { cause });
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
