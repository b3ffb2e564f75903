import type { RecoveryEventResult, RecoveryStripeEvent } from '../../durable-objects/recovery-types';
import type { Bindings, Config } from '../env';
import { ServiceUnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { recoveryTransactionStub } from '../lib/stubs';
import type { InboundNotification } from '../psp/checkout';
import { fromStripeAmount } from '../psp/stripe/checkout-transformers';
import { stripeEventToPspEvent } from '../psp/stripe/webhook';
import { dispatchCheckoutNotifications, requireCheckoutAdapter, verifyCheckoutNotification } from './checkout-webhooks';
import { dispatchPspEvent } from './webhooks';

/**
 * Stripe events for payment recovery (seed 002's POST /v1/payments/stripe/webhooks). One Stripe account has
 * one endpoint, so this is a full Stripe endpoint: after the signature check (`Stripe-Signature`, 300 s
 * tolerance, STRIPE_WEBHOOK_SECRET), events of our checkout sessions go to their CheckoutSessionDO exactly as
 * /api/v1/webhooks/stripe does, events that name a recovery transaction in their metadata go to its
 * RecoveryTransactionDO, and anything else to the ticket-payment flow.
 *
 * Recovery events: checkout.session.completed / async_payment_succeeded (our recovery sessions, and sessions a
 * payment link made: they carry the link's metadata) → completed when paid in full; payment_intent.succeeded /
 * payment_intent.payment_failed → a payment attempt recorded. Link payments' PaymentIntents carry no metadata
 * (API 2023-08-16 has no payment_intent_data on links), so for those the session's completion records the attempt.
 */
type StripeEventLike = { id: string; type: string; created: number; data: { object: Record<string, unknown> } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SESSION_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
const INTENT_EVENTS: Record<string, 'succeeded' | 'failed'> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
};

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value || null;
  return value && typeof value === 'object' ? str((value as { id?: unknown }).id) : null;
}

/** The recovery transaction a verified event names, as the object's event; null when it names none. */
export function recoveryEventOf(event: StripeEventLike): { tenantId: string; transactionId: string; event: RecoveryStripeEvent } | null {
  const object = event.data.object;
  const metadata = (object.metadata && typeof object.metadata === 'object' ? object.metadata : {}) as Record<string, unknown>;
  const transactionId = str(metadata.edgepay_recovery_transaction_id);
  const tenantId = str(metadata.edgepay_tenant_id);
  if (!transactionId || !UUID.test(transactionId) || !tenantId) return null;
  const currency = str(object.currency);
  const base = { eventId: event.id, type: event.type, occurredAt: event.created * 1000, customerId: idOf(object.customer) };
  if (SESSION_EVENTS.has(event.type) && object.object === 'checkout.session') {
    const paymentStatus = object.payment_status;
    if (paymentStatus !== 'paid' && paymentStatus !== 'unpaid' && paymentStatus !== 'no_payment_required') return null;
    return {
      tenantId,
      transactionId,
      event: {
        ...base,
        kind: 'session',
        sessionId: String(object.id),
        paymentStatus,
        amountTotal: currency ? fromStripeAmount(object.amount_total, currency) : null,
        currency: currency?.toUpperCase() ?? null,
        paymentIntentId: idOf(object.payment_intent),
        paymentLinkId: idOf(object.payment_link),
      },
    };
  }
  const status = INTENT_EVENTS[event.type];
  if (status && object.object === 'payment_intent') {
    const error = (object.last_payment_error ?? null) as { code?: unknown; decline_code?: unknown; message?: unknown } | null;
    const received = typeof object.amount_received === 'number' && object.amount_received > 0 ? object.amount_received : object.amount;
    return {
      tenantId,
      transactionId,
      event: {
        ...base,
        kind: 'payment_intent',
        paymentIntentId: String(object.id),
        status,
        amount: currency ? fromStripeAmount(received, currency) : null,
        currency: currency?.toUpperCase() ?? null,
        failureCode: status === 'failed' ? (str(error?.decline_code) ?? str(error?.code)) : null,
        failureMessage: status === 'failed' ? (str(error?.message)?.slice(0, 300) ?? null) : null,
      },
    };
  }
  return null;
}

/**
 * Applies a verified Stripe event to the recovery transaction it names; 'ignored' when it names none.
 * /api/v1/webhooks/stripe should call this too (after its checkout dispatch), so either endpoint serves recovery.
 */
export async function applyRecoveryStripeEvent(env: Bindings, event: StripeEventLike): Promise<RecoveryEventResult | 'ignored'> {
  const routed = recoveryEventOf(event);
  if (!routed) return 'ignored';
  return recoveryTransactionStub(env, routed.tenantId, routed.transactionId).applyStripeEvent(routed.tenantId, routed.event);
}

/** POST /v1/payments/stripe/webhooks: verify → checkout sessions → recovery → else the ticket-payment flow. */
export async function handleRecoveryStripeWebhook(
  env: Bindings,
  config: Config,
  inbound: InboundNotification,
  logger?: Logger,
): Promise<string> {
  // 503, not 400: Stripe retries, so nothing is lost while the secret is being set.
  if (!config.psp.stripeWebhookSecret) throw new ServiceUnavailableError('WEBHOOK_NOT_CONFIGURED', 'Stripe webhooks are not configured');
  const adapter = requireCheckoutAdapter(env, config, 'stripe');
  // Verifies Stripe-Signature over the raw body (400 WEBHOOK_SIGNATURE_INVALID) and maps our sessions' events.
  const notifications = await verifyCheckoutNotification(adapter, inbound, logger);
  const event = JSON.parse(inbound.rawBody) as StripeEventLike;
  const results: string[] = [];
  if (notifications.length > 0) results.push(...(await dispatchCheckoutNotifications(env, notifications)).results);
  const recovery = await applyRecoveryStripeEvent(env, event);
  if (recovery !== 'ignored') results.push(`recovery:${recovery}`);
  if (results.length === 0) results.push(await dispatchPspEvent(env, stripeEventToPspEvent(event)));
  return results.join(',');
}
