import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecoveryTransactionView } from '../../durable-objects/recovery/types';
import worker from '../../src/index';
import { recoveryTransactionStub } from '../../src/lib/stubs';
import { consumeDeliveries } from '../../src/queues/deliveries';
import type { RecoveryDeliveryMessage } from '../../src/queues/messages';
import { eventually, rows, sql } from '../helpers/db';
import { configureSandbox, type SandboxRequest, sandbox } from '../helpers/sandbox';

/**
 * The `deliveries` queue consumer, driven with createMessageBatch / getQueueResult, next to the real
 * pipeline (object alarm → outbox → outbox consumer → deliveries queue → consumer → sandbox) that the
 * recovery objects set off. Transactions are made through their object directly, with a payment link URL
 * of our own: no Stripe call is needed to start a reminder schedule.
 */
const uniq = () => crypto.randomUUID().slice(0, 8);

async function transaction(contact: { customerEmail?: string; customerPhone?: string }) {
  const tenant = `t-dlv-${uniq()}`;
  const id = crypto.randomUUID();
  const stub = recoveryTransactionStub(env, tenant, id);
  const recorded = await stub.record({
    transactionId: id,
    tenantId: tenant,
    amount: 1250,
    currency: 'EUR',
    description: 'Invoice 7',
    failureReason: null,
    customerEmail: contact.customerEmail ?? null,
    customerPhone: contact.customerPhone ?? null,
    requestHash: 'test',
  });
  expect(recorded.kind).toBe('created');
  const url = `https://pay.example/l/${uniq()}`;
  // The first link starts the schedule: reminder 1 is due at once.
  await stub.attachPaymentLink(tenant, { id: `plink_test_${uniq()}`, url });
  return { tenant, id, stub, url };
}

function message(tenant: string, id: string, channel: 'email' | 'sms', seq = 1): RecoveryDeliveryMessage {
  const deliveryId = `${id}:${seq}`;
  return {
    v: 1,
    type: 'recovery.reminder',
    eventId: `${deliveryId}:${channel}`,
    tenantId: tenant,
    transactionId: id,
    deliveryId,
    reminderSeq: seq,
    channel,
  };
}

async function consume(queue: string, body: unknown, attempts = 1) {
  const id = crypto.randomUUID();
  const batch = createMessageBatch(queue, [{ id, timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { id, result: await getQueueResult(batch, ctx) };
}

/** One message that records the consumer's ack/retry calls (with their options). */
async function consumeRecording(body: unknown, attempts: number) {
  const calls: unknown[] = [];
  const msg = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    attempts,
    body,
    ack: () => calls.push({ ack: true }),
    retry: (options?: QueueRetryOptions) => calls.push({ retry: options }),
  };
  const batch = { queue: 'deliveries', messages: [msg], ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
  await consumeDeliveries(batch, env, createExecutionContext());
  return calls;
}

async function requestsTo(provider: string, recipient: string): Promise<SandboxRequest[]> {
  return ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter((r) => r.provider === provider && r.body?.To === recipient);
}

async function view(t: { tenant: string; stub: ReturnType<typeof recoveryTransactionStub> }): Promise<RecoveryTransactionView> {
  const v = await t.stub.get(t.tenant);
  if (!v) throw new Error('transaction not found');
  return v;
}

afterAll(() => configureSandbox({ providers: { email: { failRate: 0, failStatus: 500, match: null } } }));

describe('deliveries consumer', () => {
  it('sends each reminder once: a redelivered message is acked without sending again', { timeout: 40_000 }, async () => {
    const email = `once-${uniq()}@example.com`;
    const phone = `+1666${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const t = await transaction({ customerEmail: email, customerPhone: phone });
    const sent = await eventually(async () => {
      const v = await view(t);
      return v.deliveries.filter((d) => d.status === 'sent').length === 2 ? v : undefined;
    }, 20_000);
    expect(sent.recoveryStatus).toBe('link_sent');
    expect(sent.deliveries.map((d) => [d.channel, d.attempts])).toEqual([
      ['email', 1],
      ['sms', 1],
    ]);
    const [mail] = await requestsTo('email', email);
    expect(mail?.body.TextBody).toContain(t.url);
    expect(mail?.body.TextBody).toContain('12.50 EUR');

    for (const channel of ['email', 'sms'] as const) {
      const again = await consume('deliveries', message(t.tenant, t.id, channel), 2);
      expect(again.result.explicitAcks).toEqual([again.id]);
      expect(again.result.retryMessages).toEqual([]);
    }
    expect(await requestsTo('email', email)).toHaveLength(1);
    expect(await requestsTo('sms', phone)).toHaveLength(1);
  });

  it('a provider failure is retried with backoff, then dead-lettered; once paid, the delivery is dropped', {
    timeout: 40_000,
  }, async () => {
    const email = `failing-${uniq()}@example.com`;
    await configureSandbox({ providers: { email: { failRate: 1, failStatus: 500, match: email } } });
    try {
      const t = await transaction({ customerEmail: email });
      // The real pipeline's first attempt fails and is recorded as retrying.
      const failed = await eventually(async () => {
        const d = (await view(t)).deliveries[0];
        return d?.status === 'retrying' ? d : undefined;
      }, 20_000);
      expect(failed.lastError).toBe('unavailable 500 100');
      expect(failed.attempts).toBeGreaterThanOrEqual(1);

      // The consumer asks for a retry and acks nothing…
      const body = message(t.tenant, t.id, 'email');
      const retried = await consume('deliveries', body, 3);
      expect(retried.result.explicitAcks).toEqual([]);
      expect(retried.result.retryMessages.map((m) => m.msgId)).toEqual([retried.id]);
      // …with the queue backoff, 5 s doubling (attempt 3 → 20 s): getQueueResult does not report the delay, so a
      // message that records what it is told shows it.
      const told = await consumeRecording(body, 3);
      expect(told).toEqual([{ retry: { delaySeconds: 20 } }]);
      const attempts = (await requestsTo('email', email)).filter((r) => r.status === 500);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect((await view(t)).recoveryStatus).toBe('pending');

      // After max_retries the platform moves it to deliveries-dlq, whose consumer keeps it in outbox_dlq.
      const dead = await consume('deliveries-dlq', body);
      expect(dead.result.explicitAcks).toEqual([dead.id]);
      const [letter] = await rows<{ queue: string; event_id: string; event_type: string; tenant_id: string }>(
        sql`SELECT queue, event_id, event_type, tenant_id FROM outbox_dlq WHERE message_id = ${dead.id}`,
      );
      expect(letter).toEqual({ queue: 'deliveries', event_id: body.eventId, event_type: 'recovery.reminder', tenant_id: t.tenant });
      expect(JSON.stringify(letter)).not.toContain(email);

      // Paid meanwhile: the waiting delivery is cancelled, and a late retry is acked without sending.
      const paid = await t.stub.applyStripeEvent(t.tenant, {
        kind: 'session',
        eventId: `evt_${uniq()}`,
        type: 'checkout.session.completed',
        occurredAt: Date.now(),
        customerId: null,
        sessionId: `cs_test_${uniq()}`,
        paymentStatus: 'paid',
        amountTotal: 1250,
        currency: 'EUR',
        paymentIntentId: `pi_${uniq()}`,
        paymentLinkId: null,
      });
      expect(paid).toBe('applied');
      await configureSandbox({ providers: { email: { failRate: 0, match: null } } });
      const late = await consume('deliveries', body, 4);
      expect(late.result.explicitAcks).toEqual([late.id]);
      const after = await view(t);
      expect(after.recoveryStatus).toBe('completed');
      expect(after.deliveries[0]?.status).toBe('cancelled');
      expect((await requestsTo('email', email)).filter((r) => r.status === 200)).toEqual([]);
      const row = await eventually(async () => {
        const [r] = await rows<{ status: string }>(sql`SELECT status FROM recovery_notifications WHERE transaction_id = ${t.id}`);
        return r?.status === 'cancelled' ? r : undefined;
      });
      expect(row.status).toBe('cancelled');
    } finally {
      await configureSandbox({ providers: { email: { failRate: 0, match: null } } });
    }
  });

  it('a refusal of the message itself (bad address) is final: recorded as failed, not retried', { timeout: 40_000 }, async () => {
    const broken = `broken-address-${uniq()}`;
    const t = await transaction({ customerEmail: broken });
    const failed = await eventually(async () => {
      const d = (await view(t)).deliveries[0];
      return d?.status === 'failed' ? d : undefined;
    }, 20_000);
    expect(failed).toMatchObject({ attempts: 1, lastError: 'invalid_request 422 300' });
    const again = await consume('deliveries', message(t.tenant, t.id, 'email'), 2);
    expect(again.result.explicitAcks).toEqual([again.id]);
    expect(await requestsTo('email', broken)).toHaveLength(1);
  });

  it('acks a message for an unknown transaction, and dead-letters one that can never parse', async () => {
    const unknown = await consume('deliveries', message('t-dlv-nobody', crypto.randomUUID(), 'sms'));
    expect(unknown.result.explicitAcks).toEqual([unknown.id]);
    const junk = await consume('deliveries', { v: 1, type: 'recovery.reminder', channel: 'fax' });
    expect(junk.result.explicitAcks).toEqual([junk.id]);
    const [letter] = await rows<{ queue: string; last_error: string }>(
      sql`SELECT queue, last_error FROM outbox_dlq WHERE message_id = ${junk.id}`,
    );
    expect(letter?.queue).toBe('deliveries');
    expect(letter?.last_error).toMatch(/^invalid message: /);
  });
});
