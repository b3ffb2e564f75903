import { withDb } from '../db/client';
import { selectOne } from '../db/repos/stats';
import type { Bindings, Config } from '../env';
import { heartbeatStub } from '../lib/stubs';
import type { HealthResponse } from '../schemas/health';

type Status = 'healthy' | 'degraded' | 'unhealthy';
type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

export const CHECK_TIMEOUT_MS = 3_000;
/** An outbox row older than this means the queue is not taking messages. */
export const OUTBOX_STALE_SECONDS = 60;

async function timed<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T; ms: number } | { ok: false; ms: number; error: unknown }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const value = await Promise.race([fn(), timeout]);
    return { ok: true, value, ms: round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: round(performance.now() - started), error };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function checkDatabase(config: Config, ctx: WaitUntil) {
  const result = await timed(() => withDb(config, ctx, selectOne));
  return result.ok
    ? { status: 'healthy' as Status, latencyMs: result.ms }
    : // The driver's message can name hosts; the component says only that it failed.
      { status: 'unhealthy' as Status, latencyMs: null, message: config.databaseUrl ? 'database unreachable' : 'database not configured' };
}

/**
 * Objects: the HeartbeatDO answers. Queues: its outbox has no row waiting longer than 60 s (rows wait
 * only while the `outbox` queue refuses them). Database down only degrades the service: by design the
 * request path never waits on Postgres, so payments keep flowing and outboxes hold the events.
 */
export async function checkHealth(env: Bindings, config: Config, ctx: WaitUntil, now = Date.now()): Promise<HealthResponse> {
  const [database, heartbeat] = await Promise.all([checkDatabase(config, ctx), timed(() => heartbeatStub(env).status())]);

  const objects = heartbeat.ok
    ? { status: 'healthy' as Status, latencyMs: heartbeat.ms }
    : { status: 'unhealthy' as Status, latencyMs: null, message: 'durable object did not answer' };

  let queues: HealthResponse['components']['queues'];
  if (!heartbeat.ok) {
    queues = { status: 'unhealthy', pendingEvents: null, oldestPendingSeconds: null, lastDeliveredAt: null, message: 'probe unavailable' };
  } else {
    const { outbox } = heartbeat.value;
    const oldest = outbox.oldestPendingAt === null ? null : Math.max(0, Math.round((now - outbox.oldestPendingAt) / 1000));
    const stale = oldest !== null && oldest > OUTBOX_STALE_SECONDS;
    queues = {
      status: stale ? 'degraded' : 'healthy',
      pendingEvents: outbox.pending,
      oldestPendingSeconds: oldest,
      lastDeliveredAt: outbox.lastSentAt === null ? null : new Date(outbox.lastSentAt).toISOString(),
      ...(stale ? { message: 'outbox events are waiting for the queue' } : {}),
    };
  }

  const status: Status =
    objects.status === 'unhealthy' ? 'unhealthy' : [database.status, queues.status].some((s) => s !== 'healthy') ? 'degraded' : 'healthy';
  return {
    status,
    service: config.serviceName,
    version: config.serviceVersion,
    timestamp: new Date(now).toISOString(),
    components: { database, objects, queues },
  };
}
