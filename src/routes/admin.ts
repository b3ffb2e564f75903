import { createRoute } from '@hono/zod-openapi';
import { withDb } from '../db/client';
import { paymentStatsLast24Hours } from '../db/repos/stats';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import {
  AdminStatsResponse,
  ListDeadLettersQuery,
  ListDeadLettersResponse,
  RequeueDeadLettersBody,
  RequeueDeadLettersResponse,
} from '../schemas/admin';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import { deadLetterScope, listDeadLettersFor, requeueDeadLetters } from '../services/dead-letters';

const adminOnly = [requireAuth(), requireRole('admin'), userRateLimit()];

const stats = createRoute({
  method: 'get',
  path: '/admin/stats',
  tags: ['Admin'],
  summary: "Last-24-hour payment counts for the caller's tenant",
  security: BEARER_AUTH,
  middleware: adminOnly,
  responses: {
    200: {
      description: 'Counts (zeros while empty); revenue in minor units',
      content: { 'application/json': { schema: AdminStatsResponse } },
    },
    ...errorResponses(401, 403, 429, 503),
  },
});

const listDeadLetters = createRoute({
  method: 'get',
  path: '/admin/dead-letters',
  tags: ['Admin'],
  summary: 'Dead letters recorded from outbox-dlq, mint-dlq and deliveries-dlq',
  description: "A tenant's admin sees its tenant's letters; the platform tenant's admin also sees system ones.",
  security: BEARER_AUTH,
  middleware: adminOnly,
  request: { query: ListDeadLettersQuery },
  responses: {
    200: { description: 'Oldest first', content: { 'application/json': { schema: ListDeadLettersResponse } } },
    ...errorResponses(401, 403, 422, 429, 503),
  },
});

const requeue = createRoute({
  method: 'post',
  path: '/admin/dead-letters/requeue',
  tags: ['Admin'],
  summary: 'Send dead letters back to their queue',
  description: 'Consumers are idempotent on eventId, so re-enqueueing a letter that was in fact applied changes nothing.',
  security: BEARER_AUTH,
  middleware: adminOnly,
  request: { body: { required: true, content: { 'application/json': { schema: RequeueDeadLettersBody } } } },
  responses: {
    200: {
      description: 'Ids re-enqueued, and ids not found in the caller’s scope',
      content: { 'application/json': { schema: RequeueDeadLettersResponse } },
    },
    ...errorResponses(400, 401, 403, 413, 422, 429, 503),
  },
});

export const adminRoutes = createRouter()
  .openapi(stats, async (c) => {
    const last24Hours = await withDb(c.get('config'), c.executionCtx, (db) => paymentStatsLast24Hours(db, c.get('principal').tenantId));
    return c.json({ last24Hours, timestamp: new Date().toISOString() }, 200);
  })
  .openapi(listDeadLetters, async (c) => {
    const scope = deadLetterScope(c.get('principal'), c.get('config'));
    const deadLetters = await listDeadLettersFor(c.get('config'), c.executionCtx, scope, c.req.valid('query'));
    return c.json({ deadLetters }, 200);
  })
  .openapi(requeue, async (c) => {
    const scope = deadLetterScope(c.get('principal'), c.get('config'));
    const result = await requeueDeadLetters(c.env, c.get('config'), c.executionCtx, scope, c.req.valid('json').ids);
    return c.json(result, 200);
  });
