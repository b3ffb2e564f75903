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

export type DatabaseCheck = { status: Status; latencyMs: number | null; checkedAt: string; message?: string };

/** A live `SELECT 1` through the Neon driver (GET /health/db). */
export async function checkDatabase(config: Config, ctx: WaitUntil): Promise<DatabaseCheck> {
  const checkedAt = new Date().toISOString();
  const result = await timed(() => withDb(config, ctx, selectOne));
  return result.ok
    ? { status: 'healthy', latencyMs: result.ms, checkedAt }
    : // The driver's message can name hosts; the component says only that it failed.
      { status: 'unhealthy', latencyMs: null, checkedAt, message: config.databaseUrl ? 'database unreachable' : 'database not configured' };
}

/** How long /health reuses a database probe. */
export const DATABASE_PROBE_TTL_MS = 5_000;
const probes = new Map<string, { startedAt: number; result: Promise<DatabaseCheck> }>();

/**
 * The database component of /health: one probe per isolate at most every 5 s, shared by concurrent
 * callers. Load balancers poll /health constantly, and a fresh connection per poll (WebSocket, startup,
 * SCRAM, SELECT 1) would make the health route the heaviest database client. `checkedAt` says how old
 * the answer is; /health/db stays live.
 */
export function probeDatabase(config: Config, ctx: WaitUntil, now = Date.now()): Promise<DatabaseCheck> {
  const key = config.databaseUrl ?? '';
  const cached = probes.get(key);
  if (cached && now - cached.startedAt < DATABASE_PROBE_TTL_MS) return cached.result;
  const result = checkDatabase(config, ctx);
  probes.set(key, { startedAt: now, result });
  return result;
}

/**
 * Objects: the HeartbeatDO answers. Queues: its outbox has no row waiting longer than 60 s (rows wait
 * only while the `outbox` queue refuses them). Database down only degrades the service: by design the
 * request path never waits on Postgres, so payments keep flowing and outboxes hold the events.
 */
export async function checkHealth(env: Bindings, config: Config, ctx: WaitUntil, now = Date.now()): Promise<HealthResponse> {
  const [database, heartbeat] = await Promise.all([probeDatabase(config, ctx, now), timed(() => heartbeatStub(env).status())]);

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
