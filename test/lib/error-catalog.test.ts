import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { toAppError } from '../../src/app';
import { ERROR_CATALOG, type ErrorCode, isErrorCode } from '../../src/lib/error-catalog';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError, RateLimitError } from '../../src/lib/errors';
import { pspFailureError } from '../../src/lib/psp-errors';
import type { PspFailure } from '../../src/psp/types';

const codes = Object.keys(ERROR_CATALOG) as ErrorCode[];

describe('error catalog', () => {
  it('gives every code its catalog status and message, whatever the call site', () => {
    for (const code of codes) {
      const err = new AppError(code);
      expect([err.code, err.status, err.message]).toEqual([code, ERROR_CATALOG[code].status, ERROR_CATALOG[code].message]);
      expect(err.status, code).toBeGreaterThanOrEqual(400);
      expect(err.status, code).toBeLessThan(600);
    }
    expect(new AppError('PSP_UNAVAILABLE', 'Stripe timed out').status).toBe(502);
    expect(new NotFoundError('Transaction not found').status).toBe(404);
    expect(new PayloadTooLargeError(1024).message).toBe('Request body exceeds 1024 bytes');
  });

  it('marks as retryable exactly the codes the catalog says (a retry can succeed)', () => {
    const retryable = codes.filter((code) => new AppError(code).retryable).sort();
    expect(retryable).toEqual(
      [
        'AUTH_UNAVAILABLE',
        'DATABASE_UNAVAILABLE',
        'DUPLICATE_IN_PROGRESS',
        'PSP_UNAVAILABLE',
        'RATE_LIMIT_EXCEEDED',
        'WEBHOOK_NOT_READY',
      ].sort(),
    );
    expect(new RateLimitError(5).retryable).toBe(true);
  });

  it('knows its codes and nothing else', () => {
    expect(isErrorCode('PSP_UNAVAILABLE')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('PSP_DOWN')).toBe(false);
  });

  it('BAD_REQUEST alone follows the framework failure’s 4xx; anything else it would carry becomes 400', () => {
    expect(new BadRequestError(404, 'x').status).toBe(404);
    expect(new BadRequestError(302, 'x').status).toBe(400);
    expect(toAppError(new HTTPException(408, { message: 'slow' }))).toMatchObject({ code: 'BAD_REQUEST', status: 408 });
    expect(toAppError(new HTTPException(413))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    expect(toAppError(new HTTPException(503, { message: 'secret detail' }))).toMatchObject({
      code: 'INTERNAL_ERROR',
      status: 500,
      message: 'Internal server error',
    });
  });
});

describe('a PSP failure maps the same way on every path', () => {
  const failure = (kind: PspFailure['kind'], retryable: boolean, code?: string): PspFailure => ({ kind, retryable, message: 'm', code });

  it('a refusal of the request is the caller’s (422 PSP_REQUEST_REJECTED naming the field)', () => {
    const err = pspFailureError('stripe', failure('invalid_request', false, 'amount_too_small'), 'paymentMethod');
    expect([err.status, err.code, err.message]).toEqual([422, 'PSP_REQUEST_REJECTED', 'stripe rejected the request (amount_too_small)']);
    expect(err.errors).toEqual([{ field: 'paymentMethod', message: 'm' }]);
    expect(pspFailureError('adyen', failure('invalid_request', false)).errors).toEqual([{ field: 'psp_config', message: 'm' }]);
  });

  it('no answer, an unreadable answer or refused credentials are ours: 502 PSP_UNAVAILABLE', () => {
    for (const [kind, retryable] of [
      ['timeout', true],
      ['unavailable', true],
      ['rate_limited', true],
      ['conflict', true],
      ['unavailable', false],
      ['authentication', false],
    ] as const) {
      const err = pspFailureError('paypal', failure(kind, retryable));
      expect([err.status, err.code], kind).toEqual([502, 'PSP_UNAVAILABLE']);
    }
  });
});
