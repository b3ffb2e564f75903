import { describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../src/schemas/health';
import { call, callWithEnv, json, UNREACHABLE_DATABASE_URL } from '../helpers/app';

describe('GET /health', () => {
  it('reports every component healthy with a real database', async () => {
    const res = await call('/health');
    expect(res.status).toBe(200);
    const body = await json<HealthResponse>(res);
    expect(body.service).toBe('edgepay');
    expect(body.components.database).toMatchObject({ status: 'healthy' });
    expect(body.components.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.components.objects.status).toBe('healthy');
    // Other test files leave dead letters and retrying messages in the shared database on purpose; the
    // queues are healthy exactly when there are none (test/queues/outbox-delivery.test.ts covers the rest).
    const { queues } = body.components;
    expect(queues.deadLetters).not.toBeNull();
    expect(queues.retrying).not.toBeNull();
    const stale = (seconds: number | null) => seconds !== null && seconds > 60;
    const troubled =
      (queues.deadLetters ?? 0) > 0 ||
      (queues.retrying ?? 0) > 0 ||
      stale(queues.oldestPendingSeconds) ||
      stale(queues.oldestUnconfirmedSeconds);
    expect(queues.status).toBe(troubled ? 'degraded' : 'healthy');
    expect(queues.message === undefined).toBe(!troubled);
    expect(body.status).toBe(queues.status);
  });

  it('is degraded, not down, when Postgres is unreachable, and does not leak the connection string', async () => {
    const res = await callWithEnv({ DATABASE_URL: UNREACHABLE_DATABASE_URL }, '/health');
    expect(res.status).toBe(200);
    const body = await json<HealthResponse>(res);
    expect(body.status).toBe('degraded');
    expect(body.components.database).toEqual({
      status: 'unhealthy',
      latencyMs: null,
      checkedAt: expect.any(String),
      message: 'database unreachable',
    });
    expect(body.components.objects.status).toBe('healthy');
    expect(JSON.stringify(body)).not.toContain('127.0.0.1:1');
  });
});

describe('GET /health/db', () => {
  it('runs SELECT 1 through the Neon driver and reports latency', async () => {
    const res = await call('/health/db');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe('healthy');
    expect(typeof body.latencyMs).toBe('number');
  });

  it('answers 503 when the database cannot be reached', async () => {
    const res = await callWithEnv({ DATABASE_URL: UNREACHABLE_DATABASE_URL }, '/health/db');
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ status: 'unhealthy', latencyMs: null });
  });
});

describe('GET /info', () => {
  it('names the service and version and lists its features', async () => {
    const res = await call('/info');
    expect(res.status).toBe(200);
    const body = await json<{ features: Record<string, unknown> }>(res);
    expect(body).toMatchObject({ service: 'edgepay', version: '0.1.0', processor: 'stripe', status: 'running' });
    for (const key of [
      'stripe',
      'square',
      'webhooks',
      'reconciliation',
      'nftIntegration',
      'notifications',
      'fraudDetection',
      'queueDashboard',
    ]) {
      expect(body.features).toHaveProperty(key);
    }
    expect(body.features.transactionalOutbox).toBe(true);
    // process runs its bot, fraud and velocity checks (PRECHARGE_RISK_CHECKS is on).
    expect(body.features.fraudDetection).toBe(true);
  });
});

describe('request id', () => {
  it('is set on every response, errors included', async () => {
    for (const path of ['/health', '/no-such-route']) {
      const res = await call(path);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('keeps a well-formed incoming X-Request-Id and puts it in error bodies', async () => {
    const res = await call('/no-such-route', { headers: { 'X-Request-Id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    expect((await json(res)).requestId).toBe('trace-abc-123');
  });
});

describe('the /health database probe', () => {
  it('is shared by concurrent callers and reused for a few seconds, while /health/db is always live', async () => {
    const bodies = await Promise.all([1, 2, 3].map(async () => json<HealthResponse>(await call('/health'))));
    const checked = new Set(bodies.map((b) => b.components.database.checkedAt));
    expect(checked.size).toBe(1);
    const live1 = await json<{ checkedAt: string }>(await call('/health/db'));
    await new Promise((r) => setTimeout(r, 5));
    const live2 = await json<{ checkedAt: string }>(await call('/health/db'));
    expect(live1.checkedAt).not.toBe(live2.checkedAt);
  });
});
