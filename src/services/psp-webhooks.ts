import type { Bindings } from '../env';
import { AppError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { WebhookVerificationError } from '../psp/checkout';
import { squareCheckoutEventToNotifications, verifySquareCheckoutEvent } from '../psp/square/checkout-webhook';
import { squareEventToPspEvent } from '../psp/square/webhook';
import { isStripeEvent, stripeCheckoutEventToNotifications } from '../psp/stripe/checkout-webhook';
import { stripeEventToPspEvent, verifyStripeWebhook, WebhookSignatureError } from '../psp/stripe/webhook';
import { dispatchCheckoutNotifications } from './checkout-webhooks';
import { applyRecoveryStripeEvent } from './recovery-webhooks';
import { dispatchPspEvent } from './webhooks';

/**
 * Stripe and Square notify one endpoint per account, so one notification may concern a hosted checkout
 * session, a recovery transaction (Stripe) or a ticket payment. Each is verified once, then handed to
 * every owner it names; a notification that names none goes to the ticket-payment flow (which keeps
 * unroutable ones as unmatched). Returns the owners' results, comma-separated.
 */
function rejected(logger: Logger | undefined, provider: string, err: Error): never {
  // The reason names what did not match, never a secret; the response stays generic.
  logger?.warn('webhook.rejected', { provider, reason: err.message });
  throw new AppError('WEBHOOK_SIGNATURE_INVALID', 400, 'Webhook signature verification failed');
}

export async function receiveStripeWebhook(
  env: Bindings,
  raw: { body: string; signature: string | undefined; secret: string },
  logger?: Logger,
): Promise<string> {
  let event: Awaited<ReturnType<typeof verifyStripeWebhook>>;
  try {
    event = await verifyStripeWebhook(raw.body, raw.signature, raw.secret);
  } catch (err) {
    if (err instanceof WebhookSignatureError) rejected(logger, 'stripe', err);
    throw err;
  }
  const results: string[] = [];
  const checkout = isStripeEvent(event) ? stripeCheckoutEventToNotifications(event) : [];
  if (checkout.length > 0) results.push(...(await dispatchCheckoutNotifications(env, checkout)).results);
  const recovery = await applyRecoveryStripeEvent(env, event);
  if (recovery !== 'ignored') results.push(`recovery:${recovery}`);
  if (results.length === 0) results.push(await dispatchPspEvent(env, stripeEventToPspEvent(event)));
  return results.join(',');
}

export async function receiveSquareWebhook(
  env: Bindings,
  raw: { body: string; signature: string | undefined; signatureKey: string; notificationUrl: string },
  logger?: Logger,
): Promise<string> {
  let checkout: ReturnType<typeof squareCheckoutEventToNotifications>;
  try {
    const event = await verifySquareCheckoutEvent(
      { method: 'POST', url: raw.notificationUrl, headers: { 'x-square-hmacsha256-signature': raw.signature ?? '' }, rawBody: raw.body },
      raw.signatureKey,
      raw.notificationUrl,
    );
    checkout = squareCheckoutEventToNotifications(event);
  } catch (err) {
    if (err instanceof WebhookVerificationError) rejected(logger, 'square', err);
    throw err;
  }
  if (checkout.length > 0) return (await dispatchCheckoutNotifications(env, checkout)).results.join(',');
  let event: ReturnType<typeof squareEventToPspEvent>;
  try {
    event = squareEventToPspEvent(raw.body);
  } catch (err) {
    if (err instanceof WebhookSignatureError) rejected(logger, 'square', err);
    throw err;
  }
  return dispatchPspEvent(env, event);
}
