import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import { CalculateFeesBody, CalculateFeesResponse, OptionalIdempotencyKeyHeader } from '../schemas/fees';
import { quoteFees } from '../services/fees';

const calculateFeesRoute = createRoute({
  method: 'post',
  path: '/api/v1/payments/calculate-fees',
  tags: ['Payments'],
  summary: 'Quote fees, taxes and gas for an order (no side effects)',
  description:
    'Any authenticated role. Uses the venue profile of the caller’s tenant: platform fee by the venue’s tier (explicit, else from ' +
    '30-day volume: starter 8.2 %, pro 7.9 %, enterprise 7.5 %), gas 50 per ticket, tax at the venue’s address — the same ' +
    'arithmetic POST /api/v1/payments/process charges. `gasEstimates` are static per-chain figures for information only. ' +
    'Nothing is stored; an Idempotency-Key header is accepted and ignored.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: {
    headers: OptionalIdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: CalculateFeesBody } } },
  },
  responses: {
    200: { description: 'The quote', content: { 'application/json': { schema: CalculateFeesResponse } } },
    ...errorResponses(400, 401, 404, 413, 422, 429),
  },
});

export const feeRoutes = createRouter().openapi(calculateFeesRoute, async (c) =>
  c.json(await quoteFees(c.env, c.get('config'), c.get('principal').tenantId, c.req.valid('json')), 200),
);
