import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import {
  CreateQpaySessionBody,
  OptionalIdempotencyKeyHeader,
  QpayInvoiceIdParam,
  QpayInvoiceResponse,
  QpayPaymentStatusResponse,
} from '../schemas/checkout';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import { createQpayPaymentSession, qpayPaymentStatus } from '../services/qpay';

const createRoute_ = createRoute({
  method: 'post',
  path: '/api/create-payment-session',
  tags: ['QPay'],
  summary: 'Create a QPay invoice',
  description:
    'Any authenticated role. amount is in minor units of MNT and must be whole tugrik. The same orderId (or Idempotency-Key) returns the same invoice; ' +
    'QPay’s callback is trusted only after a payment check.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: {
    headers: OptionalIdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CreateQpaySessionBody } } },
  },
  responses: {
    201: { description: 'Invoice created', content: { 'application/json': { schema: QpayInvoiceResponse } } },
    200: { description: 'The same order again', content: { 'application/json': { schema: QpayInvoiceResponse } } },
    502: { description: 'PSP_UNAVAILABLE', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(400, 401, 413, 422, 429, 503),
  },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/api/payment-sessions/{invoiceId}',
  tags: ['QPay'],
  summary: 'Whether a QPay invoice is paid, checked with QPay',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: QpayInvoiceIdParam },
  responses: {
    200: { description: 'Paid or not, with payments', content: { 'application/json': { schema: QpayPaymentStatusResponse } } },
    502: { description: 'PSP_UNAVAILABLE', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(401, 404, 422, 429, 503),
  },
});

export const qpayRoutes = createRouter()
  .openapi(createRoute_, async (c) => {
    const { body, replayed } = await createQpayPaymentSession(
      c.env,
      c.get('config'),
      c.get('principal'),
      c.req.valid('json'),
      c.req.valid('header')['idempotency-key']?.toLowerCase() ?? null,
      new URL(c.req.url).origin,
    );
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(body, replayed ? 200 : 201);
  })
  .openapi(statusRoute, async (c) =>
    c.json(await qpayPaymentStatus(c.env, c.get('config'), c.get('principal'), c.req.valid('param').invoiceId), 200),
  );
