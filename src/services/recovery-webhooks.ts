import type { RecoveryEventResult, RecoveryStripeEvent } from '../../durable-objects/recovery/types';
import type { Bindings } from '../env';
import { recoveryTransactionStub } from '../lib/stubs';
import { fromStripeAmount } from '../psp/stripe/checkout-transformers';
import type { StripeEventLike } from '../psp/stripe/webhook';

/**
 * Stripe events for payment recovery. Both Stripe endpoints (POST /v1/payments/stripe/webhooks and
 * /api/v1/webhooks/stripe) verify the event once (services/psp-webhooks.ts) and hand it here; events that name
 * a recovery transaction in their metadata go to its RecoveryTransactionDO.
 *
 * Recovery events: checkout.session.completed / async_payment_succeeded (our recovery sessions, and sessions a
 * payment link made: they carry the link's metadata) → completed when paid in full; payment_intent.succeeded /
 * payment_intent.payment_failed → a payment attempt recorded. Link payments' PaymentIntents carry no metadata
 * (API 2023-08-16 has no payment_intent_data on links), so for those the session's completion records the attempt.
 */

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
 */
export async function applyRecoveryStripeEvent(env: Bindings, event: StripeEventLike): Promise<RecoveryEventResult | 'ignored'> {
  const routed = recoveryEventOf(event);
  if (!routed) return 'ignored';
  return recoveryTransactionStub(env, routed.tenantId, routed.transactionId).applyStripeEvent(routed.tenantId, routed.event);
}
