import type { Bindings } from '../env';
import type { Logger } from '../lib/logger';
import { WebhookPayloadError, WebhookVerificationError } from '../psp/checkout';
import { squareCheckoutEventToNotifications, verifySquareCheckoutEvent } from '../psp/square/checkout-webhook';
import { type SquareEvent, squareEventToPspEvent, squareIgnoredReason } from '../psp/square/webhook';
import { stripeCheckoutEventToNotifications } from '../psp/stripe/checkout-webhook';
import {
  type StripeEventLike,
  stripeEventToPspEvent,
  stripeIgnoredReason,
  verifyStripeWebhook,
  WebhookSignatureError,
} from '../psp/stripe/webhook';
import { bodySummary, dispatchCheckoutNotifications, webhookRejected } from './checkout-webhooks';
import { applyRecoveryStripeEvent } from './recovery-webhooks';
import { dispatchPspEvent } from './webhooks';

/**
 * Stripe and Square notify one endpoint per account, so one notification may concern a hosted checkout
 * session, a recovery transaction (Stripe) or a ticket payment. Each is verified and its shape checked once
 * (400 WEBHOOK_SIGNATURE_INVALID / WEBHOOK_PAYLOAD_INVALID), then handed to every owner it names; one that
 * names none goes to the ticket-payment flow, which keeps unroutable ones as unmatched and those nothing acts
 * on as ignored. Returns the owners' results, comma-separated.
 */
export async function receiveStripeWebhook(
  env: Bindings,
  raw: { body: string; signature: string | undefined; secret: string },
  logger?: Logger,
): Promise<string> {
  let event: StripeEventLike;
  try {
    event = await verifyStripeWebhook(raw.body, raw.signature, raw.secret);
  } catch (err) {
    if (err instanceof WebhookSignatureError || err instanceof WebhookPayloadError) webhookRejected(logger, 'stripe', err);
    throw err;
  }
  const body = await bodySummary(raw.body);
  const results: string[] = [];
  const checkout = stripeCheckoutEventToNotifications(event);
  if (checkout.length > 0) results.push(...(await dispatchCheckoutNotifications(env, checkout, body)).results);
  const recovery = await applyRecoveryStripeEvent(env, event);
  if (recovery !== 'ignored') results.push(`recovery:${recovery}`);
  if (results.length === 0) {
    results.push(await dispatchPspEvent(env, stripeEventToPspEvent(event), { body, ignoredReason: stripeIgnoredReason(event) }));
  }
  return results.join(',');
}

export async function receiveSquareWebhook(
  env: Bindings,
  raw: { body: string; signature: string | undefined; signatureKey: string; notificationUrl: string },
  logger?: Logger,
): Promise<string> {
  let event: SquareEvent;
  try {
    event = await verifySquareCheckoutEvent(
      { method: 'POST', url: raw.notificationUrl, headers: { 'x-square-hmacsha256-signature': raw.signature ?? '' }, rawBody: raw.body },
      raw.signatureKey,
      raw.notificationUrl,
    );
  } catch (err) {
    if (err instanceof WebhookVerificationError || err instanceof WebhookPayloadError) webhookRejected(logger, 'square', err);
    throw err;
  }
  const body = await bodySummary(raw.body);
  const checkout = squareCheckoutEventToNotifications(event);
  if (checkout.length > 0) return (await dispatchCheckoutNotifications(env, checkout, body)).results.join(',');
  return dispatchPspEvent(env, squareEventToPspEvent(event), { body, ignoredReason: squareIgnoredReason(event) });
}
