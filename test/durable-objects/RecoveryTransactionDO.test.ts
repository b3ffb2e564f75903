import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type RecordRecoveryCommand, type RecoveryStripeEvent, ReminderDuePayload } from '../../durable-objects/recovery/types';
import { recoveryTransactionStub } from '../../src/lib/stubs';

/** A failed payment's recovery, called directly: record and replay, links, the reminder alarm, Stripe events once. */
function command(over: Partial<RecordRecoveryCommand> = {}): RecordRecoveryCommand {
  return {
    transactionId: crypto.randomUUID(),
    tenantId: `org-${crypto.randomUUID()}`,
    amount: 4999,
    currency: 'USD',
    description: 'Annual plan',
    failureReason: 'card_declined',
    customerEmail: 'payer@example.com',
    customerPhone: null,
    requestHash: 'h1',
    ...over,
  };
}

const failedIntent = (eventId: string): RecoveryStripeEvent => ({
  eventId,
  type: 'payment_intent.payment_failed',
  occurredAt: Date.now(),
  customerId: 'cus_1',
  kind: 'payment_intent',
  paymentIntentId: 'pi_1',
  status: 'failed',
  amount: 4999,
  currency: 'usd',
  failureCode: 'card_declined',
  failureMessage: null,
});

describe('RecoveryTransactionDO', () => {
  it('records once: the same request replays, another under the same id is a conflict', async () => {
    const cmd = command();
    const stub = recoveryTransactionStub(env, cmd.tenantId, cmd.transactionId);
    const created = await stub.record(cmd);
    expect(created).toMatchObject({ kind: 'created', view: { recoveryStatus: 'pending', version: 1 } });
    expect(await stub.record(cmd)).toMatchObject({ kind: 'replayed', view: { version: 1 } });
    expect(await stub.record({ ...cmd, amount: 1, requestHash: 'h2' })).toEqual({ kind: 'conflict' });
    expect(await stub.get('another-org')).toBeNull();
  });

  it('the first link starts the reminders; the alarm makes the due one an outbox event with its deliveries', async () => {
    const cmd = command();
    const stub = recoveryTransactionStub(env, cmd.tenantId, cmd.transactionId);
    await stub.record(cmd);
    expect(await stub.attachPaymentLink('another-org', { id: 'plink_1', url: 'https://pay.example/1' })).toEqual({ kind: 'not_found' });
    const attached = await stub.attachPaymentLink(cmd.tenantId, { id: 'plink_1', url: 'https://pay.example/1' });
    expect(attached).toMatchObject({ kind: 'attached', view: { paymentLinkId: 'plink_1' } });
    expect(await stub.attachPaymentLink(cmd.tenantId, { id: 'plink_2', url: 'https://pay.example/2' })).toMatchObject({ kind: 'existing' });
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE reminders SET due_at = ? WHERE seq = 1 AND status = 'scheduled'", Date.now() - 1000);
    });
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, (_i, state) => {
      const due = state.storage.sql.exec<{ payload: string }>("SELECT payload FROM outbox WHERE type = 'recovery.reminder_due'").toArray();
      expect(due).toHaveLength(1);
      const payload = ReminderDuePayload.parse(JSON.parse(due[0]?.payload ?? 'null'));
      expect(payload).toMatchObject({ transactionId: cmd.transactionId, reminderSeq: 1 });
      expect(payload.deliveries.map((d) => [d.channel, d.status])).toEqual([['email', 'queued']]);
    });
  });

  it('applies a Stripe event once per event id', async () => {
    const cmd = command();
    const stub = recoveryTransactionStub(env, cmd.tenantId, cmd.transactionId);
    await stub.record(cmd);
    const event = failedIntent(`evt_${crypto.randomUUID()}`);
    expect(await stub.applyStripeEvent(cmd.tenantId, event)).toBe('applied');
    expect(await stub.applyStripeEvent(cmd.tenantId, event)).toBe('duplicate');
    expect(await stub.applyStripeEvent('another-org', failedIntent('evt_other'))).toBe('unknown_transaction');
    const view = await stub.get(cmd.tenantId);
    expect(view?.paymentAttempts.map((a) => [a.attemptId, a.status])).toEqual([[event.eventId, 'failed']]);
    expect(view?.stripePaymentIntentId).toBe('pi_1');
  });
});
