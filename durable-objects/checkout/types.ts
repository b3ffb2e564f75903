import type { LedgerLine } from '../../src/domain/ledger';
import type { CheckoutProvider, CheckoutStatus, JsonValue } from '../../src/psp/checkout';
import type { PspFailure } from '../../src/psp/types';

/** The command and result types of CheckoutSessionDO's RPC methods, and the payload of its outbox event. */

export type CheckoutPurpose = 'checkout' | 'qpay_invoice' | 'verification' | 'recovery';

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

export type CheckoutRefundView = {
  refundId: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  providerRefundId: string | null;
  createdAt: number;
  updatedAt: number;
};

export type CheckoutSessionView = {
  sessionId: string;
  tenantId: string;
  provider: CheckoutProvider;
  purpose: CheckoutPurpose;
  providerSessionId: string;
  checkoutUrl: string;
  status: CheckoutStatus;
  amount: number;
  currency: string;
  amountPaid: number;
  amountRefunded: number;
  paymentReference: string | null;
  merchantAccount: string;
  merchantId: string | null;
  metadata: Record<string, string>;
  details: Record<string, JsonValue>;
  successUrl: string;
  cancelUrl: string;
  expiresAt: number | null;
  paidAt: number | null;
  createdAt: number;
  updatedAt: number;
  version: number;
  refunds: CheckoutRefundView[];
};

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
export type CheckoutProjection = {
  session: Omit<CheckoutSessionView, 'refunds' | 'details'>;
  refunds: CheckoutRefundView[];
  ledger: LedgerLine[];
};
