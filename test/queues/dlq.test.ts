import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';
import { UNREACHABLE_DATABASE_URL } from '../helpers/app';
import { rows, sql } from '../helpers/db';
import { heartbeatEvent } from '../helpers/events';

async function deadLetter(queue: string, body: unknown, id = crypto.randomUUID(), bindings: Bindings = env) {
  const batch = createMessageBatch(queue, [{ id, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings, ctx);
  return { id, result: await getQueueResult(batch, ctx) };
}

describe('dead-letter consumers', () => {
  it('record each dead letter in outbox_dlq under its source queue, once', async () => {
    const event = { ...heartbeatEvent(crypto.randomUUID()), tenantId: 'tenant-dlq' };
    const { id, result } = await deadLetter('outbox-dlq', event);
    expect(result.explicitAcks).toEqual([id]);
    await deadLetter('outbox-dlq', event, id); // redelivered dead letter
    const found = await rows<{ queue: string; event_id: string; event_type: string; tenant_id: string; requeued_at: null }>(
      sql`SELECT queue, event_id, event_type, tenant_id, requeued_at FROM outbox_dlq WHERE message_id = ${id}`,
    );
    expect(found).toEqual([
      { queue: 'outbox', event_id: event.eventId, event_type: 'system.heartbeat', tenant_id: 'tenant-dlq', requeued_at: null },
    ]);
  });

  it('serve mint-dlq and deliveries-dlq too', async () => {
    for (const [dlq, queue] of [
      ['mint-dlq', 'mint'],
      ['deliveries-dlq', 'deliveries'],
    ]) {
      const { id } = await deadLetter(dlq as string, { eventId: crypto.randomUUID(), type: 'job.example' });
      const [row] = await rows<{ queue: string }>(sql`SELECT queue FROM outbox_dlq WHERE message_id = ${id}`);
      expect(row?.queue).toBe(queue);
    }
  });

  it('wait for Postgres with backoff instead of dropping the letter', async () => {
    const { id, result } = await deadLetter('outbox-dlq', heartbeatEvent('x'), undefined, {
      ...env,
      DATABASE_URL: UNREACHABLE_DATABASE_URL,
    });
    expect(result.retryBatch.retry).toBe(true);
    expect(await rows(sql`SELECT 1 FROM outbox_dlq WHERE message_id = ${id}`)).toEqual([]);
  });
});

describe('a queue without a consumer', () => {
  it('throws, so the batch is retried and finally dead-lettered rather than lost', async () => {
    const batch = createMessageBatch('reports', [{ id: 'm1', timestamp: new Date(), attempts: 1, body: {} }]);
    await expect(worker.queue(batch, env, createExecutionContext())).rejects.toThrow('no consumer for queue reports');
  });
});
