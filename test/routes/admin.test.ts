import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { paymentTransactions } from '../../src/db/schema';
import worker from '../../src/index';
import type { ErrorBody } from '../../src/lib/errors';
import { call, callWithEnv, json } from '../helpers/app';
import { rows, sql, withTestDb } from '../helpers/db';
import { heartbeatEvent, heartbeatRow, processedCount } from '../helpers/events';
import { deliverBatch, holdingQueue } from '../helpers/queues';
import { bearer, signToken } from '../helpers/tokens';

const admin = async (tenant: string) => bearer(await signToken({ role: 'admin', tenant_id: tenant, sub: `admin-${tenant}` }));

async function payment(tenant: string, amount: number, status: string, hoursAgo = 1) {
  await withTestDb((db) =>
    db.insert(paymentTransactions).values({
      id: crypto.randomUUID(),
      tenantId: tenant,
      venueId: 'v1',
      userId: 'u1',
      eventId: 'e1',
      amount,
      status,
      idempotencyKey: crypto.randomUUID(),
      createdAt: new Date(Date.now() - hoursAgo * 3600_000),
    }),
  );
}

async function recordDeadLetter(body: unknown): Promise<number> {
  const id = crypto.randomUUID();
  const batch = createMessageBatch('outbox-dlq', [{ id, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  await getQueueResult(batch, ctx);
  const [row] = await rows<{ id: string }>(sql`SELECT id FROM outbox_dlq WHERE message_id = ${id}`);
  return Number(row?.id);
}

describe('GET /admin/stats', () => {
  it('answers zeros for a tenant with no payments', async () => {
    const res = await call('/admin/stats', { headers: await admin(`empty-${crypto.randomUUID()}`) });
    expect(res.status).toBe(200);
    const body = await json<{ last24Hours: unknown; timestamp: string }>(res);
    expect(body.last24Hours).toEqual({ total_payments: 0, successful: 0, failed: 0, pending: 0, total_revenue: 0 });
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it('counts the last 24 hours of the caller’s tenant only, revenue in minor units', async () => {
    const tenant = `stats-${crypto.randomUUID()}`;
    await payment(tenant, 10_000, 'completed');
    await payment(tenant, 5_050, 'completed');
    await payment(tenant, 2_000, 'failed');
    await payment(tenant, 3_000, 'processing');
    await payment(tenant, 99_999, 'completed', 30); // older than a day
    await payment(`other-${tenant}`, 77_777, 'completed'); // another tenant
    const body = await json<{ last24Hours: unknown }>(await call('/admin/stats', { headers: await admin(tenant) }));
    expect(body.last24Hours).toEqual({ total_payments: 4, successful: 2, failed: 1, pending: 1, total_revenue: 15_050 });
  });
});

describe('dead letters', () => {
  it('are listed per tenant; the platform admin also sees system letters', async () => {
    const tenantA = `dlq-a-${crypto.randomUUID()}`;
    const mine = await recordDeadLetter({ ...heartbeatEvent('a'), tenantId: tenantA });
    const theirs = await recordDeadLetter({ ...heartbeatEvent('b'), tenantId: `dlq-b-${crypto.randomUUID()}` });
    const system = await recordDeadLetter(heartbeatEvent('system'));

    const listA = await json<{ deadLetters: { id: number }[] }>(
      await call('/admin/dead-letters?status=all&limit=500', { headers: await admin(tenantA) }),
    );
    expect(listA.deadLetters.map((d) => d.id)).toEqual([mine]);

    const platform = await json<{ deadLetters: { id: number; tenantId: string | null }[] }>(
      await call('/admin/dead-letters?status=all&limit=500', { headers: await admin(env.PLATFORM_TENANT_ID) }),
    );
    const ids = platform.deadLetters.map((d) => d.id);
    expect(ids).toContain(system);
    expect(ids).not.toContain(mine);
    expect(ids).not.toContain(theirs);
  });

  it('can be re-enqueued; the event then flows through the consumer and is applied once however often it is requeued', async () => {
    const tenant = `dlq-requeue-${crypto.randomUUID()}`;
    const source = crypto.randomUUID();
    const event = { ...heartbeatEvent(source), tenantId: tenant };
    const id = await recordDeadLetter(event);
    const other = await recordDeadLetter({ ...heartbeatEvent('x'), tenantId: `elsewhere-${tenant}` });
    const headers = { ...(await admin(tenant)), 'content-type': 'application/json' };
    // The outbox queue holds what the route sends; the test delivers it to the consumer and sees it consumed.
    const outbox = holdingQueue();
    const requeue = (ids: number[]) =>
      callWithEnv({ OUTBOX_QUEUE: outbox.queue }, '/admin/dead-letters/requeue', {
        method: 'POST',
        headers,
        body: JSON.stringify({ ids }),
      });

    const res = await requeue([id, other, 999_999_999]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ requeued: [id], notFound: [other, 999_999_999] });
    const first = outbox.take();
    expect(first).toEqual([event]);
    expect((await deliverBatch('outbox', first)).explicitAcks).toHaveLength(1);
    expect(await processedCount(event.eventId)).toBe(1);
    expect(await heartbeatRow(source)).toEqual({ lastSeq: 1, beatsRecorded: 1 });

    const again = await requeue([id]);
    expect((await json<{ requeued: number[] }>(again)).requeued).toEqual([id]);
    const [row] = await rows<{ requeue_count: number; requeued_at: string | null }>(
      sql`SELECT requeue_count, requeued_at FROM outbox_dlq WHERE id = ${id}`,
    );
    expect(row?.requeue_count).toBe(2);
    expect(row?.requeued_at).not.toBeNull();
    // The second copy is consumed (acknowledged) and changes nothing.
    const second = outbox.take();
    expect(second).toEqual([event]);
    const consumed = await deliverBatch('outbox', second, 2);
    expect(consumed.explicitAcks).toHaveLength(1);
    expect(consumed.retryMessages).toEqual([]);
    expect(await processedCount(event.eventId)).toBe(1);
    expect(await heartbeatRow(source)).toEqual({ lastSeq: 1, beatsRecorded: 1 });

    const pending = await json<{ deadLetters: { id: number }[] }>(await call('/admin/dead-letters', { headers: await admin(tenant) }));
    expect(pending.deadLetters.map((d) => d.id)).not.toContain(id);
  });

  it('require the admin role', async () => {
    const res = await call('/admin/dead-letters', { headers: bearer(await signToken({ role: 'merchant' })) });
    expect([res.status, (await json<ErrorBody>(res)).code]).toEqual([403, 'FORBIDDEN']);
  });
});
