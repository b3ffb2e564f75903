import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { toAppError } from '../../src/app';
import { AuthRequiredError, InternalError, RateLimitError, toErrorBody, ValidationError } from '../../src/lib/errors';

describe('error envelope', () => {
  const now = new Date('2026-01-02T03:04:05.000Z');

  it('renders code, message, path, request id and field errors', () => {
    const err = new ValidationError([{ field: 'tickets.0.quantity', message: 'must be less than or equal to 10' }]);
    expect(toErrorBody(err, '/api/v1/payments/process', 'req-1', now)).toEqual({
      error: 'Validation failed',
      code: 'VALIDATION_ERROR',
      timestamp: '2026-01-02T03:04:05.000Z',
      path: '/api/v1/payments/process',
      requestId: 'req-1',
      errors: [{ field: 'tickets.0.quantity', message: 'must be less than or equal to 10' }],
    });
    expect(err.status).toBe(422);
  });

  it('omits errors when there are none', () => {
    expect(toErrorBody(new AuthRequiredError(), '/x', 'r', now)).not.toHaveProperty('errors');
  });

  it('carries Retry-After on rate limits', () => {
    expect(new RateLimitError(60).headers['Retry-After']).toBe('60');
  });
});

describe('toAppError', () => {
  it('maps Hono’s malformed-JSON exception to 400 MALFORMED_JSON', () => {
    const err = toAppError(new HTTPException(400, { message: 'Malformed JSON in request body' }));
    expect([err.status, err.code]).toEqual([400, 'MALFORMED_JSON']);
  });

  it('turns anything unknown into 500 INTERNAL_ERROR without its message', () => {
    const err = toAppError(new Error('connection string postgres://user:pw@host'));
    expect(err).toBeInstanceOf(InternalError);
    expect([err.status, err.code, err.message]).toEqual([500, 'INTERNAL_ERROR', 'Internal server error']);
  });
});
