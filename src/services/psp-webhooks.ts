import type { NotificationResult } from '../../durable-objects/checkout/types';
import type { BodySummary, UnmatchedNotification } from '../../durable-objects/inbox/types';
import { listingIdOfEscrow } from '../../durable-objects/listing/schema';
import type { Bindings, Config } from '../env';
import { AppError, PayloadTooLargeError } from '../lib/errors';
import { CHECKOUT_SESSION_ID } from '../lib/ids';
import type { Logger } from '../lib/logger';
import { checkoutStub, listingStub, paymentStub, recoveryTransactionStub, venueStub, webhookInboxStub } from '../lib/stubs';
import type { ConnectEvent, RecoveryRoute, WebhookCapability, WebhookEvents } from '../psp/adapter';
import {
  type CheckoutNotification,
  type CheckoutProvider,
  type InboundNotification,
  type NotificationContext,
  WebhookPayloadError,
  WebhookVerificationError,
} from '../psp/checkout';
import { type ProviderId, pspDescriptor, pspWith } from '../psp/registry';
import type { PspEvent } from '../psp/types';
import { notConfigured } from './checkout';

/**
 * The one entry for PSP notifications, whatever URL they arrive at: the provider's adapter verifies and maps
 * (400 WEBHOOK_SIGNATURE_INVALID / WEBHOOK_PAYLOAD_INVALID), then each owner it names gets it: checkout
 * sessions (CheckoutSessionDO), recovery transactions (RecoveryTransactionDO) and, for a notification that names
 * neither, ticket payments (PaymentDO). Deduplication happens in the owner; what no owner takes is kept in
 * WebhookInboxDO as unmatched, and what is authentic but acted on by nothing as ignored. A well-formed authentic
 * notification is never a 5xx unless the provider could not be asked (then the provider delivers it again).
 */
export type WebhookReceipt = {
  results: string[];
  notifications: CheckoutNotification[];
};

export async function receivePspWebhook(
  env: Bindings,
  config: Config,
  provider: ProviderId,
  req: Request,
  logger?: Logger,
  /** What a deployment without the provider's webhook credentials answers (default 503 PSP_NOT_CONFIGURED). */
  unconfigured: () => AppError = () => notConfigured(provider),
): Promise<WebhookReceipt> {
  const adapter = pspWith(env, config, provider, 'webhooks');
  if (!adapter) throw unconfigured();
  const inbound = await inboundFrom(req, pspDescriptor(provider).webhook.maxBodyBytes);
  const events = await verifyNotification(provider, adapter.webhooks, inbound, logger, sessionOwnership(env, provider));
  const body = await bodySummary(inbound.rawBody);
  const results: string[] = [];
  if (events.checkout.length > 0) results.push(...(await dispatchCheckoutNotifications(env, events.checkout, body)));
  if (events.recovery) results.push(`recovery:${await applyRecoveryEvent(env, events.recovery)}`);
  if (events.connect) results.push(await dispatchConnectEvent(env, config, events.connect, body));
  // A notification no checkout or recovery names belongs to the ticket-payment flow (where the provider has one).
  if (results.length === 0 && events.payment)
    results.push(await dispatchPspEvent(env, events.payment.event, body, events.payment.ignoredReason));
  return { results, notifications: events.checkout };
}

/** Stripe's endpoints (the main one and the recovery flow's): every flow's events, 503 until the secret is set. */
export async function receiveStripeWebhook(
  env: Bindings,
  config: Config,
  req: Request,
  logger?: Logger,
): Promise<{ received: true; status: string }> {
  const { results } = await receivePspWebhook(env, config, 'stripe', req, logger, webhookNotConfigured('Stripe'));
  return { received: true, status: results.join(',') };
}

/** For the endpoints a provider shares with other flows: 503, not 400, so the provider retries while the secret is being set. */
export function webhookNotConfigured(name: string): () => AppError {
  return () => new AppError('WEBHOOK_NOT_CONFIGURED', `${name} webhooks are not configured`);
}

/** The reason is logged (bounded: it may quote the body's structure); the response stays generic. */
function webhookRejected(logger: Logger | undefined, provider: string, err: Error): never {
  if (err instanceof WebhookPayloadError) {
    logger?.warn('webhook.malformed', { provider, reason: err.message.slice(0, 200) });
    throw new AppError('WEBHOOK_PAYLOAD_INVALID', 'Webhook payload is not a well-formed event');
  }
  logger?.warn('webhook.rejected', { provider, reason: err.message.slice(0, 200) });
  throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'Webhook verification failed');
}

/** Lets adapters whose check costs a provider call, or whose notification is unsigned, skip sessions that are not ours. */
function sessionOwnership(env: Bindings, provider: CheckoutProvider): NotificationContext {
  return {
    ownsSession: async (sessionId) =>
      CHECKOUT_SESSION_ID.test(sessionId) && (await checkoutStub(env, sessionId).acceptsNotificationsFrom(provider)),
  };
}

async function verifyNotification(
  provider: ProviderId,
  webhooks: WebhookCapability,
  inbound: InboundNotification,
  logger: Logger | undefined,
  context: NotificationContext,
): Promise<WebhookEvents> {
  try {
    return await webhooks.receive(inbound, context);
  } catch (err) {
    if (err instanceof WebhookVerificationError || err instanceof WebhookPayloadError) webhookRejected(logger, provider, err);
    // The provider could not be asked to confirm (PayPal verification, Tilopay consult): have it deliver again.
    logger?.warn('webhook.unconfirmed', { provider, reason: err instanceof Error ? err.message : String(err) });
    throw notReady(provider);
  }
}

async function dispatchCheckoutNotifications(
  env: Bindings,
  notifications: CheckoutNotification[],
  body: BodySummary,
): Promise<(NotificationResult | 'unmatched' | 'ignored')[]> {
  const results: (NotificationResult | 'unmatched' | 'ignored')[] = [];
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
    if (result === 'unknown_session' && pspDescriptor(n.provider).webhook.keepsUnmatched) {
      await webhookInboxStub(env, n.provider).recordUnmatched({ ...n, transactionId: n.sessionId, tenantId: null }, body);
      result = 'unmatched';
    }
    // The session is still being created, or the provider could not confirm: make the provider deliver again.
    if (result === 'not_ready' || result === 'check_failed') {
      throw notReady(n.provider);
    }
    results.push(result);
  }
  return results;
}

/** A verified event that names a recovery transaction, applied by its object. */
async function applyRecoveryEvent(env: Bindings, route: RecoveryRoute) {
  return recoveryTransactionStub(env, route.tenantId, route.transactionId).applyStripeEvent(route.tenantId, route.event);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Stripe Connect events. A payout's event names its venue and payout in the metadata we gave it. A dispute
 * names only the PaymentIntent, whose metadata (read from Stripe) names the payment; when Stripe cannot be
 * asked, the notification is answered 503 so that Stripe delivers it again.
 */
async function dispatchConnectEvent(env: Bindings, config: Config, event: ConnectEvent, body: BodySummary): Promise<string> {
  const base = { provider: 'stripe', eventId: event.eventId, type: event.type };
  if (event.kind === 'payout') {
    const { tenant_id: tenantId, venue_id: venueId, payout_id: payoutId } = event.metadata;
    if (tenantId && venueId && payoutId) {
      const result = await venueStub(env, tenantId, venueId).applyPayoutEvent(event.eventId, payoutId, event.payout);
      if (result !== 'unknown_payout') return `payout:${result}`;
    }
    return unmatched(env, { ...base, tenantId: tenantId ?? null, reference: event.payout.id }, body);
  }
  const connect = pspWith(env, config, 'stripe', 'connect')?.connect;
  const metadata =
    event.paymentIntentId && connect ? await connect.paymentMetadata(event.paymentIntentId, event.account ?? undefined) : null;
  if (metadata && !metadata.ok && metadata.failure.retryable) throw notReady('stripe');
  const ids = metadata?.ok ? metadata.value : {};
  const notice = {
    eventId: event.eventId,
    disputeId: event.disputeId,
    amount: event.amount,
    status: event.status,
    reason: event.reason,
    closed: event.closed,
  };
  const listingId = ids.escrow_id ? listingIdOfEscrow(ids.escrow_id) : null;
  if (listingId && ids.escrow_id && ids.tenant_id) {
    const result = await listingStub(env, ids.tenant_id, listingId).applyDispute(ids.escrow_id, notice);
    if (result !== 'unknown_transaction') return `escrow_dispute:${result}`;
  }
  if (ids.transaction_id && ids.tenant_id && UUID.test(ids.transaction_id)) {
    const result = await paymentStub(env, ids.transaction_id).applyDispute(ids.tenant_id, notice);
    if (result !== 'unknown_transaction') return `dispute:${result}`;
  }
  return unmatched(env, { ...base, reference: event.disputeId, paymentReference: event.paymentIntentId }, body);
}

async function unmatched(env: Bindings, note: UnmatchedNotification, body: BodySummary): Promise<string> {
  const kept = await webhookInboxStub(env, 'stripe').recordUnmatched(note, body);
  return kept === 'recorded' ? 'unmatched' : 'duplicate';
}

/**
 * Hands a verified PSP event to the object that owns its transaction. One that no transaction of ours owns is
 * kept as unmatched, except an event nothing acts on (kind 'other': a type or status we do not handle), kept as
 * ignored with `ignoredReason`.
 */
async function dispatchPspEvent(env: Bindings, event: PspEvent, body: BodySummary, ignoredReason: string): Promise<string> {
  if (event.transactionId && UUID.test(event.transactionId)) {
    const { status } = await paymentStub(env, event.transactionId).applyPspEvent(event);
    if (status !== 'unknown_transaction') return status;
  }
  // A resale's charge: its escrow id names the listing.
  const listingId = event.transactionId ? listingIdOfEscrow(event.transactionId) : null;
  if (listingId && event.tenantId) {
    const status = await listingStub(env, event.tenantId, listingId).applyPaymentEvent(event);
    if (status !== 'unknown_transaction') return `escrow:${status}`;
  }
  const inbox = webhookInboxStub(env, event.provider);
  if (event.kind === 'other') {
    const kept = await inbox.recordIgnored(event, ignoredReason, body);
    return kept === 'recorded' ? 'ignored' : 'duplicate';
  }
  const kept = await inbox.recordUnmatched(event, body);
  return kept === 'recorded' ? 'unmatched' : 'duplicate';
}

/** 503: the provider delivers the notification again later. */
function notReady(provider: string): AppError {
  return new AppError('WEBHOOK_NOT_READY', `${provider} notification could not be confirmed yet; it will be retried`);
}

/** What is kept of a raw body: its size and SHA-256, never the body (it can be up to MAX_BODY_BYTES). */
async function bodySummary(rawBody: string): Promise<BodySummary> {
  const bytes = new TextEncoder().encode(rawBody);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return { bytes: bytes.byteLength, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
}

/** The request as the adapters read it; `maxBytes` caps the body below the app-wide limit (413 beyond it). */
async function inboundFrom(req: Request, maxBytes?: number): Promise<InboundNotification> {
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
