import type { AttachResult, RecoveryTransactionView } from '../../durable-objects/recovery/types';
import { fingerprint } from '../domain/idempotency';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError } from '../lib/errors';
import { keyedUuid } from '../lib/ids';
import { pspFailureError } from '../lib/psp-errors';
import { recoveryTransactionStub } from '../lib/stubs';
import type { HostedSessionView } from '../psp/adapter';
import { pspWith } from '../psp/registry';
import type { PspConfig } from '../schemas/checkout';
import type { RecordTransactionBody } from '../schemas/recovery';
import { createCheckoutSession, notConfigured } from './checkout';

/**
 * Stripe payment recovery, organization-scoped: a failed payment is recorded in its
 * RecoveryTransactionDO (named by tenant + transaction id, so another organization's id reaches an empty
 * object: 404), gets a 24-hour Checkout Session through the checkout-session service (purpose 'recovery')
 * and/or a reusable Payment Link, and the object's reminder schedule sends both to the customer.
 */

/** Recovery checkout sessions live as long as Stripe allows: 24 hours. */
export const RECOVERY_SESSION_TTL_SECONDS = 86_400;

/**
 * The platform's own Stripe account collects recovered payments (with the platform's secret key, no
 * Connect): the merchant account does not start with acct_, so no destination charge is made. It is recorded
 * as `org:<tenant>` so the ledger credits the organization (`merchant:stripe:org:<tenant>`).
 */
export function recoveryMerchantAccount(tenantId: string): string {
  return `org:${tenantId}`;
}

/**
 * The transaction id: a random UUID v4, or with an Idempotency-Key a keyed hash of (tenant, key) shaped as an
 * RFC 9562 version-8 UUID, so a retried POST meets the same object without a lookup table.
 */
export async function recoveryTransactionIdFor(key: string, tenantId: string, clientKey: string | null): Promise<string> {
  if (clientKey === null) return crypto.randomUUID();
  return keyedUuid(key, `recovery\n${tenantId}\n${clientKey.toLowerCase()}`);
}

export async function recordTransaction(
  env: Bindings,
  config: Config,
  principal: Principal,
  body: RecordTransactionBody,
  clientKey: string | null,
): Promise<{ view: RecoveryTransactionView; replayed: boolean }> {
  const transactionId = await recoveryTransactionIdFor(config.paymentIdKey, principal.tenantId, clientKey);
  const fields = {
    amount: body.amount,
    currency: body.currency,
    description: body.description,
    failureReason: body.failureReason ?? null,
    customerEmail: body.customerEmail ?? null,
    customerPhone: body.customerPhone ?? null,
  };
  const result = await recoveryTransactionStub(env, principal.tenantId, transactionId).record({
    ...fields,
    transactionId,
    tenantId: principal.tenantId,
    requestHash: await fingerprint(fields),
  });
  if (result.kind === 'conflict') throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This key was used with a different request');
  return { view: result.view, replayed: result.kind === 'replayed' };
}

export async function getTransaction(env: Bindings, principal: Principal, transactionId: string): Promise<RecoveryTransactionView> {
  const view = await recoveryTransactionStub(env, principal.tenantId, transactionId).get(principal.tenantId);
  if (!view) throw new NotFoundError('Transaction not found');
  return view;
}

function alreadyPaid(): AppError {
  return new AppError('INVALID_STATE_TRANSITION', 'This transaction is already paid');
}

function attached(result: AttachResult): { view: RecoveryTransactionView; created: boolean } {
  switch (result.kind) {
    case 'attached':
    case 'existing':
      return { view: result.view, created: result.kind === 'attached' };
    case 'not_found':
      throw new NotFoundError('Transaction not found');
    case 'completed':
      throw alreadyPaid();
  }
}

/**
 * One open 24-hour Checkout Session per transaction: an open one is returned as it is (whatever URLs the
 * call names); otherwise a new one is made, scoped by the transaction and a generation number, so retries and
 * concurrent calls meet the same CheckoutSessionDO.
 */
export async function createRecoveryCheckout(
  env: Bindings,
  config: Config,
  principal: Principal,
  body: { transactionId: string; successUrl?: string; cancelUrl?: string },
  origin: string,
): Promise<{ view: RecoveryTransactionView; created: boolean }> {
  const stub = recoveryTransactionStub(env, principal.tenantId, body.transactionId);
  const plan = await stub.checkoutPlan(principal.tenantId);
  if (plan.kind === 'not_found') throw new NotFoundError('Transaction not found');
  if (plan.kind === 'completed') throw alreadyPaid();
  if (plan.kind === 'existing') return { view: plan.view, created: false };
  const t = plan.view;
  const metadata: Record<string, string> = { edgepay_recovery_transaction_id: t.transactionId };
  if (body.successUrl) metadata.success_url = body.successUrl;
  if (body.cancelUrl) metadata.cancel_url = body.cancelUrl;
  if (t.customerEmail) metadata.customer_email = t.customerEmail;
  // Built, not parsed: PspConfig's currency list is NoTap's; recovery takes every currency Stripe
  // settles (src/domain/money.ts), which the Stripe transformer converts and checks itself.
  const pspConfig = {
    psp: 'stripe',
    psp_merchant_id: recoveryMerchantAccount(principal.tenantId),
    currency: t.currency as PspConfig['currency'],
    metadata,
  } satisfies PspConfig;
  const { view: session } = await createCheckoutSession(env, config, principal, {
    amount: t.amount,
    description: t.description,
    pspConfig,
    purpose: 'recovery',
    ttlSeconds: RECOVERY_SESSION_TTL_SECONDS,
    clientKey: `${t.transactionId}:${plan.generation}`,
    origin,
  });
  return attached(
    await stub.attachCheckoutSession(principal.tenantId, {
      generation: plan.generation,
      sessionRef: session.sessionId,
      providerSessionId: session.providerSessionId,
      url: session.checkoutUrl,
      expiresAt: session.expiresAt,
      status: session.status,
    }),
  );
}

/** The transaction's reusable Payment Link; a second call returns the same link. */
export async function createRecoveryPaymentLink(
  env: Bindings,
  config: Config,
  principal: Principal,
  transactionId: string,
): Promise<{ view: RecoveryTransactionView; created: boolean }> {
  const stub = recoveryTransactionStub(env, principal.tenantId, transactionId);
  const t = await stub.get(principal.tenantId);
  if (!t) throw new NotFoundError('Transaction not found');
  if (t.paymentLinkId) return { view: t, created: false };
  if (t.recoveryStatus === 'completed') throw alreadyPaid();
  const adapter = pspWith(env, config, 'stripe', 'paymentLinks');
  if (!adapter) throw notConfigured('stripe');
  const link = await adapter.paymentLinks.createPaymentLink({
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    // Copied by Stripe to every Checkout Session the link creates: checkout.session.completed routes back here.
    metadata: { edgepay_recovery_transaction_id: t.transactionId, edgepay_tenant_id: t.tenantId },
    // Concurrent first calls make one link at Stripe (the same keys), and the object keeps the first it is given.
    idempotencyKey: `edgepay-recovery-${t.transactionId}`,
  });
  if (!link.ok) throw pspFailureError('stripe', link.failure);
  return attached(await stub.attachPaymentLink(principal.tenantId, link.value));
}

export type RecoverySessionStatus = {
  sessionId: string;
  status: 'open' | 'complete' | 'expired' | null;
  paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
  amountTotal: number | null;
  currency: string | null;
  transactionId: string;
  recoveryStatus: RecoveryTransactionView['recoveryStatus'];
};

/**
 * Status of a Stripe Checkout Session (cs_…) of one of the caller's recovery transactions, read from Stripe
 * (the recovery status route). The session's metadata names the transaction and the organization (ours, or a
 * payment link's), so no index is needed; a session of another organization, or no recovery's, is 404.
 */
export async function recoverySessionStatus(
  env: Bindings,
  config: Config,
  principal: Principal,
  sessionId: string,
): Promise<RecoverySessionStatus> {
  const adapter = pspWith(env, config, 'stripe', 'sessionLookup');
  if (!adapter) throw notConfigured('stripe');
  const read = await adapter.sessionLookup.lookupSession(sessionId);
  if (!read.ok) {
    if (read.failure.status === 404) throw new NotFoundError('Checkout session not found');
    throw pspFailureError('stripe', read.failure);
  }
  const session: HostedSessionView = read.value;
  const metadata = session.metadata;
  const transactionId = metadata.edgepay_recovery_transaction_id;
  if (!transactionId || metadata.edgepay_tenant_id !== principal.tenantId) throw new NotFoundError('Checkout session not found');
  const t = await recoveryTransactionStub(env, principal.tenantId, transactionId).get(principal.tenantId);
  if (!t) throw new NotFoundError('Checkout session not found');
  return {
    sessionId: session.id,
    status: session.status,
    paymentStatus: session.paymentStatus,
    amountTotal: session.amountTotal,
    currency: session.currency,
    transactionId: t.transactionId,
    recoveryStatus: t.recoveryStatus,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function renderTransaction(v: RecoveryTransactionView) {
  const next = v.reminders.filter((r) => r.status === 'scheduled').map((r) => r.dueAt);
  return {
    transactionId: v.transactionId,
    amount: v.amount,
    currency: v.currency,
    description: v.description,
    failureReason: v.failureReason,
    customerEmail: v.customerEmail,
    customerPhone: v.customerPhone,
    recoveryStatus: v.recoveryStatus,
    stripePaymentIntentId: v.stripePaymentIntentId,
    stripeCheckoutSessionId: v.stripeCheckoutSessionId,
    stripeCustomerId: v.stripeCustomerId,
    checkoutUrl: v.checkoutUrl,
    checkoutExpiresAt: iso(v.checkoutExpiresAt),
    checkoutStatus: v.checkoutStatus,
    paymentLinkId: v.paymentLinkId,
    paymentLinkUrl: v.paymentLinkUrl,
    amountPaid: v.amountPaid,
    completedAt: iso(v.completedAt),
    nextReminderAt: next.length ? iso(Math.min(...next)) : null,
    paymentAttempts: v.paymentAttempts.map((a) => ({ ...a, occurredAt: new Date(a.occurredAt).toISOString() })),
    notifications: v.deliveries.map((d) => ({
      reminder: d.reminderSeq,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      providerMessageId: d.providerMessageId,
      lastError: d.lastError,
      sentAt: iso(d.sentAt),
    })),
    createdAt: new Date(v.createdAt).toISOString(),
    updatedAt: new Date(v.updatedAt).toISOString(),
  };
}

/** The checkout session part of a transaction, as POST /v1/payments/stripe/checkout-sessions answers it. */
export function renderRecoveryCheckout(v: RecoveryTransactionView) {
  return {
    transactionId: v.transactionId,
    sessionId: v.stripeCheckoutSessionId ?? '',
    url: v.checkoutUrl ?? '',
    expiresAt: iso(v.checkoutExpiresAt),
    status: v.checkoutStatus ?? 'open',
    checkoutSessionId: v.checkoutSessionRef ?? '',
  };
}
