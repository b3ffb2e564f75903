import type { NotificationResult } from '../../durable-objects/checkout/types';
import type { BodySummary } from '../../durable-objects/inbox/types';
import type { Bindings, Config } from '../env';
import { AppError, PayloadTooLargeError } from '../lib/errors';
import { CHECKOUT_SESSION_ID } from '../lib/ids';
import type { Logger } from '../lib/logger';
import { checkoutStub, webhookInboxStub } from '../lib/stubs';
import type { CheckoutAdapter, CheckoutNotification, CheckoutProvider, InboundNotification, NotificationContext } from '../psp/checkout';
import { WebhookPayloadError, WebhookVerificationError } from '../psp/checkout';
import { checkoutAdapter } from '../psp/checkout-registry';
import { notConfigured } from './checkout';

/**
 * Provider notifications for checkout sessions: verify (signature, or the provider's own check) →
 * deduplicate and apply in the session's object → anything unroutable kept as unmatched, anything
 * authentic that nothing acts on kept as ignored. A well-formed authentic notification is never a 5xx
 * unless the provider could not be asked (then the provider delivers it again).
 */
export type CheckoutWebhookOutcome = {
  results: (NotificationResult | 'unmatched' | 'ignored')[];
  notifications: CheckoutNotification[];
};

export function requireCheckoutAdapter(env: Bindings, config: Config, provider: CheckoutProvider): CheckoutAdapter {
  const adapter = checkoutAdapter(env, config, provider);
  if (!adapter) throw notConfigured(provider);
  return adapter;
}

/** The reason is logged (bounded: it may quote the body's structure); the response stays generic. */
export function webhookRejected(logger: Logger | undefined, provider: string, err: Error): never {
  if (err instanceof WebhookPayloadError) {
    logger?.warn('webhook.malformed', { provider, reason: err.message.slice(0, 200) });
    throw new AppError('WEBHOOK_PAYLOAD_INVALID', 400, 'Webhook payload is not a well-formed event');
  }
  logger?.warn('webhook.rejected', { provider, reason: err.message.slice(0, 200) });
  throw new AppError('WEBHOOK_SIGNATURE_INVALID', 400, 'Webhook verification failed');
}

/** Lets adapters whose check costs a provider call, or whose notification is unsigned, skip sessions that are not ours. */
export function sessionOwnership(env: Bindings, provider: CheckoutProvider): NotificationContext {
  return {
    ownsSession: async (sessionId) =>
      CHECKOUT_SESSION_ID.test(sessionId) && (await checkoutStub(env, sessionId).acceptsNotificationsFrom(provider)),
  };
}

export async function verifyCheckoutNotification(
  adapter: CheckoutAdapter,
  inbound: InboundNotification,
  logger?: Logger,
  context?: NotificationContext,
): Promise<CheckoutNotification[]> {
  try {
    return await adapter.parseNotification(inbound, context);
  } catch (err) {
    if (err instanceof WebhookVerificationError || err instanceof WebhookPayloadError) webhookRejected(logger, adapter.provider, err);
    // The provider could not be asked to confirm (PayPal verification, Tilopay consult): have it deliver again.
    logger?.warn('webhook.unconfirmed', { provider: adapter.provider, reason: err instanceof Error ? err.message : String(err) });
    throw new ServiceUnavailableRetry(adapter.provider);
  }
}

/**
 * QPay's callback is unsigned: anyone can name any session id, so one naming none of ours is not kept
 * (it would let anyone add rows to webhook_inbox).
 */
const KEEPS_UNKNOWN = (provider: CheckoutProvider) => provider !== 'qpay';

export async function dispatchCheckoutNotifications(
  env: Bindings,
  notifications: CheckoutNotification[],
  body?: BodySummary,
): Promise<CheckoutWebhookOutcome> {
  const results: CheckoutWebhookOutcome['results'] = [];
  for (const n of notifications) {
    if (n.ignored) {
      const kept = await webhookInboxStub(env, n.provider).recordIgnored(
        { ...n, transactionId: n.sessionId, tenantId: null },
        n.ignored,
        body,
      );
      results.push(kept === 'recorded' ? 'ignored' : 'duplicate');
      continue;
    }
    let result: NotificationResult | 'unmatched' = 'unknown_session';
    if (n.sessionId && CHECKOUT_SESSION_ID.test(n.sessionId)) result = await checkoutStub(env, n.sessionId).applyNotification(n);
    if (result === 'unknown_session' && KEEPS_UNKNOWN(n.provider)) {
      await webhookInboxStub(env, n.provider).recordUnmatched({ ...n, transactionId: n.sessionId, tenantId: null }, body);
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

/** What is kept of a raw body: its size and SHA-256, never the body (it can be up to MAX_BODY_BYTES). */
export async function bodySummary(rawBody: string): Promise<BodySummary> {
  const bytes = new TextEncoder().encode(rawBody);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return { bytes: bytes.byteLength, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
}

/** The request as the adapters read it; `maxBytes` caps the body below the app-wide limit (413 beyond it). */
export async function inboundFrom(req: Request, maxBytes?: number): Promise<InboundNotification> {
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  const method = req.method === 'GET' ? 'GET' : 'POST';
  if (method === 'GET') return { method, url: req.url, headers, rawBody: '' };
  if (maxBytes !== undefined && Number(headers['content-length'] ?? 0) > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const raw = await req.arrayBuffer();
  if (maxBytes !== undefined && raw.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
  return { method, url: req.url, headers, rawBody: new TextDecoder().decode(raw) };
}
