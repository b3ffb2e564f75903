import { z } from '@hono/zod-openapi';

export const FieldErrorSchema = z.object({ field: z.string(), message: z.string() }).openapi('FieldError');

export const ErrorBodySchema = z
  .object({
    error: z.string().openapi({ example: 'Validation failed' }),
    code: z.string().openapi({ example: 'VALIDATION_ERROR' }),
    timestamp: z.string().openapi({ format: 'date-time' }),
    path: z.string().openapi({ example: '/api/v1/payments/process' }),
    requestId: z.string(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (e.g. malformed JSON)',
  401: 'AUTH_REQUIRED, INVALID_TOKEN or TOKEN_EXPIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'Conflict',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'VALIDATION_ERROR with field paths',
  429: 'RATE_LIMIT_EXCEEDED (see Retry-After)',
  500: 'INTERNAL_ERROR',
  503: 'Dependency unavailable',
};

/** The error responses a route can give, all in the one envelope. */
export function errorResponses<const S extends readonly number[]>(...statuses: S) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/json': { schema: ErrorBodySchema } } }]),
  ) as { [K in S[number]]: { description: string; content: { 'application/json': { schema: typeof ErrorBodySchema } } } };
}

export const BEARER_AUTH = [{ bearerAuth: [] }];
