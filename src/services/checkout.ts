import type {
  CheckoutPurpose,
  CheckoutRefundView as CheckoutRefundRecord,
  CheckoutSessionView,
  CreateCheckoutResult,
  RefundCheckoutResult,
} from '../../durable-objects/checkout/types';

import { fingerprint } from '../domain/idempotency';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError } from '../lib/errors';
import { checkoutSessionIdFor } from '../lib/ids';
import { pspFailureError } from '../lib/psp-errors';
import { checkoutStub } from '../lib/stubs';
import type { CheckoutProvider } from '../psp/checkout';
import type { PspConfig } from '../schemas/checkout';

/**
 * The checkout-session service: one place that turns a psp_config into a session owned by its
 * CheckoutSessionDO. POST /v1/checkout-sessions, QPay's create-payment-session and NoTap's
 * parallel PSP session all go through createCheckoutSession.
 */
export type CheckoutRequest = {
  amount: number;
  description?: string;
  pspConfig: PspConfig;
  purpose: CheckoutPurpose;
  /** Our own lifetime (NoTap: 300 s); null → the provider's expiry. */
  ttlSeconds: number | null;
  /** Idempotency-Key or QPay orderId: the same key meets the same session. */
  clientKey: string | null;
  /** The request's origin, used when PUBLIC_BASE_URL is not configured. */
  origin: string;
};

function stringMetadata(metadata: PspConfig['metadata']): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Where a payer lands when the merchant gave no success_url/cancel_url: our public return page. */
function returnUrl(base: string, sessionId: string, result: 'success' | 'cancel'): string {
  return `${base}/v1/checkout/return?session=${sessionId}&result=${result}`;
}

export async function createCheckoutSession(
  env: Bindings,
  config: Config,
  principal: Principal,
  request: CheckoutRequest,
): Promise<{ view: CheckoutSessionView; replayed: boolean }> {
  const { pspConfig } = request;
  const base = config.publicBaseUrl ?? request.origin;
  const sessionId = await checkoutSessionIdFor(config.paymentIdKey, principal.tenantId, request.purpose, request.clientKey);
  const metadata = stringMetadata(pspConfig.metadata);
  const requestHash = await fingerprint({
    amount: request.amount,
    description: request.description ?? null,
    psp_config: pspConfig,
    ttl: request.ttlSeconds,
  });
  const result: CreateCheckoutResult = await checkoutStub(env, sessionId).create({
    sessionId,
    tenantId: principal.tenantId,
    provider: pspConfig.psp,
    purpose: request.purpose,
    amount: request.amount,
    currency: pspConfig.currency,
    merchantAccount: pspConfig.psp_merchant_id,
    merchantId: pspConfig.merchant_id ?? null,
    description: request.description ?? metadata.description ?? `Order ${metadata.order_id ?? sessionId}`,
    metadata,
    successUrl: metadata.success_url ?? returnUrl(base, sessionId, 'success'),
    cancelUrl: metadata.cancel_url ?? returnUrl(base, sessionId, 'cancel'),
    ...(metadata.customer_email ? { customerEmail: metadata.customer_email } : {}),
    ttlSeconds: request.ttlSeconds,
    publicBaseUrl: base,
    requestHash,
  });
  switch (result.kind) {
    case 'created':
    case 'replayed':
      return { view: result.view, replayed: result.kind === 'replayed' };
    case 'conflict':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This key was used with a different request');
    case 'not_configured':
      throw notConfigured(pspConfig.psp);
    case 'failed':
      throw pspFailureError(pspConfig.psp, result.failure);
  }
}

export function notConfigured(provider: CheckoutProvider): AppError {
  return new AppError('PSP_NOT_CONFIGURED', `${provider} is not configured for this deployment`);
}

export async function getCheckoutSession(env: Bindings, principal: Principal, sessionId: string): Promise<CheckoutSessionView> {
  const view = await checkoutStub(env, sessionId).get(principal.tenantId);
  if (!view) throw new NotFoundError('Checkout session not found');
  return view;
}

export async function refundCheckoutSession(
  env: Bindings,
  principal: Principal,
  sessionId: string,
  idempotencyKey: string,
  amount: number | null,
): Promise<{ refund: CheckoutRefundRecord; view: CheckoutSessionView; replayed: boolean }> {
  const requestHash = await fingerprint({ amount });
  const result: RefundCheckoutResult = await checkoutStub(env, sessionId).refund({
    tenantId: principal.tenantId,
    refundId: `rf_${idempotencyKey.replace(/-/g, '')}`,
    amount,
    requestHash,
  });
  switch (result.kind) {
    case 'refunded':
    case 'replayed':
      return { refund: result.refund, view: result.view, replayed: result.kind === 'replayed' };
    case 'not_found':
      throw new NotFoundError('Checkout session not found');
    case 'conflict':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This key was used with a different request');
    case 'not_configured':
      throw new AppError('PSP_NOT_CONFIGURED', 'the provider of this session is not configured');
    case 'not_refundable':
      throw new AppError('INVALID_STATE_TRANSITION', `A ${result.status} session cannot be refunded`);
    case 'exceeds':
      throw new AppError('REFUND_EXCEEDS_ORIGINAL', `At most ${result.refundable} can still be refunded`, {
        errors: [{ field: 'amount', message: `must be at most ${result.refundable}` }],
      });
    case 'failed':
      throw pspFailureError(result.provider, result.failure);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The public shape (snake_case, ISO times); provider details stay out except where a route adds them. */
export function renderCheckoutSession(view: CheckoutSessionView) {
  return {
    provider: view.provider,
    session_id: view.sessionId,
    checkout_url: view.checkoutUrl,
    status: view.status,
    expires_at: iso(view.expiresAt),
    provider_session_id: view.providerSessionId,
    amount: view.amount,
    currency: view.currency,
    amount_paid: view.amountPaid,
    amount_refunded: view.amountRefunded,
    merchant_id: view.merchantId,
    created_at: new Date(view.createdAt).toISOString(),
    updated_at: new Date(view.updatedAt).toISOString(),
    refunds: view.refunds.map((r) => ({
      refund_id: r.refundId,
      amount: r.amount,
      status: r.status,
      provider_refund_id: r.providerRefundId,
      created_at: new Date(r.createdAt).toISOString(),
    })),
  };
}
