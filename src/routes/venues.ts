import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { requireIdempotencyKey } from '../middleware/idempotency-key';
import { userRateLimit } from '../middleware/rate-limit';
import { VenueIdParam } from '../schemas/catalog';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import { IdempotencyKeyHeader } from '../schemas/payments';
import { BalanceCheck, PayoutBody, PayoutList, PayoutListQuery, PayoutResponse, VenueBalance } from '../schemas/venues';
import { checkVenueBalances, listPayouts, requestPayout, venueBalance } from '../services/venues';

const balance = createRoute({
  method: 'get',
  path: '/api/v1/venues/{venueId}/balance',
  tags: ['Venues'],
  summary: "The venue's balances: pending, available, reserved and payable (its managers and admins)",
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: VenueIdParam },
  responses: {
    200: { description: 'Balances', content: { 'application/json': { schema: VenueBalance } } },
    ...errorResponses(401, 404, 422, 429),
  },
});

const check = createRoute({
  method: 'get',
  path: '/admin/venues/balance-check',
  tags: ['Admin'],
  summary: "Every venue's balances against its ledger accounts",
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('admin'), userRateLimit()],
  responses: {
    200: { description: 'The comparison', content: { 'application/json': { schema: BalanceCheck } } },
    ...errorResponses(401, 403, 429, 503),
  },
});

const payout = createRoute({
  method: 'post',
  path: '/api/v1/venues/{venueId}/payout',
  tags: ['Venues'],
  summary: "Pay out from the venue's payable balance through Stripe Connect (its managers and admins; idempotent)",
  description:
    "amount ≥ 10000 (422), ≤ payable (400 INSUFFICIENT_FUNDS), and with the venue's other payouts of the UTC day that have not failed " +
    '≤ 5,000,000 (400 PAYOUT_LIMIT_EXCEEDED), checked and taken from the balance in one step. Instant payouts cost 1 % of amount, kept by the ' +
    'platform; the bank receives the rest. A payout Stripe reports failed gives the whole amount back to the balance. Same Idempotency-Key and ' +
    'body → the stored response with Idempotent-Replayed: true; while the first runs → 409; another body → 422.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireIdempotencyKey()],
  request: {
    params: VenueIdParam,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: PayoutBody } } },
  },
  responses: {
    200: { description: 'Payout initiated', content: { 'application/json': { schema: PayoutResponse } } },
    502: { description: 'PSP_UNAVAILABLE', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(400, 401, 404, 409, 413, 422, 503),
  },
});

const payouts = createRoute({
  method: 'get',
  path: '/api/v1/venues/{venueId}/payouts',
  tags: ['Venues'],
  summary: "The venue's payouts, newest first (its managers and admins)",
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: VenueIdParam, query: PayoutListQuery },
  responses: {
    200: { description: 'Payouts', content: { 'application/json': { schema: PayoutList } } },
    ...errorResponses(401, 404, 422, 429),
  },
});

export const venueRoutes = createRouter()
  .openapi(balance, async (c) => c.json(await venueBalance(c.env, c.get('principal'), c.req.valid('param').venueId), 200))
  .openapi(payout, async (c) => {
    const { venueId } = c.req.valid('param');
    const result = await requestPayout(c.env, c.get('principal'), venueId, c.get('idempotencyKey'), c.req.valid('json'), c.req.path);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(JSON.parse(result.body), 200);
  })
  .openapi(payouts, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(await listPayouts(c.env, c.get('principal'), c.req.valid('param').venueId, limit, cursor), 200);
  })
  .openapi(check, async (c) => c.json(await checkVenueBalances(c.env, c.get('config'), c.executionCtx, c.get('principal')), 200));
