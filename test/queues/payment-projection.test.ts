import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PaymentSnapshot } from '../../durable-objects/payment/types';
import type { LedgerLine } from '../../src/domain/ledger';
import { paymentStub, venueStub } from '../../src/lib/stubs';
import type { OutboxMessage } from '../../src/queues/messages';
import { consumeOutbox, type OutboxHandler, outboxHandlers } from '../../src/queues/outbox';
import { UNREACHABLE_DATABASE_URL } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { processedCount } from '../helpers/events';
import { shopFixture } from '../helpers/payments';

type Succeeded = PaymentSnapshot & { ledger: LedgerLine[] };

/** The payment.succeeded message exactly as the PaymentDO's outbox sent it. */
async function succeededMessage(transactionId: string): Promise<OutboxMessage> {
  return runInDurableObject(paymentStub(env, transactionId), (_i, state) => {
    const row = state.storage.sql
      .exec<{ event_id: string; type: string; payload: string; tenant_id: string; occurred_at: number }>(
        "SELECT * FROM outbox WHERE type = 'payment.succeeded'",
      )
      .toArray()[0];
    if (!row) throw new Error('no payment.succeeded in the outbox');
    return {
      v: 1,
      eventId: row.event_id,
      type: row.type,
      source: { object: 'PaymentDO', id: state.id.toString() },
      tenantId: row.tenant_id,
      occurredAt: new Date(row.occurred_at).toISOString(),
      payload: JSON.parse(row.payload),
    } as OutboxMessage;
  });
}

/**
 * The same event as it would be for another payment no delivery has touched yet: the real message is
 * delivered by the queue in the background and would already be recorded as processed, so a handler
 * given it again would never run. Every unique key of the projection gets a fresh value.
 */
function untouched(message: OutboxMessage): OutboxMessage {
  const payment = message.payload as Succeeded;
  return {
    ...message,
    eventId: crypto.randomUUID(),
    payload: {
      ...payment,
      transactionId: crypto.randomUUID(),
      idempotencyKey: crypto.randomUUID(),
      pspReference: payment.pspReference === null ? null : `${payment.pspReference}_${crypto.randomUUID().slice(0, 8)}`,
    },
  };
}

async function deliver(body: OutboxMessage, copies: number, attempts: number, bindings = env, handlers?: Record<string, OutboxHandler>) {
  const batch = createMessageBatch(
    'outbox',
    Array.from({ length: copies }, () => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await consumeOutbox(batch, bindings, ctx, handlers);
  return getQueueResult(batch, ctx);
}

async function projection(transactionId: string) {
  const [payment] = await rows<{ n: string }>(sql`SELECT count(*) AS n FROM payment_transactions WHERE id = ${transactionId}`);
  const ledger = await rows<{ event_id: string; account: string; amount: string }>(
    sql`SELECT event_id, account, amount FROM ledger_entries WHERE transaction_id = ${transactionId} ORDER BY id`,
  );
  return {
    payments: Number(payment?.n),
    ledger: ledger.map((l) => ({ eventId: l.event_id, account: l.account, amount: Number(l.amount) })),
  };
}

const venueVolume = (tenantId: string, venueId: string) => venueStub(env, tenantId, venueId).volume30d();

describe('payment projection under failures', () => {
  it('a database outage, then a handler that crashes after writing, then duplicates: the payment and its balanced ledger land once', async () => {
    const shop = await shopFixture();
    const paid = (await shop.pay(await shop.user('proj'))).body.transaction.id as string;
    const real = await succeededMessage(paid);
    // The queue delivers the real message in the background; its sale reaches the venue before its ledger commits.
    await eventually(async () => (await rows(sql`SELECT 1 FROM ledger_entries WHERE transaction_id = ${paid}`))[0]);
    const message = untouched(real);
    const payment = message.payload as Succeeded;
    const volumeBefore = await venueVolume(payment.tenantId, payment.venueId);
    expect(payment.ledger.length).toBeGreaterThan(1);

    const down = await deliver(message, 1, 1, { ...env, DATABASE_URL: UNREACHABLE_DATABASE_URL });
    expect(down.retryBatch.retry).toBe(true);
    expect(await projection(payment.transactionId)).toEqual({ payments: 0, ledger: [] });

    // The real handler writes the payment row and the ledger lines inside the consumer's transaction, then crashes.
    let calls = 0;
    const crashingOnce: Record<string, OutboxHandler> = {
      ...outboxHandlers,
      'payment.succeeded': async (tx, event, bindings) => {
        await (outboxHandlers['payment.succeeded'] as OutboxHandler)(tx, event, bindings);
        calls += 1;
        if (calls === 1) throw new Error('crash after writing');
      },
    };
    const crashed = await deliver(message, 1, 2, env, crashingOnce);
    expect(calls).toBe(1);
    expect(crashed.retryMessages).toHaveLength(1);
    expect(crashed.explicitAcks).toEqual([]);
    // Rolled back: no dedup record, no payment row, no ledger line.
    expect(await processedCount(message.eventId)).toBe(0);
    expect(await projection(payment.transactionId)).toEqual({ payments: 0, ledger: [] });

    // The retry, with a duplicate in the same batch: the handler runs once more, the copy is only acknowledged.
    const retried = await deliver(message, 2, 3, env, crashingOnce);
    expect(calls).toBe(2);
    expect(retried.explicitAcks).toHaveLength(2);
    expect(retried.retryMessages).toEqual([]);
    // And once more later, through the real handlers.
    const late = await deliver(message, 1, 4);
    expect(late.explicitAcks).toHaveLength(1);

    expect(await processedCount(message.eventId)).toBe(1);
    const { payments, ledger } = await projection(payment.transactionId);
    expect(payments).toBe(1);
    expect(ledger).toEqual(payment.ledger.map((l) => ({ eventId: message.eventId, account: l.account, amount: l.amount })));
    expect(ledger.reduce((s, l) => s + l.amount, 0)).toBe(0);
    // The venue's sale is outside the transaction: the crashed attempt made it too, and it still counts once.
    expect((await venueVolume(payment.tenantId, payment.venueId)) - volumeBefore).toBe(payment.fees.ticketPrice);
  });
});

describe('a batch of first deliveries', () => {
  /** Several messages in one batch, each delivered for the first time. */
  async function deliverBatch(bodies: OutboxMessage[]) {
    const batch = createMessageBatch(
      'outbox',
      bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await consumeOutbox(batch, env, ctx);
    return getQueueResult(batch, ctx);
  }

  const snapshotOf = (message: OutboxMessage, type: string, version: number, status: string): OutboxMessage => {
    const { ledger: _ledger, ...snapshot } = message.payload as Succeeded;
    return { ...message, eventId: crypto.randomUUID(), type, payload: { ...snapshot, version, status } };
  };

  const webhookOf = (base: OutboxMessage, webhookId: string, status: string): OutboxMessage => ({
    ...base,
    eventId: crypto.randomUUID(),
    type: 'webhook.received',
    payload: {
      webhookId,
      provider: 'stripe',
      eventType: 'payment_intent.succeeded',
      transactionId: null,
      status,
      payload: { id: webhookId },
    },
  });

  it('lands every effect as one-by-one delivery would: newest snapshot, each ledger once, each sale once, the merged webhook row', async () => {
    const shop = await shopFixture();
    const paid = (await shop.pay(await shop.user('batch'))).body.transaction.id as string;
    const real = await succeededMessage(paid);
    await eventually(async () => (await rows(sql`SELECT 1 FROM ledger_entries WHERE transaction_id = ${paid}`))[0]);
    const a = untouched(real);
    const b = untouched(real);
    const pa = a.payload as Succeeded;
    const pb = b.payload as Succeeded;
    const volumeBefore = await venueVolume(pa.tenantId, pa.venueId);
    const parkedThenApplied = `evt_${crypto.randomUUID()}`;
    const appliedThenParked = `evt_${crypto.randomUUID()}`;

    const result = await deliverBatch([
      // Out of order: the success (newest) arrives before the creation of the same payment.
      { ...a, payload: { ...pa, version: 3 } },
      snapshotOf(a, 'payment.created', 1, 'pending'),
      snapshotOf(b, 'payment.created', 1, 'pending'),
      webhookOf(a, parkedThenApplied, 'parked'),
      webhookOf(a, parkedThenApplied, 'applied'),
      webhookOf(a, appliedThenParked, 'applied'),
      webhookOf(a, appliedThenParked, 'parked'),
      b,
    ]);
    expect(result.explicitAcks).toHaveLength(8);
    expect(result.retryMessages).toEqual([]);

    const stored = await rows<{ id: string; status: string; version: number }>(
      sql`SELECT id, status, version FROM payment_transactions WHERE id IN (${pa.transactionId}, ${pb.transactionId}) ORDER BY version`,
    );
    expect(stored.map((r) => [r.id, r.status, Number(r.version)])).toEqual([
      [pb.transactionId, pb.status, pb.version],
      [pa.transactionId, pa.status, 3],
    ]);
    expect((await projection(pa.transactionId)).ledger.map((l) => l.amount)).toEqual(pa.ledger.map((l) => l.amount));
    expect((await projection(pb.transactionId)).ledger.map((l) => l.amount)).toEqual(pb.ledger.map((l) => l.amount));
    expect((await venueVolume(pa.tenantId, pa.venueId)) - volumeBefore).toBe(pa.fees.ticketPrice + pb.fees.ticketPrice);
    const inbox = await rows<{ webhook_id: string; status: string }>(
      sql`SELECT webhook_id, status FROM webhook_inbox WHERE webhook_id IN (${parkedThenApplied}, ${appliedThenParked})`,
    );
    expect(Object.fromEntries(inbox.map((r) => [r.webhook_id, r.status]))).toEqual({
      [parkedThenApplied]: 'processed',
      [appliedThenParked]: 'processed',
    });

    // The same batch again: every event is a duplicate and nothing moves.
    const again = await deliverBatch([{ ...a, payload: { ...pa, version: 3 } }, b]);
    expect(again.explicitAcks).toHaveLength(2);
    expect((await projection(pa.transactionId)).ledger).toHaveLength(pa.ledger.length);
    expect((await venueVolume(pa.tenantId, pa.venueId)) - volumeBefore).toBe(pa.fees.ticketPrice + pb.fees.ticketPrice);
  });
});
