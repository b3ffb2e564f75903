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
  context: ProcessContext;
};

/** Request facts the pre-charge checks read besides the body: headers and Cloudflare's view of the client. */
export type ProcessContext = { accessToken?: string; verificationToken?: string; ip?: string; userAgent?: string; cfBotScore?: number };

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
  /** RATE_LIMIT_EXCEEDED: when the window frees, for the Retry-After header. */
  retryAfterSeconds?: number;
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
  // Absent from events written before the fraud checks recorded them.
  deviceFingerprint: z.string().nullable().default(null),
  paymentMethodFingerprint: z.string().nullable().default(null),
  refundedAmount: z.number().int(),
  // The order's mint job (named once paid, when a chain is configured) and its tickets once issued.
  mintJobId: z.string().nullable().default(null),
  ticketIds: z.array(z.string()).nullable().default(null),
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

const Score = z.number().min(0).max(1);

/**
 * `risk.assessed`: what the pre-charge checks found for one attempt, whether it went on to the charge or
 * was refused (and by which step). Projected to fraud_checks, bot_detections and device_activity.
 */
export const RiskAssessedPayload = z.object({
  tenantId: z.string().min(1),
  transactionId: z.string().min(1),
  userId: z.string().min(1),
  eventId: z.string().min(1),
  at: z.iso.datetime(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  deviceFingerprint: z.string().nullable(),
  refusedBy: z.string().nullable(),
  bot: z.object({ id: z.uuid(), score: Score, isBot: z.boolean(), indicators: z.array(z.string()) }).nullable(),
  fraud: z
    .object({
      id: z.uuid(),
      score: Score,
      decision: z.enum(['approve', 'review', 'challenge', 'decline']),
      signals: z.array(z.object({ name: z.string(), weight: z.number(), detail: z.string() })),
      challengePassed: z.boolean(),
      velocity: z.array(z.object({ kind: z.string(), ok: z.boolean(), rule: z.string().optional(), retryAfterMs: z.number().optional() })),
    })
    .nullable(),
  deviceActivityId: z.uuid().nullable(),
});
export type RiskAssessedPayload = z.infer<typeof RiskAssessedPayload>;
