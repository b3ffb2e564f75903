import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireInternalService } from '../middleware/internal-hmac';
import { ErrorBodySchema, errorResponses } from '../schemas/common';
import {
  CalculateTaxBody,
  CalculateTaxResponse,
  INTERNAL_HMAC,
  InternalServiceHeaders,
  PaymentCompleteBody,
  PaymentCompleteResponse,
} from '../schemas/internal';
import { confirmPaymentComplete, internalCalculateTax } from '../services/internal';

const internalUnauthorized = {
  401: {
    description: 'INVALID_TOKEN: missing headers, unknown service, timestamp outside ±300 s, bad or replayed signature',
    content: { 'application/json': { schema: ErrorBodySchema } },
  },
};

const calculateTaxRoute = createRoute({
  method: 'post',
  path: '/internal/calculate-tax',
  tags: ['Internal'],
  summary: 'Sales tax on an amount at a venue (service-to-service)',
  description:
    'Tickets are taxed where the event happens: the venue address decides (state rate, then city local and ' +
    'entertainment taxes where known); customerAddress is accepted and ignored. Each component is rounded half up on its own.',
  security: INTERNAL_HMAC,
  middleware: [requireInternalService()],
  request: {
    headers: InternalServiceHeaders,
    body: { required: true, content: { 'application/json': { schema: CalculateTaxBody } } },
  },
  responses: {
    200: { description: 'The tax and its breakdown', content: { 'application/json': { schema: CalculateTaxResponse } } },
    ...errorResponses(400, 413, 422),
    ...internalUnauthorized,
  },
});

const paymentCompleteRoute = createRoute({
  method: 'post',
  path: '/internal/payment-complete',
  tags: ['Internal'],
  summary: 'Confirm that a payment is completed, for an order (service-to-service)',
  description:
    'The order service asks before marking an order paid. Answers 200 with the transaction when the payment of ' +
    '`tenantId` is completed (captured, including later refund states), 409 INVALID_STATE_TRANSITION when it is not ' +
    '(pending, processing, failed, cancelled, expired), 404 when unknown or another tenant’s. Records nothing: the order ' +
    'service owns orders, so the call is read-only and safe to repeat (with a fresh signature).',
  security: INTERNAL_HMAC,
  middleware: [requireInternalService()],
  request: {
    headers: InternalServiceHeaders,
    body: { required: true, content: { 'application/json': { schema: PaymentCompleteBody } } },
  },
  responses: {
    200: { description: 'The payment is completed', content: { 'application/json': { schema: PaymentCompleteResponse } } },
    409: {
      description: 'INVALID_STATE_TRANSITION: the payment is not completed',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
    ...errorResponses(400, 404, 413, 422),
    ...internalUnauthorized,
  },
});

export const internalRoutes = createRouter()
  .openapi(calculateTaxRoute, async (c) => c.json(internalCalculateTax(c.req.valid('json')), 200))
  .openapi(paymentCompleteRoute, async (c) => c.json(await confirmPaymentComplete(c.env, c.req.valid('json')), 200));
