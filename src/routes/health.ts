import { createRoute } from '@hono/zod-openapi';
import { deploymentFeatures, PRIMARY_PROCESSOR } from '../lib/features';
import { createRouter } from '../lib/router';
import { DbHealthResponse, HealthResponse, InfoResponse } from '../schemas/health';
import { checkDatabase, checkHealth } from '../services/health';

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Health'],
  summary: 'Liveness and component health',
  description:
    'database (SELECT 1 through the Neon driver), objects (a Durable Object answers), queues (outbox backlog). 503 only when objects are down; a database outage degrades, since payments never wait on Postgres.',
  responses: {
    200: { description: 'Healthy or degraded', content: { 'application/json': { schema: HealthResponse } } },
    503: { description: 'Unhealthy', content: { 'application/json': { schema: HealthResponse } } },
  },
});

const healthDb = createRoute({
  method: 'get',
  path: '/health/db',
  tags: ['Health'],
  summary: 'Database check (SELECT 1) with latency',
  responses: {
    200: { description: 'Database reachable', content: { 'application/json': { schema: DbHealthResponse } } },
    503: { description: 'Database unreachable', content: { 'application/json': { schema: DbHealthResponse } } },
  },
});

const info = createRoute({
  method: 'get',
  path: '/info',
  tags: ['Health'],
  summary: 'Service, version and feature map',
  description:
    'Features are read from the configuration: a provider is true when its credentials are set (false exactly when a session for it answers 503 PSP_NOT_CONFIGURED); notifications when email or SMS credentials are set; fraudDetection unless PRECHARGE_RISK_CHECKS is off.',
  responses: { 200: { description: 'Service info', content: { 'application/json': { schema: InfoResponse } } } },
});

export const healthRoutes = createRouter()
  .openapi(health, async (c) => {
    const report = await checkHealth(c.env, c.get('config'), c.executionCtx);
    return report.status === 'unhealthy' ? c.json(report, 503) : c.json(report, 200);
  })
  .openapi(healthDb, async (c) => {
    const db = await checkDatabase(c.get('config'), c.executionCtx);
    const body = { ...db, timestamp: new Date().toISOString() };
    return db.status === 'healthy' ? c.json(body, 200) : c.json(body, 503);
  })
  .openapi(info, (c) =>
    c.json(
      {
        service: c.get('config').serviceName,
        version: c.get('config').serviceVersion,
        processor: PRIMARY_PROCESSOR,
        features: deploymentFeatures(c.get('config')),
        status: 'running' as const,
      },
      200,
    ),
  );
