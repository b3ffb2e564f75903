import Stripe from 'stripe';
import type { PspEvent } from '../types';
import { paymentIntentToOutcome, refundToOutcome, type StripePaymentIntent, type StripeRefund } from './transformers';

const cryptoProvider = Stripe.createSubtleCryptoProvider();
// Only the webhook helpers are used; no API key is needed for them.
const stripe = new Stripe('sk_test_webhooks_only', { httpClient: Stripe.createFetchHttpClient() });

export const STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300;

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** A verified Stripe event as the webhook code reads it. */
export type StripeEventLike = { id: string; type: string; created: number; data: { object: Record<string, unknown> } };

/** Verifies `Stripe-Signature` over the raw body (HMAC-SHA256, 300 s tolerance) before anything is parsed. */
export async function verifyStripeWebhook(rawBody: string, signature: string | undefined, secret: string): Promise<StripeEventLike> {
  if (!signature) throw new WebhookSignatureError('Missing Stripe-Signature header');
  try {
    const event = await stripe.webhooks.constructEventAsync(rawBody, signature, secret, STRIPE_WEBHOOK_TOLERANCE_SECONDS, cryptoProvider);
    return event as unknown as StripeEventLike;
  } catch (err) {
    throw new WebhookSignatureError(err instanceof Error ? err.message : 'Invalid signature');
  }
}

function metadataOf(object: Record<string, unknown>): Record<string, string> {
  const metadata = object.metadata;
  return metadata && typeof metadata === 'object' ? (metadata as Record<string, string>) : {};
}

/** Stripe event → common PspEvent. Payment intents and refunds carry our ids in metadata. */
export function stripeEventToPspEvent(event: StripeEventLike): PspEvent {
  const object = event.data.object;
  const metadata = metadataOf(object);
  const base = {
    provider: 'stripe' as const,
    eventId: event.id,
    type: event.type,
    transactionId: metadata.transaction_id ?? null,
    tenantId: metadata.tenant_id ?? null,
    occurredAt: event.created * 1000,
  };
  if (event.type.startsWith('payment_intent.') && object.object === 'payment_intent' && event.type !== 'payment_intent.created') {
    const intent = object as unknown as StripePaymentIntent;
    return { ...base, kind: 'payment', reference: intent.id, outcome: paymentIntentToOutcome(intent) };
  }
  if (
    (event.type === 'refund.created' || event.type === 'refund.updated' || event.type === 'refund.failed') &&
    object.object === 'refund'
  ) {
    const refund = object as unknown as StripeRefund & { payment_intent?: string | null };
    const outcome = refundToOutcome(refund);
    return {
      ...base,
      kind: 'refund',
      refundId: metadata.refund_id ?? null,
      reference: refund.id,
      paymentReference: refund.payment_intent ?? null,
      amount: refund.amount,
      status: outcome.status,
    };
  }
  return { ...base, kind: 'other' };
}
