import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { OUTBOX_REDELIVER_AFTER_MS, Outbox } from '../../durable-objects/outbox';
import { parseConfig } from '../../src/env';
import type { HeartbeatDO } from '../../src/index';
import worker from '../../src/index';
import type { OutboxMessage } from '../../src/queues/messages';
import type { HealthResponse } from '../../src/schemas/health';
import { checkHealth } from '../../src/services/health';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { heartbeatRow, processedCount } from '../helpers/events';

async function deliver(bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    'outbox',
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

function venueEvent(name: string): OutboxMessage {
  const venueId = `v-${crypto.randomUUID()}`;
  return {
    v: 1,
    eventId: crypto.randomUUID(),
    type: 'venue.upserted',
    source: { object: 'VenueDO', id: 'a'.repeat(64) },
    tenantId: 't-poison',
    occurredAt: new Date().toISOString(),
    payload: {
      venueId,
      tenantId: 't-poison',
      name,
      address: { city: 'Knoxville', state: 'TN' },
      version: 1,
      updatedAt: new Date().toISOString(),
    },
  };
}

type DeadLetterRow = { event_id: string; last_error: string; body: { payload: { name: string } } };
const deadLetter = async (eventId: string) =>
  (await rows<DeadLetterRow>(sql`SELECT event_id, last_error, body FROM outbox_dlq WHERE event_id = ${eventId}`))[0];
const retryRow = async (eventId: string) =>
  (
    await rows<{ attempts: number; last_error: string }>(sql`SELECT attempts, last_error FROM queue_retries WHERE message_key = ${eventId}`)
  )[0];

describe('outbox consumer: events Postgres refuses', () => {
  it('dead-letters an event Postgres refuses for good at once, keeps its body storable, and shows it in /health', async () => {
    const event = venueEvent('Civic \u0000 Hall');
    const result = await deliver([event]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect(await processedCount(event.eventId)).toBe(0);

    const letter = await deadLetter(event.eventId);
    expect(letter?.last_error).toMatch(/^permanent failure: SQLSTATE 22/);
    expect(letter?.body.payload.name).toBe('Civic \uFFFD Hall');

    const health = await json<HealthResponse>(await call('/health'));
    expect(health.status).not.toBe('healthy');
    expect(health.components.queues.status).toBe('degraded');
    expect(health.components.queues.deadLetters).toBeGreaterThanOrEqual(1);
    expect(health.components.queues.message).toMatch(/dead letter/);
  });

  it('retries a transient failure, lists it in queue_retries and /health while it lasts, and clears it on success', async () => {
    // An unknown event type may come from a newer producer: retried, never dead-lettered at once.
    const event: OutboxMessage = { ...venueEvent('Later Hall'), type: 'venue.renamed_in_future' };
    const first = await deliver([event], 2);
    expect(first.retryMessages).toHaveLength(1);
    expect(await retryRow(event.eventId)).toEqual({ attempts: 2, last_error: 'UnknownEventTypeError' });
    expect(await deadLetter(event.eventId)).toBeUndefined();
    // Whichever isolate answers, its probe is at most 5 s old: wait for one that has seen the retry.
    const health = await eventually(async () => {
      const body = await json<HealthResponse>(await call('/health'));
      return (body.components.queues.retrying ?? 0) >= 1 ? body : undefined;
    }, 8_000);
    expect(health.components.queues.status).toBe('degraded');
    expect(health.components.queues.message).toMatch(/consumer retries/);

    const fixed: OutboxMessage = { ...event, type: 'venue.upserted' };
    const second = await deliver([fixed], 3);
    expect(second.explicitAcks).toHaveLength(1);
    expect(await retryRow(event.eventId)).toBeUndefined();
  });

  it('logs the failure by its code, never the query or its values', async () => {
    const lines: string[] = [];
    const original = { log: console.log, warn: console.warn, error: console.error };
    for (const level of ['log', 'warn', 'error'] as const) console[level] = (...args: unknown[]) => lines.push(args.join(' '));
    try {
      await deliver([venueEvent('secret-venue-name@example.com \u0000')]);
    } finally {
      Object.assign(console, original);
    }
    const text = lines.join('\n');
    expect(text).toContain('queue.dead_letter');
    expect(text).not.toContain('example.com');
    expect(text).not.toMatch(/insert into/i);
  });
});

describe('outbox: a queue that loses accepted messages', () => {
  it('sends an unconfirmed event again after a while, and never again once the consumer confirmed it', async () => {
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`lost-${crypto.randomUUID()}`));
    const sourceId = stub.id.toString();
    const lost: OutboxMessage[] = [];
    // The first send "succeeds" into a queue that then vanishes (as the local runtime's do on restart).
    const vanishing = {
      sendBatch: async (messages: { body: OutboxMessage }[]) => {
        lost.push(...messages.map((m) => m.body));
      },
    } as unknown as Queue;
    const sentAt = Date.now();
    await runInDurableObject(stub, async (_i: HeartbeatDO, state) => {
      const outbox = new Outbox(state.storage, { object: 'HeartbeatDO', id: sourceId });
      state.storage.transactionSync(() =>
        outbox.append({ type: 'system.heartbeat', payload: { seq: 1, beatAt: new Date(sentAt).toISOString() } }, sentAt),
      );
      expect(await outbox.flush(vanishing, sentAt)).toBe(sentAt + OUTBOX_REDELIVER_AFTER_MS);
      expect(outbox.status()).toMatchObject({ pending: 0, unconfirmed: 1, oldestUnconfirmedAt: sentAt });
      // Not due yet: nothing is sent again before the redelivery time.
      expect(await outbox.flush(vanishing, sentAt + OUTBOX_REDELIVER_AFTER_MS - 1)).toBe(sentAt + OUTBOX_REDELIVER_AFTER_MS);
      expect(lost).toHaveLength(1);
      // Due: the row goes to the real queue, whose consumer applies it and confirms it back to this object.
      await state.storage.setAlarm(Date.now() + 60_000);
      await outbox.flush(env.OUTBOX_QUEUE, sentAt + OUTBOX_REDELIVER_AFTER_MS);
    });
    const event = lost[0] as OutboxMessage;
    expect(await eventually(() => heartbeatRow(sourceId))).toEqual({ lastSeq: 1, beatsRecorded: 1 });
    await eventually(async () => ((await stub.status()).outbox.unconfirmed === 0 ? true : undefined));
    expect(await processedCount(event.eventId)).toBe(1);

    // Confirmed rows are never due again, and the alarm finds nothing to send.
    await runInDurableObject(stub, async (_i: HeartbeatDO, state) => {
      const outbox = new Outbox(state.storage, { object: 'HeartbeatDO', id: sourceId });
      expect(outbox.nextDueAt()).toBeNull();
      expect(await outbox.flush(vanishing, Date.now() + 10 * OUTBOX_REDELIVER_AFTER_MS)).toBeNull();
    });
    expect(lost).toHaveLength(1);
    await runDurableObjectAlarm(stub);
  });

  it('a duplicate delivery is confirmed too, so an object whose confirmation was lost stops resending', async () => {
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`dup-${crypto.randomUUID()}`));
    await stub.beat();
    await runDurableObjectAlarm(stub);
    await eventually(async () => ((await stub.status()).outbox.unconfirmed === 0 ? true : undefined));
    // Forget the confirmation, as if the consumer's call back had failed.
    const [row] = await runInDurableObject(stub, (_i: HeartbeatDO, state) => {
      state.storage.sql.exec('UPDATE outbox SET confirmed_at = NULL');
      return state.storage.sql
        .exec<{ event_id: string; payload: string; occurred_at: number }>('SELECT event_id, payload, occurred_at FROM outbox')
        .toArray();
    });
    expect((await stub.status()).outbox.unconfirmed).toBe(1);
    const event: OutboxMessage = {
      v: 1,
      eventId: row?.event_id as string,
      type: 'system.heartbeat',
      source: { object: 'HeartbeatDO', id: stub.id.toString() },
      occurredAt: new Date(row?.occurred_at as number).toISOString(),
      payload: JSON.parse(row?.payload as string),
    };
    const again = await deliver([event], 2);
    expect(again.explicitAcks).toHaveLength(1);
    expect((await stub.status()).outbox.unconfirmed).toBe(0);
    expect(await processedCount(event.eventId)).toBe(1);
  });
});

describe('/health and a stalled pipeline', () => {
  it('is degraded once a beat the queue accepted has not reached Postgres within 60 s', async () => {
    // A heartbeat object of the test's own stands in for the global one, so other tests' /health is untouched.
    const name = `stalled-${crypto.randomUUID()}`;
    const heartbeats = {
      idFromName: () => env.HEARTBEATS.idFromName(name),
      get: (id: DurableObjectId) => env.HEARTBEATS.get(id),
    } as unknown as typeof env.HEARTBEATS;
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(name));
    const vanishing = { sendBatch: async () => {} } as unknown as Queue;
    const sentAt = Date.now();
    await runInDurableObject(stub, async (_i: HeartbeatDO, state) => {
      const outbox = new Outbox(state.storage, { object: 'HeartbeatDO', id: state.id.toString() });
      state.storage.transactionSync(() =>
        outbox.append({ type: 'system.heartbeat', payload: { seq: 1, beatAt: new Date(sentAt).toISOString() } }, sentAt),
      );
      await outbox.flush(vanishing, sentAt);
    });
    const ctx = createExecutionContext();
    const config = parseConfig(env);
    const soon = await checkHealth({ ...env, HEARTBEATS: heartbeats }, config, ctx, sentAt + 30_000);
    expect(soon.components.queues).toMatchObject({ unconfirmedEvents: 1, oldestUnconfirmedSeconds: 30 });
    expect(soon.components.queues.message ?? '').not.toMatch(/not reached Postgres/);

    const late = await checkHealth({ ...env, HEARTBEATS: heartbeats }, config, ctx, sentAt + 61_000);
    expect(late.status).toBe('degraded');
    expect(late.components.queues).toMatchObject({ status: 'degraded', unconfirmedEvents: 1, oldestUnconfirmedSeconds: 61 });
    expect(late.components.queues.message).toMatch(/events sent to the queue have not reached Postgres/);
  });
});
