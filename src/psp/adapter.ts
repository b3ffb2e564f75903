import type { RecoveryStripeEvent } from '../../durable-objects/recovery/types';
import type { CheckoutCapability, CheckoutNotification, InboundNotification, NotificationContext, NotifyingCheckout } from './checkout';
import type {
  PspAuthorizationOutcome,
  PspChargeOutcome,
  PspChargeRequest,
  PspEvent,
  PspRefundOutcome,
  PspRefundRequest,
  PspResult,
} from './types';

/**
 * The one adapter family every PSP sits behind. A provider offers some of these
 * capabilities; what it lacks is absent, so `adapter.payments` (or hasCapability) is the typed way to ask.
 * Wire formats stay inside each provider's folder; amounts are integer minor units.
 */

/** Ticket payments: a server-side charge, its read-back, and refunds of it. */
export interface PaymentsCapability {
  charge(request: PspChargeRequest): Promise<PspResult<PspChargeOutcome>>;
  retrieveCharge(reference: string, connectedAccount?: string): Promise<PspResult<PspChargeOutcome>>;
  refund(request: PspRefundRequest): Promise<PspResult<PspRefundOutcome>>;
}

/**
 * Separate authorization and capture: `authorize` holds the amount on the customer's card (a charge request
 * that takes nothing yet), `capture` takes all of it or less (the rest is released), `cancelAuthorization`
 * releases it all. Amounts are minor units of `currency`; each call carries the caller's deterministic
 * idempotency key, so a retry is the same operation. cancelAuthorization answers `succeeded` when the payment
 * was captured before it could be canceled (it then needs a refund instead).
 */
export interface AuthorizationCapability {
  authorize(request: PspChargeRequest): Promise<PspResult<PspAuthorizationOutcome>>;
  capture(input: {
    reference: string;
    amount?: number;
    currency: string;
    idempotencyKey: string;
    connectedAccount?: string;
  }): Promise<PspResult<PspChargeOutcome>>;
  cancelAuthorization(input: {
    reference: string;
    idempotencyKey: string;
    connectedAccount?: string;
    reason?: 'abandoned' | 'requested_by_customer';
  }): Promise<PspResult<{ status: 'canceled' | 'succeeded'; reference: string }>>;
}

export type PaymentLinkInput = {
  amount: number;
  currency: string;
  description: string;
  metadata: Record<string, string>;
  idempotencyKey: string;
};

/** A reusable payment link for an amount (payment recovery). */
export interface PaymentLinkCapability {
  createPaymentLink(input: PaymentLinkInput): Promise<PspResult<{ id: string; url: string }>>;
}

/** A hosted session as the provider shows it, read by the provider's own id (recovery's status route). */
export type HostedSessionView = {
  id: string;
  status: 'open' | 'complete' | 'expired' | null;
  paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  /** Minor units of `currency`; null when the provider's amount is absent or not exact in it. */
  amountTotal: number | null;
  /** ISO 4217, upper case. */
  currency: string | null;
  metadata: Record<string, string>;
};

export interface SessionLookupCapability {
  lookupSession(reference: string): Promise<PspResult<HostedSessionView>>;
}

/** A payment request read by the provider's id (QPay invoices): who made it and what it asks. */
export type InvoiceSummary = { invoiceId: string; senderInvoiceNo: string | null; status: string; amount: number };

export interface InvoiceCapability {
  invoice(invoiceId: string): Promise<PspResult<InvoiceSummary>>;
}

/** A payout from a connected account's balance to its bank (Stripe Connect: `Stripe-Account` on POST /v1/payouts). */
export type PayoutInput = {
  /** The connected account paid out (acct_…). */
  account: string;
  amount: number;
  currency: string;
  method: 'standard' | 'instant';
  /** Deterministic from our payout id: a retry is the same payout. */
  idempotencyKey: string;
  /** Our routing ids (tenant, venue, payout), carried back by the payout's events. */
  metadata: Record<string, string>;
  description?: string;
};

export type PayoutView = {
  id: string;
  status: 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
  amount: number;
  currency: string;
  /** Expected arrival (ms since epoch), when the provider gives one. */
  arrivalDate: number | null;
  failureCode: string | null;
  failureMessage: string | null;
};

/**
 * A transfer between the platform and a connected account: to `destination` from the platform's balance, or,
 * with `fromAccount`, from that connected account to the platform (an account debit: the request is made as
 * `fromAccount` and `destination` is the platform's own account id).
 */
export type TransferInput = {
  destination: string;
  amount: number;
  currency: string;
  transferGroup?: string;
  /** The charge (ch_…) whose funds pay it, so the transfer waits for them rather than for the platform's balance. */
  sourceTransaction?: string;
  fromAccount?: string;
  idempotencyKey: string;
  metadata: Record<string, string>;
};

export type TransferView = { id: string; amount: number; currency: string; destination: string; transferGroup: string | null };

/** Stripe Connect money out: payouts of connected accounts and transfers between them and the platform. */
export interface ConnectCapability {
  createPayout(input: PayoutInput): Promise<PspResult<PayoutView>>;
  createTransfer(input: TransferInput): Promise<PspResult<TransferView>>;
  /**
   * The metadata of a PaymentIntent (our routing ids), for events that carry only its id, such as disputes;
   * `account` when it was made on a connected account.
   */
  paymentMetadata(paymentIntentId: string, account?: string): Promise<PspResult<Record<string, string>>>;
}

/**
 * Connect notifications in the common model: a payout's outcome (`payout.paid`, `payout.failed`, …) and a
 * dispute on a charge (`charge.dispute.created`, `charge.dispute.closed`, …). `account` is the connected
 * account the event happened on (null for the platform's own).
 */
export type ConnectEvent =
  | {
      kind: 'payout';
      eventId: string;
      type: string;
      occurredAt: number;
      account: string | null;
      payout: PayoutView;
      metadata: Record<string, string>;
    }
  | {
      kind: 'dispute';
      eventId: string;
      type: string;
      occurredAt: number;
      account: string | null;
      disputeId: string;
      paymentIntentId: string | null;
      chargeId: string;
      amount: number;
      currency: string;
      /** Stripe's dispute status: warning_needs_response, needs_response, under_review, won, lost, … */
      status: string;
      reason: string;
      /** True once the dispute is decided (won or lost). */
      closed: boolean;
    };

/** The recovery transaction a notification names, with the event its object applies. */
export type RecoveryRoute = { tenantId: string; transactionId: string; event: RecoveryStripeEvent };

/**
 * A verified notification in the common model, split by owner: checkout sessions (CheckoutSessionDO), ticket
 * payments (PaymentDO; only providers whose endpoint the payment flow shares) and recovery transactions.
 */
export type WebhookEvents = {
  checkout: CheckoutNotification[];
  /** Stripe Connect: payouts and disputes (Stripe only). */
  connect?: ConnectEvent | null;
  payment?: { event: PspEvent; ignoredReason: 'unknown_status' | 'unhandled_type' };
  recovery?: RecoveryRoute | null;
};

export interface WebhookCapability {
  /**
   * Verifies (signature, or the provider's verification call) and maps. Throws WebhookVerificationError when
   * not authentic, WebhookPayloadError when not well-formed, anything else when the provider could not be
   * asked. With a context, a provider whose check costs a call skips sessions that are not ours.
   */
  receive(request: InboundNotification, context?: NotificationContext): Promise<WebhookEvents>;
}

export interface PspAdapter {
  readonly id: string;
  readonly payments?: PaymentsCapability;
  readonly authorizations?: AuthorizationCapability;
  readonly checkout?: CheckoutCapability;
  readonly paymentLinks?: PaymentLinkCapability;
  readonly sessionLookup?: SessionLookupCapability;
  readonly invoices?: InvoiceCapability;
  readonly connect?: ConnectCapability;
  readonly webhooks?: WebhookCapability;
}

export type Capability = Exclude<keyof PspAdapter, 'id'>;
export type WithCapability<C extends Capability> = PspAdapter & Required<Pick<PspAdapter, C>>;

export function hasCapability<C extends Capability>(adapter: PspAdapter | null | undefined, capability: C): adapter is WithCapability<C> {
  return adapter?.[capability] !== undefined;
}

/** The adapter of a provider that offers hosted checkout and its notifications only. */
export function checkoutOnly(checkout: NotifyingCheckout, more: Omit<PspAdapter, 'id' | 'checkout' | 'webhooks'> = {}): PspAdapter {
  return {
    id: checkout.provider,
    checkout,
    webhooks: { receive: async (request, context) => ({ checkout: await checkout.parseNotification(request, context) }) },
    ...more,
  };
}
