import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';
import type { OutboxMessage } from '../../src/queues/messages';
import { consumeOutbox, type OutboxHandler, outboxHandlers } from '../../src/queues/outbox';
import { UNREACHABLE_DATABASE_URL } from '../helpers/app';
import { rows, sql } from '../helpers/db';
import { heartbeatEvent, heartbeatRow, processedCount } from '../helpers/events';

type Delivery = { body: unknown; attempts?: number; id?: string };

async function deliver(deliveries: Delivery[], options: { env?: Bindings; handlers?: Record<string, OutboxHandler> } = {}) {
  const batch = createMessageBatch(
    'outbox',
    deliveries.map((d) => ({ id: d.id ?? crypto.randomUUID(), timestamp: new Date(), attempts: d.attempts ?? 1, body: d.body })),
  );
  const ctx = createExecutionContext();
  if (options.handlers) await consumeOutbox(batch, options.env ?? env, ctx, options.handlers);
  else await worker.queue(batch, options.env ?? env, ctx);
  return getQueueResult(batch, ctx);
}

describe('outbox consumer', () => {
  it('applies an event delivered twice in one batch exactly once and acks both', async () => {
    const source = crypto.randomUUID();
    const event = heartbeatEvent(source);
    const result = await deliver([{ body: event }, { body: event }]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    expect(await processedCount(event.eventId)).toBe(1);
    expect(await heartbeatRow(source)).toEqual({ lastSeq: 1, beatsRecorded: 1 });
  });

  it('acks a redelivery of an event applied in an earlier batch without applying it again', async () => {
    const source = crypto.randomUUID();
    const event = heartbeatEvent(source);
    await deliver([{ body: event }]);
    const again = await deliver([{ body: event, attempts: 2 }]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await heartbeatRow(source)).toEqual({ lastSeq: 1, beatsRecorded: 1 });
  });

  it('retries the whole batch with backoff while Postgres is unreachable, then applies it once', async () => {
    const source = crypto.randomUUID();
    const events = [heartbeatEvent(source, 1), heartbeatEvent(source, 2)];
    const down = await deliver(
      events.map((body) => ({ body })),
      { env: { ...env, DATABASE_URL: UNREACHABLE_DATABASE_URL } },
    );
    // The delay itself (5 s doubling to 5 min) is covered in test/lib/backoff.test.ts; the test helper does not report it.
    expect(down.retryBatch.retry).toBe(true);
    expect(down.explicitAcks).toEqual([]);
    expect(await heartbeatRow(source)).toBeUndefined();

    const up = await deliver(events.map((body) => ({ body, attempts: 2 })));
    expect(up.explicitAcks).toHaveLength(2);
    expect(await heartbeatRow(source)).toEqual({ lastSeq: 2, beatsRecorded: 2 });
  });

  it('rolls back the dedup record when the effect fails, so the retry applies it exactly once', async () => {
    const source = crypto.randomUUID();
    const event = heartbeatEvent(source);
    let calls = 0;
    const failingOnce: Record<string, OutboxHandler> = {
      'system.heartbeat': async (tx, e, bindings) => {
        await (outboxHandlers['system.heartbeat'] as OutboxHandler)(tx, e, bindings); // the effect is written…
        if (++calls === 1) throw new Error('handler crashed after writing'); // …and the transaction aborts
      },
    };
    const first = await deliver([{ body: event, attempts: 3 }], { handlers: failingOnce });
    expect(first.retryMessages.map((m) => m.msgId)).toHaveLength(1);
    expect(await processedCount(event.eventId)).toBe(0);
    expect(await heartbeatRow(source)).toBeUndefined();

    const second = await deliver([{ body: event, attempts: 4 }], { handlers: failingOnce });
    expect(second.explicitAcks).toHaveLength(1);
    expect(await processedCount(event.eventId)).toBe(1);
    expect(await heartbeatRow(source)).toEqual({ lastSeq: 1, beatsRecorded: 1 });
  });

  it('retries only the failing message of a batch', async () => {
    const good = heartbeatEvent(crypto.randomUUID());
    const unknown: OutboxMessage = { ...heartbeatEvent(crypto.randomUUID()), type: 'not.handled_yet' };
    const result = await deliver([
      { body: good, id: 'good' },
      { body: unknown, id: 'unknown' },
    ]);
    expect(result.explicitAcks).toEqual(['good']);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['unknown']);
    expect(await processedCount(unknown.eventId)).toBe(0);
  });

  it('dead-letters a message that can never parse at once instead of retrying it 100 times', async () => {
    const id = `garbage-${crypto.randomUUID()}`;
    const result = await deliver([{ body: { hello: 'world' }, id }]);
    expect(result.explicitAcks).toEqual([id]);
    const [row] = await rows<{ queue: string; last_error: string; body: unknown }>(
      sql`SELECT queue, last_error, body FROM outbox_dlq WHERE message_id = ${id}`,
    );
    expect(row?.queue).toBe('outbox');
    expect(row?.last_error).toMatch(/^invalid message: /);
    expect(row?.body).toEqual({ hello: 'world' });
  });
});
