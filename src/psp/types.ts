import type { z } from 'zod';
/**
 * The one interface every PSP sits behind. Amounts are integer minor units;
 * wire formats stay inside each provider's folder. Expected outcomes (a decline, a 3-D Secure step) are
 * values; PspFailure says why the provider could not answer and whether trying again can help.
 */
export type PspId = 'stripe' | 'square';

export type PspChargeRequest = {
  transactionId: string;
  tenantId: string;
  amount: number;
  currency: string; // ISO 4217, upper case
  paymentMethodId: string;
  /** Deterministic, derived from our attempt id: a retry of the same attempt is the same PSP operation. */
  idempotencyKey: string;
  /** Connected account that receives the funds (Stripe Connect), when the venue has one. */
  connectedAccount?: string;
  /** Stripe Connect separate charges and transfers: the transfers that later pay this charge out share it. */
  transferGroup?: string;
  description?: string;
  returnUrl?: string;
  metadata?: Record<string, string>;
};

export type PspNextAction = { type: string; url?: string };

export type PspChargeOutcome =
  | { status: 'succeeded'; reference: string; chargeReference: string | null; amountReceived: number }
  | { status: 'processing'; reference: string }
  | { status: 'requires_action'; reference: string; nextAction: PspNextAction }
  | { status: 'declined'; reference: string | null; declineCode: string; message: string }
  | { status: 'canceled'; reference: string };

/**
 * An authorization (a hold on the customer's card, captured later): what PspChargeOutcome says of a charge, with
 * `authorized` in place of `succeeded`. `amountCapturable` is the most a capture may take, in minor units.
 */
export type PspAuthorizationOutcome =
  | { status: 'authorized'; reference: string; amountCapturable: number }
  | Exclude<PspChargeOutcome, { status: 'succeeded' }>;

export type PspRefundRequest = {
  transactionId: string;
  refundId: string;
  reference: string; // the PSP's payment reference (Stripe PaymentIntent id)
  amount: number;
  currency: string;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  idempotencyKey: string;
  connectedAccount?: string;
};

export type PspRefundOutcome = { status: 'succeeded' | 'pending' | 'failed'; reference: string; amount: number };

export type PspFailureKind = 'unavailable' | 'timeout' | 'rate_limited' | 'invalid_request' | 'authentication' | 'conflict';

export type PspFailure = {
  kind: PspFailureKind;
  /** True when the same request may succeed later (network, 5xx, 409, 429, timeout). */
  retryable: boolean;
  message: string;
  status?: number;
  code?: string;
};

export type PspResult<T> = { ok: true; value: T } | { ok: false; failure: PspFailure };

export interface PspAdapter {
  readonly id: PspId;
  charge(request: PspChargeRequest): Promise<PspResult<PspChargeOutcome>>;
  retrieveCharge(reference: string, connectedAccount?: string): Promise<PspResult<PspChargeOutcome>>;
  refund(request: PspRefundRequest): Promise<PspResult<PspRefundOutcome>>;
}

/**
 * A PSP notification in the common model. `transactionId`/`tenantId` come from metadata we set on the
 * PSP object; a notification without them cannot be routed and is kept as unmatched.
 */
type PspEventBase = {
  provider: PspId;
  eventId: string;
  type: string;
  transactionId: string | null;
  tenantId: string | null;
  occurredAt: number;
};

export type PspEvent =
  | (PspEventBase & { kind: 'payment'; reference: string; outcome: PspChargeOutcome })
  | (PspEventBase & {
      kind: 'refund';
      /** Our refund id when we created the refund; null for one made elsewhere (e.g. the PSP dashboard). */
      refundId: string | null;
      reference: string;
      paymentReference: string | null;
      amount: number;
      status: PspRefundOutcome['status'];
    })
  | (PspEventBase & { kind: 'other' });

/** A request the provider would refuse (or we refuse before calling it): the caller must change it. */
export function invalidRequest(code: string, message: string): { ok: false; failure: PspFailure } {
  return { ok: false, failure: { kind: 'invalid_request', retryable: false, code, message } };
}

/** A 2xx body that is not what the API documents: not retryable (a retry replays the same answer). */
export function unexpectedResponse(message: string): { ok: false; failure: PspFailure } {
  return { ok: false, failure: { kind: 'unavailable', retryable: false, code: 'unexpected_response', message } };
}

/**
 * A provider's answer read with its wire schema: another shape is an unexpected response, never a crash. Its
 * message comes from `describe`, given where the first field that does not fit is (` at rows.1.status`, or '').
 */
export function readAnswer<S extends z.ZodType>(schema: S, value: unknown, describe: (at: string) => string): PspResult<z.output<S>> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : unexpectedResponse(describe(issueAt(parsed.error)));
}

/** Where the first field that does not fit its schema is: ` at rows.1.status`, or '' when the whole value does not. */
export function issueAt(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
}
