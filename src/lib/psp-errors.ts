import type { PspFailure } from '../psp/types';
import type { ErrorCode } from './error-catalog';
import { AppError, type FieldError } from './errors';

export type PspRefusal = { code: ErrorCode; message: string; errors?: FieldError[] };

/**
 * A provider failure as the API reports it, the same on every path (ticket payments, refunds, checkout
 * sessions, QPay, recovery): the provider's refusal of the request is the caller's to fix (422
 * PSP_REQUEST_REJECTED); refused credentials, no answer or an unreadable answer are ours (502
 * PSP_UNAVAILABLE, retry with the same key). `field` names the part of the request the refusal is about.
 */
export function pspFailureRefusal(provider: string, failure: PspFailure, field = 'psp_config'): PspRefusal {
  if (failure.kind === 'invalid_request') {
    return {
      code: 'PSP_REQUEST_REJECTED',
      message: `${provider} rejected the request${failure.code ? ` (${failure.code})` : ''}`,
      errors: [{ field, message: failure.message }],
    };
  }
  if (failure.kind === 'authentication') return { code: 'PSP_UNAVAILABLE', message: `${provider} refused our credentials` };
  return { code: 'PSP_UNAVAILABLE', message: `${provider} did not answer (${failure.kind}); retry with the same Idempotency-Key` };
}

export function pspFailureError(provider: string, failure: PspFailure, field?: string): AppError {
  const refusal = pspFailureRefusal(provider, failure, field);
  return new AppError(refusal.code, refusal.message, { errors: refusal.errors });
}
