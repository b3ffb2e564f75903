/**
 * Every code the API can put in an error envelope, each with its one HTTP status and default message.
 * `AppError` takes its status from here, so a code cannot be sent with two statuses; the README's
 * "Errors" table is checked against this list by test/lib/error-codes.test.ts.
 */
/**
 * `curedByRetry`: a refusal the same request can pass later (after Retry-After, or sent again with the token
 * or verification it lacked); an idempotency record does not keep it, or it would replay the refusal to
 * exactly the retry it invites.
 */
type ErrorSpec = { status: number; message: string; retryable?: true; curedByRetry?: true };

export const ERROR_CATALOG = {
  VALIDATION_ERROR: { status: 422, message: 'Validation failed' },
  MALFORMED_JSON: { status: 400, message: 'Malformed JSON in request body' },
  // The one code whose status follows the failure: an unreadable request the framework refused with another 4xx.
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported Content-Type: this route takes application/json' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  AUTH_REQUIRED: { status: 401, message: 'Authentication required' },
  INVALID_TOKEN: { status: 401, message: 'Invalid token' },
  TOKEN_EXPIRED: { status: 401, message: 'Token expired' },
  AUTH_UNAVAILABLE: { status: 503, message: 'Token signing keys are unavailable', retryable: true },
  FORBIDDEN: { status: 403, message: 'Insufficient permissions' },
  RATE_LIMIT_EXCEEDED: { status: 429, message: 'Too many requests', retryable: true, curedByRetry: true },
  IDEMPOTENCY_KEY_MISSING: { status: 400, message: 'Idempotency-Key header is required' },
  IDEMPOTENCY_KEY_INVALID: { status: 400, message: 'Idempotency-Key must be a UUID v4' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This key was used with a different request' },
  DUPLICATE_IN_PROGRESS: { status: 409, message: 'A request with this Idempotency-Key is still being processed', retryable: true },
  PURCHASE_LIMIT_EXCEEDED: { status: 403, message: 'Purchase limit exceeded' },
  QUEUE_TOKEN_REQUIRED: {
    status: 403,
    message: 'This event sells through its waiting room: join it and send x-access-token',
    curedByRetry: true,
  },
  INVALID_ACCESS_TOKEN: { status: 403, message: 'The waiting-room access token is not valid for this purchase', curedByRetry: true },
  BOT_DETECTED: { status: 403, message: 'Automated purchase activity was detected' },
  FRAUD_DETECTED: { status: 403, message: 'This purchase cannot be completed' },
  VERIFICATION_REQUIRED: {
    status: 403,
    message: 'Complete a step-up verification and retry with x-verification-token',
    curedByRetry: true,
  },
  PAYMENT_FAILED: { status: 402, message: 'The payment failed' },
  PAYMENT_REQUIRES_ACTION: { status: 402, message: 'The customer must complete an authentication step' },
  PSP_UNAVAILABLE: { status: 502, message: 'The payment provider did not answer; retry with the same Idempotency-Key', retryable: true },
  PSP_NOT_CONFIGURED: { status: 503, message: 'The payment provider is not configured for this deployment' },
  PSP_REQUEST_REJECTED: { status: 422, message: 'The payment provider rejected the request' },
  REFUND_EXCEEDS_ORIGINAL: { status: 400, message: 'The refund is more than what is left of the payment' },
  INVALID_STATE_TRANSITION: { status: 409, message: 'Not allowed in the current state' },
  INSUFFICIENT_FUNDS: { status: 400, message: 'The amount is more than the payable balance' },
  PAYOUT_LIMIT_EXCEEDED: { status: 400, message: "The amount is more than what is left of today's payout limit" },
  LISTING_UNAVAILABLE: { status: 409, message: 'This listing is no longer available' },
  TICKET_NOT_TRANSFERABLE: { status: 409, message: 'This ticket cannot be listed or transferred now' },
  WEBHOOK_SIGNATURE_INVALID: { status: 400, message: 'Webhook verification failed' },
  WEBHOOK_PAYLOAD_INVALID: { status: 400, message: 'Webhook payload is not a well-formed event' },
  WEBHOOK_NOT_CONFIGURED: { status: 503, message: 'Webhooks of this provider are not configured' },
  WEBHOOK_NOT_READY: { status: 503, message: 'The notification could not be confirmed yet; it will be retried', retryable: true },
  TAX_NOT_CONFIGURED: { status: 503, message: 'Tax profiles cannot be saved: this deployment has no TIN encryption key' },
  INSUFFICIENT_FACTORS: { status: 422, message: 'The user must have at least 2 factors enrolled' },
  FACTOR_MISMATCH: { status: 422, message: 'The value does not match' },
  SESSION_EXPIRED: { status: 410, message: 'This verification session has expired; initiate a new one' },
  VERIFICATION_LOCKED: { status: 423, message: 'This verification session is locked' },
  USER_LOCKED: { status: 423, message: 'Too many wrong factor values for this user; try again later' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'Database unavailable', retryable: true },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
export type ErrorStatus = (typeof ERROR_CATALOG)[ErrorCode]['status'];

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, value);
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOG[code];
}
