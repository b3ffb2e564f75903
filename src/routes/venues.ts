import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { VenueIdParam } from '../schemas/catalog';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import { BalanceCheck, VenueBalance } from '../schemas/venues';
import { checkVenueBalances, venueBalance } from '../services/venues';

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

export const venueRoutes = createRouter()
  .openapi(balance, async (c) => c.json(await venueBalance(c.env, c.get('principal'), c.req.valid('param').venueId), 200))
  .openapi(check, async (c) => c.json(await checkVenueBalances(c.env, c.get('config'), c.executionCtx, c.get('principal')), 200));
