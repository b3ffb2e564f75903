import { publicFees } from '../../src/domain/fees';
import { toApiStatus } from '../../src/domain/payment-state';
import { ERROR_CATALOG, type ErrorCode } from '../../src/lib/error-catalog';
import type { FieldError } from '../../src/lib/errors';
import type { StoredAnswer } from '../idempotency';
import type { PaymentRow } from './schema';
import type { Fees, PaymentRefusal, PaymentResult, RefusalDetails, Reply } from './types';

type StampedRefusal = Extract<PaymentResult, { ok: false }>['refusal'];
type Answer = { ok: true; status: 200 | 202; body: string } | { ok: false; refusal: StampedRefusal };

/** A handler's reply as it is kept: a success's body serialized once, a refusal with when and for which path it was given. */
export function stamp(reply: Reply, path: string, at: Date): Answer {
  if (reply.ok) return { ok: true, status: reply.status, body: JSON.stringify(reply.body) };
  return { ok: false, refusal: { ...reply.refusal, answeredAt: at.toISOString(), path } };
}

/** A refusal answered at once and not kept (the key is busy, or was used for another body). */
export function refused(path: string, reply: { refusal: PaymentRefusal }): PaymentResult {
  return { ...stamp({ ok: false, refusal: reply.refusal }, path, new Date()), replayed: false } as PaymentResult;
}

/** What the idempotency record stores: the status and the text to answer with again. */
export function answerOf(answer: Answer): StoredAnswer {
  if (answer.ok) return { status: answer.status, body: answer.body };
  return { status: ERROR_CATALOG[answer.refusal.code].status, body: JSON.stringify(answer.refusal) };
}

/** A stored answer back as a result; refusals stored before they were kept as such hold the rendered envelope. */
export function resultOf(stored: StoredAnswer): Answer {
  if (stored.status < 400) return { ok: true, status: stored.status as 200 | 202, body: stored.body };
  const kept = JSON.parse(stored.body) as Record<string, unknown>;
  if (!('timestamp' in kept)) return { ok: false, refusal: kept as StampedRefusal };
  const { error, code, timestamp, path, requestId: _r, errors, ...details } = kept;
  return {
    ok: false,
    refusal: {
      code: String(code) as ErrorCode,
      message: String(error),
      ...(errors ? { errors: errors as FieldError[] } : {}),
      ...(Object.keys(details).length ? { details: details as RefusalDetails } : {}),
      answeredAt: String(timestamp),
      path: String(path),
    },
  };
}

/** A refusal as a handler replies it: the catalog code fixes the status. */
export function refusal(code: PaymentRefusal['code'], message: string, extra: Partial<PaymentRefusal> = {}): Reply {
  return { ok: false, refusal: { code, message, ...extra } };
}

/** The PSP did not answer: nothing is settled, and a retry with the same key repeats the same PSP operation. */
export function pspDidNotAnswer(details?: RefusalDetails): Reply {
  const { message } = ERROR_CATALOG.PSP_UNAVAILABLE;
  return { ok: false, refusal: { code: 'PSP_UNAVAILABLE', message, ...(details ? { details } : {}) } };
}

/**
 * The success body of a payment request (200, or 202 while the PSP is still processing). A paid order's
 * tickets are minted after the reply: `nftStatus` is "queued" and the job is named in the metadata (null
 * while unpaid, or when no chain is configured).
 */
export function successBody(row: PaymentRow) {
  return {
    success: true,
    transaction: {
      id: row.transaction_id,
      amount: row.amount,
      currency: row.currency,
      status: toApiStatus(row.state),
      stripePaymentIntentId: row.provider === 'stripe' ? row.psp_reference : null,
      metadata: row.mint_job_id ? { mintJobId: row.mint_job_id } : {},
    },
    fees: publicFees(JSON.parse(row.fees) as Fees),
    nftStatus: row.mint_job_id ? ('queued' as const) : null,
  };
}
