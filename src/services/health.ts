import { withDb } from '../db/client';
import { type QueueBacklog, queueBacklog } from '../db/repos/queue-retries';
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
const secondsSince = (now: number, at: number) => Math.max(0, Math.round((now - at) / 1000));

export type DatabaseCheck = { status: Status; latencyMs: number | null; checkedAt: string; message?: string };
type DatabaseProbe = { check: DatabaseCheck; backlog: QueueBacklog | null };

async function runProbe<T>(
  config: Config,
  ctx: WaitUntil,
  fn: Parameters<typeof withDb<T>>[2],
): Promise<{ check: DatabaseCheck; value: T | null }> {
  const checkedAt = new Date().toISOString();
  const result = await timed(() => withDb(config, ctx, fn));
  return result.ok
    ? { check: { status: 'healthy', latencyMs: result.ms, checkedAt }, value: result.value }
    : { check: unreachable(config, checkedAt), value: null };
}

// The driver's message can name hosts; the component says only that it failed.
function unreachable(config: Config, checkedAt: string): DatabaseCheck {
  return {
    status: 'unhealthy',
    latencyMs: null,
    checkedAt,
    message: config.databaseUrl ? 'database unreachable' : 'database not configured',
  };
}

/** A live `SELECT 1` through the Neon driver (GET /health/db). */
export async function checkDatabase(config: Config, ctx: WaitUntil): Promise<DatabaseCheck> {
  return (await runProbe(config, ctx, selectOne)).check;
}

/** How long /health reuses a database probe. */
export const DATABASE_PROBE_TTL_MS = 5_000;
/** How often a request waiting for another request's probe looks for its result. */
const PROBE_POLL_MS = 20;
type ProbeSlot = { startedAt: number; result: DatabaseProbe | null };
const probes = new Map<string, ProbeSlot>();

/**
 * The database component of /health: one probe per isolate at most every 5 s, shared by concurrent
 * callers. Load balancers poll /health constantly, and a fresh connection per poll (WebSocket, startup,
 * password, SELECT 1) would make the health route the heaviest database client. `checkedAt` says how old
 * the answer is; /health/db stays live.
 *
 * A caller that finds another request's probe in flight waits on timers of its own and reads the result
 * from the slot, never awaiting that request's promise: workerd drops the continuations of a request
 * waiting on another request's promise once that request has ended, and the waiter then fails as hung
 * (a 500). Bursts of /health met that whenever the probing request finished first.
 */
export async function probeDatabase(config: Config, ctx: WaitUntil, now = Date.now()): Promise<DatabaseProbe> {
  const key = config.databaseUrl ?? '';
  const current = probes.get(key);
  if (current && now - current.startedAt < DATABASE_PROBE_TTL_MS) {
    if (current.result) return current.result;
    const deadline = now + CHECK_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, PROBE_POLL_MS));
      if (current.result) return current.result;
    }
    // The probe's request was cancelled, or the probe outlived its own timeout: report what it would have.
    return { check: unreachable(config, new Date(now).toISOString()), backlog: null };
  }
  const slot: ProbeSlot = { startedAt: now, result: null };
  probes.set(key, slot);
  // The same connection also reads the consumers' backlog: messages in retries and dead letters.
  const { check, value } = await runProbe(config, ctx, queueBacklog);
  slot.result = { check, backlog: value };
  return slot.result;
}

/**
 * Objects: the HeartbeatDO answers. Queues are degraded when the heartbeat's outbox has a row the queue
 * has refused for over 60 s, or a beat the queue took but no consumer applied within 60 s (the pipeline
 * behind the queue is stalled), or any message is in consumer retries, or dead letters wait for an
 * operator. Database down only degrades the service: by design the request path never waits on
 * Postgres, so payments keep flowing and outboxes hold the events.
 */
export async function checkHealth(env: Bindings, config: Config, ctx: WaitUntil, now = Date.now()): Promise<HealthResponse> {
  const [probe, heartbeat] = await Promise.all([probeDatabase(config, ctx, now), timed(() => heartbeatStub(env).status())]);
  const database = probe.check;
  const backlog = probe.backlog;

  const objects = heartbeat.ok
    ? { status: 'healthy' as Status, latencyMs: heartbeat.ms }
    : { status: 'unhealthy' as Status, latencyMs: null, message: 'durable object did not answer' };

  let queues: HealthResponse['components']['queues'];
  const consumers = {
    retrying: backlog?.retrying ?? null,
    oldestRetryingSeconds: backlog?.oldestRetryingSince ? secondsSince(now, Date.parse(backlog.oldestRetryingSince)) : null,
    deadLetters: backlog?.deadLetters ?? null,
  };
  if (!heartbeat.ok) {
    queues = {
      status: 'unhealthy',
      pendingEvents: null,
      oldestPendingSeconds: null,
      unconfirmedEvents: null,
      oldestUnconfirmedSeconds: null,
      lastDeliveredAt: null,
      ...consumers,
      message: 'probe unavailable',
    };
  } else {
    const { outbox } = heartbeat.value;
    const oldest = outbox.oldestPendingAt === null ? null : secondsSince(now, outbox.oldestPendingAt);
    const oldestUnconfirmed = outbox.oldestUnconfirmedAt === null ? null : secondsSince(now, outbox.oldestUnconfirmedAt);
    const problems = [
      oldest !== null && oldest > OUTBOX_STALE_SECONDS ? 'outbox events are waiting for the queue' : null,
      oldestUnconfirmed !== null && oldestUnconfirmed > OUTBOX_STALE_SECONDS ? 'events sent to the queue have not reached Postgres' : null,
      consumers.retrying ? `${consumers.retrying} queue message(s) in consumer retries` : null,
      consumers.deadLetters ? `${consumers.deadLetters} dead letter(s) waiting (/admin/dead-letters)` : null,
    ].filter((p): p is string => p !== null);
    queues = {
      status: problems.length > 0 ? 'degraded' : 'healthy',
      pendingEvents: outbox.pending,
      oldestPendingSeconds: oldest,
      unconfirmedEvents: outbox.unconfirmed,
      oldestUnconfirmedSeconds: oldestUnconfirmed,
      lastDeliveredAt: outbox.lastSentAt === null ? null : new Date(outbox.lastSentAt).toISOString(),
      ...consumers,
      ...(problems.length > 0 ? { message: problems.join('; ') } : {}),
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
