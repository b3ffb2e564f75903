import type { RecoveryStripeEvent } from '../../durable-objects/recovery/types';
import type { CheckoutCapability, CheckoutNotification, InboundNotification, NotificationContext, NotifyingCheckout } from './checkout';
import type { PspChargeOutcome, PspChargeRequest, PspEvent, PspRefundOutcome, PspRefundRequest, PspResult } from './types';

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

/** The recovery transaction a notification names, with the event its object applies. */
export type RecoveryRoute = { tenantId: string; transactionId: string; event: RecoveryStripeEvent };

/**
 * A verified notification in the common model, split by owner: checkout sessions (CheckoutSessionDO), ticket
 * payments (PaymentDO; only providers whose endpoint the payment flow shares) and recovery transactions.
 */
export type WebhookEvents = {
  checkout: CheckoutNotification[];
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
  readonly checkout?: CheckoutCapability;
  readonly paymentLinks?: PaymentLinkCapability;
  readonly sessionLookup?: SessionLookupCapability;
  readonly invoices?: InvoiceCapability;
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
