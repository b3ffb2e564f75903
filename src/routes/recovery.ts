import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { OptionalIdempotencyKeyHeader } from '../schemas/checkout';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import {
  CreatePaymentLinkBody,
  CreateRecoveryCheckoutBody,
  PaymentLinkResponse,
  RecordTransactionBody,
  RecoveryCheckoutResponse,
  RecoveryWebhookAck,
  SessionStatusResponse,
  StripeSessionIdParam,
  TransactionIdParam,
  TransactionResponse,
} from '../schemas/recovery';
import { receiveStripeWebhook } from '../services/psp-webhooks';
import {
  createRecoveryCheckout,
  createRecoveryPaymentLink,
  getTransaction,
  recordTransaction,
  recoverySessionStatus,
  renderRecoveryCheckout,
  renderTransaction,
} from '../services/recovery';

const TAG = ['Stripe recovery'];
const merchant = () => [requireAuth(), requireRole('merchant', 'admin'), userRateLimit()];
const pspUnavailable = {
  502: { description: 'PSP_UNAVAILABLE: Stripe did not answer; retry', content: { 'application/json': { schema: ErrorBodySchema } } },
};

const recordRoute = createRoute({
  method: 'post',
  path: '/v1/transactions',
  tags: TAG,
  summary: 'Record a failed payment to recover',
  description:
    'Amount in minor units of currency; customerEmail and/or customerPhone (E.164) receive the reminders. With an Idempotency-Key ' +
    'a retried request returns the same transaction (Idempotent-Replayed: true).',
  security: BEARER_AUTH,
  middleware: merchant(),
  request: {
    headers: OptionalIdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: RecordTransactionBody } } },
  },
  responses: {
    201: { description: 'Recorded', content: { 'application/json': { schema: TransactionResponse } } },
    200: { description: 'The same request again', content: { 'application/json': { schema: TransactionResponse } } },
    ...errorResponses(400, 401, 403, 413, 422, 429),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/transactions/{transactionId}',
  tags: TAG,
  summary: 'A recovery transaction: Stripe fields, recovery status, payment attempts and notifications',
  security: BEARER_AUTH,
  middleware: merchant(),
  request: { params: TransactionIdParam },
  responses: {
    200: { description: 'The transaction', content: { 'application/json': { schema: TransactionResponse } } },
    ...errorResponses(401, 403, 404, 422, 429),
  },
});

const checkoutRoute = createRoute({
  method: 'post',
  path: '/v1/payments/stripe/checkout-sessions',
  tags: TAG,
  summary: 'A Stripe Checkout Session for the transaction, expiring in 24 hours',
  description:
    'One open session per transaction: while one is open it is returned (200); otherwise a new one is created (201). ' +
    'Creating the first link starts the reminder schedule.',
  security: BEARER_AUTH,
  middleware: merchant(),
  request: { body: { required: true, content: { 'application/json': { schema: CreateRecoveryCheckoutBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: RecoveryCheckoutResponse } } },
    200: { description: 'The open session of this transaction', content: { 'application/json': { schema: RecoveryCheckoutResponse } } },
    ...pspUnavailable,
    ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 503),
  },
});

const linkRoute = createRoute({
  method: 'post',
  path: '/v1/payments/stripe/payment-links',
  tags: TAG,
  summary: 'A reusable Stripe Payment Link for the transaction (the same link on every call)',
  security: BEARER_AUTH,
  middleware: merchant(),
  request: { body: { required: true, content: { 'application/json': { schema: CreatePaymentLinkBody } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: PaymentLinkResponse } } },
    200: { description: 'The transaction’s link', content: { 'application/json': { schema: PaymentLinkResponse } } },
    ...pspUnavailable,
    ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 503),
  },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/v1/payments/stripe/sessions/{id}/status',
  tags: TAG,
  summary: 'Status of a recovery Checkout Session (cs_…), read from Stripe',
  description: 'Sessions made by a payment link count too. Another organization’s session is 404.',
  security: BEARER_AUTH,
  middleware: merchant(),
  request: { params: StripeSessionIdParam },
  responses: {
    200: { description: 'The session and its transaction', content: { 'application/json': { schema: SessionStatusResponse } } },
    ...pspUnavailable,
    ...errorResponses(401, 403, 404, 422, 429),
  },
});

const webhookRoute = createRoute({
  method: 'post',
  path: '/v1/payments/stripe/webhooks',
  tags: TAG,
  summary: 'Stripe events (Stripe-Signature over the raw body, 300 s tolerance)',
  description:
    'checkout.session.completed → recovery completed; payment_intent.succeeded / payment_failed → recorded on the transaction. ' +
    'Events of checkout sessions and ticket payments are handled as at /api/v1/webhooks/stripe. Deduplicated by event id.',
  request: { headers: z.object({ 'stripe-signature': z.string().optional() }) },
  responses: {
    200: { description: 'Accepted', content: { 'application/json': { schema: RecoveryWebhookAck } } },
    ...errorResponses(400, 413, 503),
  },
});

export const recoveryRoutes = createRouter()
  .openapi(recordRoute, async (c) => {
    const key = c.req.valid('header')['idempotency-key']?.toLowerCase() ?? null;
    const { view, replayed } = await recordTransaction(c.env, c.get('config'), c.get('principal'), c.req.valid('json'), key);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(renderTransaction(view), replayed ? 200 : 201);
  })
  .openapi(getRoute, async (c) =>
    c.json(renderTransaction(await getTransaction(c.env, c.get('principal'), c.req.valid('param').transactionId)), 200),
  )
  .openapi(checkoutRoute, async (c) => {
    const { view, created } = await createRecoveryCheckout(
      c.env,
      c.get('config'),
      c.get('principal'),
      c.req.valid('json'),
      new URL(c.req.url).origin,
    );
    return c.json(renderRecoveryCheckout(view), created ? 201 : 200);
  })
  .openapi(linkRoute, async (c) => {
    const { view, created } = await createRecoveryPaymentLink(
      c.env,
      c.get('config'),
      c.get('principal'),
      c.req.valid('json').transactionId,
    );
    return c.json(
      { transactionId: view.transactionId, paymentLinkId: view.paymentLinkId ?? '', url: view.paymentLinkUrl ?? '' },
      created ? 201 : 200,
    );
  })
  .openapi(statusRoute, async (c) =>
    c.json(await recoverySessionStatus(c.env, c.get('config'), c.get('principal'), c.req.valid('param').id), 200),
  )
  .openapi(webhookRoute, async (c) => {
    return c.json(await receiveStripeWebhook(c.env, c.get('config'), c.req.raw, c.get('logger')), 200);
  });
