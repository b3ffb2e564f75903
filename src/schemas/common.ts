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

/**
 * Nesting depth of a JSON value — a scalar is 0, `{}` or `[]` is 1, `{"a":[1]}` is 2 — counted with a
 * loop, not recursion, and only as far as `limit + 1`, so any input is safe to measure.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Bounds a free-form field (a record or unknown the schema does not describe further): deeper than
 * `maxDepth` or more than `maxBytes` as UTF-8 JSON is a 422 on that field. Free-form values are
 * stored, fingerprinted and sent to objects whole, so their cost must not be the client's choice.
 */
export function boundedFreeForm<T extends z.ZodType>(schema: T, bounds: JsonBounds): T {
  return schema.superRefine((value, ctx) => {
    const problem = boundsProblem(value, bounds);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }) as T;
}

/**
 * A typed field whose JSON as sent is bounded before the schema parses it (and strips unknown keys), so
 * an oversized or over-deep value is refused, not quietly cut down. The document shows the typed schema.
 */
export function boundedBeforeParse<T extends z.ZodType>(schema: T, bounds: JsonBounds) {
  return z.preprocess((value, ctx) => {
    const problem = boundsProblem(value, bounds);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return value;
  }, schema);
}

type JsonBounds = { maxDepth: number; maxBytes: number };

/** Why `value` exceeds the bounds (depth first: measuring the size of a deep value is what the bound avoids), or null. */
function boundsProblem(value: unknown, bounds: JsonBounds): string | null {
  if (value === undefined) return null;
  if (jsonDepthExceeds(value, bounds.maxDepth)) return `must be at most ${bounds.maxDepth} levels deep`;
  const json = JSON.stringify(value);
  if (json !== undefined && new TextEncoder().encode(json).length > bounds.maxBytes)
    return `must be at most ${bounds.maxBytes} bytes as JSON`;
  return null;
}
