import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { paymentStub } from '../../src/lib/stubs';
import type { OutboxMessage } from '../../src/queues/messages';
import { consumeOutbox, type OutboxHandler, outboxHandlers } from '../../src/queues/outbox';
import { UNREACHABLE_DATABASE_URL } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { shopFixture } from '../helpers/payments';

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

async function deliver(body: OutboxMessage, attempts: number, bindings = env, handlers?: Record<string, OutboxHandler>) {
  const batch = createMessageBatch('outbox', [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts, body },
    { id: crypto.randomUUID(), timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await consumeOutbox(batch, bindings, ctx, handlers);
  return getQueueResult(batch, ctx);
}

describe('payment projection under failures', () => {
  it('writes the payment once and a balanced ledger once, after a database outage, a crashed handler and duplicates', async () => {
    const shop = await shopFixture();
    const id = (await shop.pay(await shop.user('proj'))).body.transaction.id;
    const message = await succeededMessage(id);
    // The real delivery may already have happened; the re-deliveries below must change nothing more.
    await eventually(async () => (await rows(sql`SELECT 1 FROM ledger_entries WHERE transaction_id = ${id}`))[0]);

    const down = await deliver(message, 1, { ...env, DATABASE_URL: UNREACHABLE_DATABASE_URL });
    expect(down.retryBatch.retry).toBe(true);
    let crashes = 0;
    const crashing: Record<string, OutboxHandler> = {
      ...outboxHandlers,
      'payment.succeeded': async (tx, event, bindings) => {
        await (outboxHandlers['payment.succeeded'] as OutboxHandler)(tx, event, bindings);
        if (++crashes === 1) throw new Error('crash after writing');
      },
    };
    await deliver(message, 2, env, crashing);
    const ok = await deliver(message, 3);
    expect(ok.explicitAcks).toHaveLength(2);

    const projected = await rows<{ n: string }>(sql`SELECT count(*) AS n FROM payment_transactions WHERE id = ${id}`);
    expect(Number(projected[0]?.n)).toBe(1);
    const ledger = await rows<{ event_id: string; amount: string }>(
      sql`SELECT event_id, amount FROM ledger_entries WHERE transaction_id = ${id}`,
    );
    expect(new Set(ledger.map((l) => l.event_id))).toEqual(new Set([message.eventId]));
    expect(ledger.reduce((s, l) => s + Number(l.amount), 0)).toBe(0);
    expect(ledger.length).toBe((message.payload as { ledger: unknown[] }).ledger.length);
  });
});
