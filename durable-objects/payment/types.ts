import { z } from 'zod';
import type { FeeBreakdown } from '../../src/domain/fees';
import { LedgerLine } from '../../src/domain/ledger';
import type { Minor } from '../../src/domain/money';
import { PAYMENT_STATES } from '../../src/domain/payment-state';
import type { ErrorCode } from '../../src/lib/error-catalog';
import type { FieldError } from '../../src/lib/errors';
import type { PspNextAction } from '../../src/psp/types';
import type { ProcessPaymentBody } from '../../src/schemas/payments';

/**
 * PaymentDO's contract: the inputs and results of its RPC methods, and the schemas of its outbox payloads
 * (the object's types are inferred from them, and the outbox consumer parses with them).
 */

export type ProcessInput = {
  transactionId: string;
  tenantId: string;
  userId: string;
  idempotencyKey: string;
  fingerprint: string;
  request: ProcessPaymentBody;
  requestId: string;
  path: string;
  context: { accessToken?: string; ip?: string; userAgent?: string };
};

export type RefundInput = {
  tenantId: string;
  userId: string;
  isAdmin: boolean;
  idempotencyKey: string;
  fingerprint: string;
  amount?: number;
  reason?: string;
  requestId: string;
  path: string;
};

/** Facts that go with a refusal, after the envelope's own fields, in this order. */
export type RefusalDetails = { transactionId?: string; nextAction?: PspNextAction; declineCode?: string; refundId?: string };

/** Why the object said no: a catalog code (which fixes the status) that the Worker turns into its error. */
export type PaymentRefusal = {
  code: ErrorCode;
  message: string;
  errors?: FieldError[];
  details?: RefusalDetails;
};

/** What a handler returns, before the idempotency record stamps and stores it. */
export type Reply = { ok: true; status: 200 | 202; body: unknown } | { ok: false; refusal: PaymentRefusal };

/**
 * What process() and refund() return. A success carries its body as the JSON text that was stored, so a
 * replay is byte for byte the first answer; a refusal carries when and for which path it was first given,
 * so the Worker renders a replayed refusal as it rendered the first one.
 */
export type PaymentResult =
  | { ok: true; status: 200 | 202; body: string; replayed: boolean }
  | { ok: false; refusal: PaymentRefusal & { answeredAt: string; path: string }; replayed: boolean };

export type ReconcileAction = 'none' | 'expired' | 'converged' | 'abandoned' | 'unchanged';
export type PspEventStatus = 'applied' | 'parked' | 'stale' | 'ignored' | 'duplicate' | 'unknown_transaction';

const minor = z.custom<Minor>((v) => Number.isSafeInteger(v), 'integer minor units');

export const Fees = z.object({
  ticketPrice: minor,
  platformFee: minor,
  gasEstimate: minor,
  stateTax: minor,
  localTax: minor,
  specialTax: minor,
  totalTax: minor,
  total: minor,
}) satisfies z.ZodType<FeeBreakdown>;
export type Fees = FeeBreakdown;

/** The payment as every `payment.*` event carries it; projections are versioned upserts of it. */
export const PaymentSnapshot = z.object({
  transactionId: z.string().min(1),
  tenantId: z.string().min(1),
  userId: z.string().min(1),
  venueId: z.string().min(1),
  eventId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  state: z.enum(PAYMENT_STATES),
  status: z.string().min(1),
  amount: z.number().int(),
  currency: z.string().min(1),
  fees: Fees,
  provider: z.string().min(1),
  pspReference: z.string().nullable(),
  paymentMethodId: z.string(),
  refundedAmount: z.number().int(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type PaymentSnapshot = z.infer<typeof PaymentSnapshot>;

/** `payment.succeeded`: the snapshot, the PSP's processing cost and the sale's ledger lines. */
export const PaymentSucceededPayload = PaymentSnapshot.extend({ processingCost: z.number().int(), ledger: z.array(LedgerLine) });

export const RefundSnapshot = z.object({
  refundId: z.string().min(1),
  transactionId: z.string().min(1),
  tenantId: z.string().min(1),
  amount: z.number().int(),
  reason: z.string().nullable(),
  status: z.enum(['processing', 'pending', 'completed', 'failed']),
  pspReference: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type RefundSnapshot = z.infer<typeof RefundSnapshot>;

/** `refund.created` / `refund.failed`: the refund and the payment as it now stands. */
export const RefundEventPayload = z.object({ refund: RefundSnapshot, payment: PaymentSnapshot });
/** `refund.succeeded`: and the refund's ledger lines. */
export const RefundSucceededPayload = RefundEventPayload.extend({ ledger: z.array(LedgerLine) });
export type RefundEventPayload = z.infer<typeof RefundEventPayload> & { ledger?: LedgerLine[] };
