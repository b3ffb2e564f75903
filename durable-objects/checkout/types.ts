import { z } from 'zod';
import { CHECKOUT_STATUSES, type CheckoutStatus } from '../../src/domain/checkout';
import { LedgerLine } from '../../src/domain/ledger';
import type { CheckoutProvider, JsonValue } from '../../src/psp/checkout';
import { PSP_PROVIDERS } from '../../src/psp/registry';
import type { PspFailure } from '../../src/psp/types';

/**
 * The command and result types of CheckoutSessionDO's RPC methods, and the schema of its outbox event's
 * payload: the object's type and what the outbox consumer parses with are the same declaration.
 */

export const CHECKOUT_PURPOSES = ['checkout', 'qpay_invoice', 'verification', 'recovery'] as const;
export type CheckoutPurpose = (typeof CHECKOUT_PURPOSES)[number];

export type CreateCheckoutCommand = {
  sessionId: string;
  tenantId: string;
  provider: CheckoutProvider;
  purpose: CheckoutPurpose;
  amount: number;
  currency: string;
  merchantAccount: string;
  merchantId: string | null;
  description: string;
  metadata: Record<string, string>;
  successUrl: string;
  cancelUrl: string;
  customerEmail?: string;
  /** Our own lifetime (NoTap: 300 s); null → the provider's default expiry (asked for 24 h). */
  ttlSeconds: number | null;
  /** Public base URL of this deployment, for per-request notification URLs. */
  publicBaseUrl: string;
  /** SHA-256 of the canonical request, to tell a replay from a different request under the same key. */
  requestHash: string;
};

export const CheckoutRefundView = z.object({
  refundId: z.string().min(1),
  amount: z.number().int(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  providerRefundId: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type CheckoutRefundView = z.infer<typeof CheckoutRefundView>;

/** The session as it is projected: everything but the provider's details and the refunds. */
export const CheckoutSessionRow = z.object({
  sessionId: z.string().min(1),
  tenantId: z.string().min(1),
  provider: z.enum(PSP_PROVIDERS),
  purpose: z.enum(CHECKOUT_PURPOSES),
  providerSessionId: z.string(),
  checkoutUrl: z.string(),
  status: z.enum(CHECKOUT_STATUSES),
  amount: z.number().int(),
  currency: z.string().min(1),
  amountPaid: z.number().int(),
  amountRefunded: z.number().int(),
  paymentReference: z.string().nullable(),
  merchantAccount: z.string(),
  merchantId: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  successUrl: z.string(),
  cancelUrl: z.string(),
  expiresAt: z.number().nullable(),
  paidAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number().int(),
});
export type CheckoutSessionRow = z.infer<typeof CheckoutSessionRow>;

export type CheckoutSessionView = CheckoutSessionRow & { details: Record<string, JsonValue>; refunds: CheckoutRefundView[] };

export type CreateCheckoutResult =
  | { kind: 'created' | 'replayed'; view: CheckoutSessionView }
  | { kind: 'conflict' }
  | { kind: 'not_configured' }
  | { kind: 'failed'; failure: PspFailure };

export type RefundCheckoutCommand = { tenantId: string; refundId: string; amount: number | null; requestHash: string };
export type RefundCheckoutResult =
  | { kind: 'refunded' | 'replayed'; refund: CheckoutRefundView; view: CheckoutSessionView }
  | { kind: 'not_found' | 'conflict' | 'not_configured' }
  | { kind: 'not_refundable'; status: CheckoutStatus }
  | { kind: 'exceeds'; refundable: number }
  | { kind: 'failed'; provider: CheckoutProvider; failure: PspFailure };

export type NotificationResult = 'applied' | 'unchanged' | 'duplicate' | 'unknown_session' | 'not_ready' | 'check_failed';

/** Outbox payload of `checkout.updated`: the projection row, the money moved by this change, and the refunds. */
export const CheckoutProjection = z.object({
  session: CheckoutSessionRow,
  refunds: z.array(CheckoutRefundView),
  ledger: z.array(LedgerLine),
});
export type CheckoutProjection = z.infer<typeof CheckoutProjection>;
