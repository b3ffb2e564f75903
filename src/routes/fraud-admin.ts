import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import {
  AddScalperBody,
  FraudCheck,
  FraudCheckIdParam,
  FraudChecksQuery,
  FraudChecksResponse,
  KnownScalperView,
  ResolveFraudCheckBody,
  ScalperIdParam,
} from '../schemas/fraud';
import { addScalper, fraudChecks, removeScalper, resolveCheck } from '../services/fraud-admin';

const adminOnly = [requireAuth(), requireRole('admin'), userRateLimit()];

const listChecks = createRoute({
  method: 'get',
  path: '/admin/fraud/checks',
  tags: ['Admin'],
  summary: "The tenant's fraud decisions with their signals, newest first",
  security: BEARER_AUTH,
  middleware: adminOnly,
  request: { query: FraudChecksQuery },
  responses: {
    200: { description: 'Checks', content: { 'application/json': { schema: FraudChecksResponse } } },
    ...errorResponses(401, 403, 422, 429, 503),
  },
});

const resolve = createRoute({
  method: 'post',
  path: '/admin/fraud/checks/{id}/resolve',
  tags: ['Admin'],
  summary: 'Record the review outcome of a fraud check',
  security: BEARER_AUTH,
  middleware: adminOnly,
  request: { params: FraudCheckIdParam, body: { required: true, content: { 'application/json': { schema: ResolveFraudCheckBody } } } },
  responses: {
    200: { description: 'Resolved', content: { 'application/json': { schema: FraudCheck } } },
    ...errorResponses(400, 401, 403, 404, 413, 422, 429, 503),
  },
});

const addKnownScalper = createRoute({
  method: 'post',
  path: '/admin/fraud/scalpers',
  tags: ['Admin'],
  summary: 'List a user or device as a known scalper: its purchases are declined (403 FRAUD_DETECTED)',
  security: BEARER_AUTH,
  middleware: adminOnly,
  request: { body: { required: true, content: { 'application/json': { schema: AddScalperBody } } } },
  responses: {
    201: { description: 'Listed', content: { 'application/json': { schema: KnownScalperView } } },
    ...errorResponses(400, 401, 403, 413, 422, 429),
  },
});

const removeKnownScalper = createRoute({
  method: 'delete',
  path: '/admin/fraud/scalpers/{id}',
  tags: ['Admin'],
  summary: 'Take an entry off the known-scalper list',
  security: BEARER_AUTH,
  middleware: adminOnly,
  request: { params: ScalperIdParam },
  responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 422, 429) },
});

export const fraudAdminRoutes = createRouter()
  .openapi(listChecks, async (c) =>
    c.json({ checks: await fraudChecks(c.get('config'), c.executionCtx, c.get('principal'), c.req.valid('query')) }, 200),
  )
  .openapi(resolve, async (c) =>
    c.json(
      await resolveCheck(c.get('config'), c.executionCtx, c.get('principal'), c.req.valid('param').id, c.req.valid('json').outcome),
      200,
    ),
  )
  .openapi(addKnownScalper, async (c) => c.json(await addScalper(c.env, c.get('principal'), c.req.valid('json')), 201))
  .openapi(removeKnownScalper, async (c) => {
    await removeScalper(c.env, c.get('principal'), c.req.valid('param').id);
    return c.body(null, 204);
  });
