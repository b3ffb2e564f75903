import type { NotificationResult } from '../../durable-objects/CheckoutSessionDO';
import type { Bindings, Config } from '../env';
import { AppError } from '../lib/errors';
import { CHECKOUT_SESSION_ID } from '../lib/ids';
import type { Logger } from '../lib/logger';
import { checkoutStub, webhookInboxStub } from '../lib/stubs';
import type { CheckoutAdapter, CheckoutNotification, CheckoutProvider, InboundNotification } from '../psp/checkout';
import { WebhookVerificationError } from '../psp/checkout';
import { checkoutAdapter } from '../psp/checkout-registry';
import { notConfigured } from './checkout';

/**
 * Provider notifications for checkout sessions: verify (signature, or the provider's own check) →
 * deduplicate and apply in the session's object → anything unroutable kept as unmatched.
 */
export type CheckoutWebhookOutcome = { results: (NotificationResult | 'unmatched')[]; notifications: CheckoutNotification[] };

export function requireCheckoutAdapter(env: Bindings, config: Config, provider: CheckoutProvider): CheckoutAdapter {
  const adapter = checkoutAdapter(env, config, provider);
  if (!adapter) throw notConfigured(provider);
  return adapter;
}

export async function verifyCheckoutNotification(
  adapter: CheckoutAdapter,
  inbound: InboundNotification,
  logger?: Logger,
): Promise<CheckoutNotification[]> {
  try {
    return await adapter.parseNotification(inbound);
  } catch (err) {
    if (err instanceof WebhookVerificationError) {
      // The reason names what did not match, never a secret; the response stays generic.
      logger?.warn('webhook.rejected', { provider: adapter.provider, reason: err.message });
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 400, 'Webhook verification failed');
    }
    // The provider could not be asked to confirm (PayPal verification, Tilopay consult): have it deliver again.
    logger?.warn('webhook.unconfirmed', { provider: adapter.provider, reason: err instanceof Error ? err.message : String(err) });
    throw new ServiceUnavailableRetry(adapter.provider);
  }
}

export async function dispatchCheckoutNotifications(env: Bindings, notifications: CheckoutNotification[]): Promise<CheckoutWebhookOutcome> {
  const results: CheckoutWebhookOutcome['results'] = [];
  for (const n of notifications) {
    let result: NotificationResult | 'unmatched' = 'unknown_session';
    if (n.sessionId && CHECKOUT_SESSION_ID.test(n.sessionId)) result = await checkoutStub(env, n.sessionId).applyNotification(n);
    if (result === 'unknown_session') {
      await webhookInboxStub(env, n.provider).recordUnmatched({ ...n, transactionId: n.sessionId, tenantId: null });
      result = 'unmatched';
    }
    // The session is still being created, or the provider could not confirm: make the provider deliver again.
    if (result === 'not_ready' || result === 'check_failed') {
      throw new ServiceUnavailableRetry(n.provider);
    }
    results.push(result);
  }
  return { results, notifications };
}

class ServiceUnavailableRetry extends AppError {
  constructor(provider: string) {
    super('PSP_UNAVAILABLE', 503, `${provider} notification could not be confirmed yet; it will be retried`, { retryable: true });
  }
}

export async function inboundFrom(req: Request): Promise<InboundNotification> {
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  return { method: req.method === 'GET' ? 'GET' : 'POST', url: req.url, headers, rawBody: req.method === 'GET' ? '' : await req.text() };
}
