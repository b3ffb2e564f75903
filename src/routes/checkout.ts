import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { requireIdempotencyKey } from '../middleware/idempotency-key';
import { userRateLimit } from '../middleware/rate-limit';
import {
  CheckoutRefundBody,
  CheckoutSessionIdParam,
  CheckoutSessionResponse,
  CreateCheckoutSessionBody,
  OptionalIdempotencyKeyHeader,
} from '../schemas/checkout';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import { IdempotencyKeyHeader } from '../schemas/payments';
import { createCheckoutSession, getCheckoutSession, refundCheckoutSession, renderCheckoutSession } from '../services/checkout';

const createSessionRoute = createRoute({
  method: 'post',
  path: '/v1/checkout-sessions',
  tags: ['Checkout sessions'],
  summary: 'Create a hosted checkout session at any supported PSP',
  description:
    'A psp_config (psp, merchant, currency, metadata) plus an amount in minor units. The session is owned by an object and projected to Postgres; ' +
    'its status follows the provider’s signed notifications. With an Idempotency-Key, a retried request returns the same session.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('merchant', 'admin'), userRateLimit()],
  request: {
    headers: OptionalIdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateCheckoutSessionBody } } },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: CheckoutSessionResponse } } },
    200: {
      description: 'The same request again (Idempotent-Replayed: true)',
      content: { 'application/json': { schema: CheckoutSessionResponse } },
    },
    502: {
      description: 'PSP_UNAVAILABLE: the provider did not answer; retry',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
    ...errorResponses(400, 401, 403, 413, 422, 429, 503),
  },
});

const getSessionRoute = createRoute({
  method: 'get',
  path: '/v1/checkout-sessions/{sessionId}',
  tags: ['Checkout sessions'],
  summary: 'The current status of a checkout session',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('merchant', 'admin'), userRateLimit()],
  request: { params: CheckoutSessionIdParam },
  responses: {
    200: { description: 'The session', content: { 'application/json': { schema: CheckoutSessionResponse } } },
    ...errorResponses(401, 403, 404, 422, 429),
  },
});

const refundSessionRoute = createRoute({
  method: 'post',
  path: '/v1/checkout-sessions/{sessionId}/refund',
  tags: ['Checkout sessions'],
  summary: 'Refund a paid checkout session, fully or partly (idempotent)',
  description:
    'Full when amount is omitted; the sum of refunds never exceeds what was paid (400 REFUND_EXCEEDS_ORIGINAL). QPay refunds are full only.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('merchant', 'admin'), userRateLimit(), requireIdempotencyKey()],
  request: {
    params: CheckoutSessionIdParam,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CheckoutRefundBody } } },
  },
  responses: {
    200: {
      description: 'The session with the refund (succeeded or pending at the provider)',
      content: { 'application/json': { schema: CheckoutSessionResponse } },
    },
    502: { description: 'PSP_UNAVAILABLE: retry with the same key', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429, 503),
  },
});

const returnRoute = createRoute({
  method: 'get',
  path: '/v1/checkout/return',
  tags: ['Checkout sessions'],
  summary: 'Where a payer lands after a hosted checkout when the merchant gave no success_url/cancel_url',
  request: {
    query: z.object({
      session: z.string().regex(/^cko[0-9a-f]{32}$/),
      result: z.enum(['success', 'cancel']),
    }),
  },
  responses: {
    200: {
      description: 'The outcome as the payer returned; the authoritative status comes from the provider’s notification',
      content: { 'application/json': { schema: z.object({ session_id: z.string(), result: z.enum(['success', 'cancel']) }) } },
    },
    ...errorResponses(422),
  },
});

export const checkoutRoutes = createRouter()
  .openapi(createSessionRoute, async (c) => {
    const body = c.req.valid('json');
    const { view, replayed } = await createCheckoutSession(c.env, c.get('config'), c.get('principal'), {
      amount: body.amount,
      ...(body.description ? { description: body.description } : {}),
      pspConfig: body.psp_config,
      purpose: 'checkout',
      ttlSeconds: null,
      clientKey: c.req.valid('header')['idempotency-key']?.toLowerCase() ?? null,
      origin: new URL(c.req.url).origin,
    });
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(renderCheckoutSession(view), replayed ? 200 : 201);
  })
  .openapi(getSessionRoute, async (c) =>
    c.json(renderCheckoutSession(await getCheckoutSession(c.env, c.get('principal'), c.req.valid('param').sessionId)), 200),
  )
  .openapi(refundSessionRoute, async (c) => {
    const { view, replayed } = await refundCheckoutSession(
      c.env,
      c.get('principal'),
      c.req.valid('param').sessionId,
      c.get('idempotencyKey'),
      c.req.valid('json').amount ?? null,
    );
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(renderCheckoutSession(view), 200);
  })
  .openapi(returnRoute, (c) => {
    const q = c.req.valid('query');
    return c.json({ session_id: q.session, result: q.result }, 200);
  });
