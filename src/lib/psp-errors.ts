import type { PspFailure } from '../psp/types';
import { AppError } from './errors';

/**
 * A provider failure as the API reports it, the same on every path (ticket payments, refunds, checkout
 * sessions, QPay, recovery): the provider's refusal of the request is the caller's to fix (422
 * PSP_REQUEST_REJECTED); refused credentials, no answer or an unreadable answer are ours (502
 * PSP_UNAVAILABLE, retry with the same key). `field` names the part of the request the refusal is about.
 */
export function pspFailureError(provider: string, failure: PspFailure, field = 'psp_config'): AppError {
  if (failure.kind === 'invalid_request') {
    return new AppError('PSP_REQUEST_REJECTED', `${provider} rejected the request${failure.code ? ` (${failure.code})` : ''}`, {
      errors: [{ field, message: failure.message }],
    });
  }
  if (failure.kind === 'authentication') return new AppError('PSP_UNAVAILABLE', `${provider} refused our credentials`);
  return new AppError('PSP_UNAVAILABLE', `${provider} did not answer (${failure.kind}); retry with the same Idempotency-Key`);
}
