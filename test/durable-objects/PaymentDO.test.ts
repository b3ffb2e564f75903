import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PaymentResult, ProcessInput } from '../../durable-objects/payment/types';
import { paymentStub } from '../../src/lib/stubs';
import { shopFixture } from '../helpers/payments';

/** The payment object called directly: its answers are result unions, kept and replayed from its own storage. */
function input(tenantId: string, over: Partial<ProcessInput> = {}): ProcessInput {
  return {
    transactionId: crypto.randomUUID(),
    tenantId,
    userId: 'direct-buyer',
    idempotencyKey: crypto.randomUUID(),
    fingerprint: 'fp-1',
    request: {
      venueId: 'knox',
      eventId: 'show',
      tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
      paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
    } as ProcessInput['request'],
    requestId: 'req-1',
    path: '/api/v1/payments/process',
    context: {},
    ...over,
  };
}

const refusalOf = (r: PaymentResult) => {
  if (r.ok) throw new Error(`expected a refusal, got ${r.status}`);
  return r.refusal;
};

describe('PaymentDO', () => {
  it('charges once and replays the stored success from its storage, byte for byte', async () => {
    const shop = await shopFixture();
    const cmd = input(shop.tenant);
    const stub = paymentStub(env, cmd.transactionId);
    const first = await stub.process(cmd);
    expect(first).toMatchObject({ ok: true, status: 200, replayed: false });
    const again = await stub.process({ ...cmd, requestId: 'req-2' });
    expect(again).toEqual({ ...first, replayed: true });
    expect((await stub.snapshot())?.state).toBe('PAID');
    await runInDurableObject(stub, (_i, state) => {
      const kept = state.storage.sql
        .exec<{ state: string; status: number }>("SELECT state, status FROM idempotency WHERE scope = 'process'")
        .one();
      expect(kept).toEqual({ state: 'completed', status: 200 });
    });
    // Another body under the same key is refused as a value, not an exception.
    expect(refusalOf(await stub.process({ ...cmd, fingerprint: 'fp-2' }))).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('returns a refusal as a result union and replays it with the time and path it was first given', async () => {
    const shop = await shopFixture();
    const cmd = input(shop.tenant, { request: { ...input(shop.tenant).request, eventId: 'no-such-event' } });
    const stub = paymentStub(env, cmd.transactionId);
    const first = refusalOf(await stub.process(cmd));
    expect(first).toMatchObject({
      code: 'VALIDATION_ERROR',
      errors: [{ field: 'eventId', message: 'no such event' }],
      path: cmd.path,
    });
    const replay = await stub.process({ ...cmd, path: '/elsewhere' });
    expect(replay).toEqual({ ok: false, refusal: first, replayed: true });
    expect(await stub.snapshot()).toBeNull();
  });

  it('replays a refusal stored before refusals were kept as such (the rendered envelope) as the same refusal', async () => {
    const cmd = input('legacy-tenant', { fingerprint: 'legacy' });
    const stub = paymentStub(env, cmd.transactionId);
    const envelope = {
      error: 'Your card has insufficient funds.',
      code: 'PAYMENT_FAILED',
      timestamp: '2026-01-02T03:04:05.000Z',
      path: '/api/v1/payments/process',
      requestId: 'old-request',
      transactionId: cmd.transactionId,
      declineCode: 'insufficient_funds',
    };
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec(
        "INSERT INTO idempotency (scope, fingerprint, state, status, body, expires_at) VALUES ('process', 'legacy', 'completed', 402, ?, ?)",
        JSON.stringify(envelope),
        Date.now() + 60_000,
      );
    });
    expect(await stub.process(cmd)).toEqual({
      ok: false,
      replayed: true,
      refusal: {
        code: 'PAYMENT_FAILED',
        message: envelope.error,
        details: { transactionId: cmd.transactionId, declineCode: 'insufficient_funds' },
        answeredAt: envelope.timestamp,
        path: envelope.path,
      },
    });
  });

  it('refuses a refund of an unknown transaction as a 404 refusal, and reconciles nothing without a payment', async () => {
    const stub = paymentStub(env, crypto.randomUUID());
    const refund = await stub.refund({
      tenantId: 't',
      userId: 'u',
      isAdmin: false,
      idempotencyKey: crypto.randomUUID(),
      fingerprint: 'r1',
      requestId: 'req',
      path: '/refund',
    });
    expect(refusalOf(refund)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await stub.reconcile()).toEqual({ action: 'none' });
  });

  it('expires a payment left PENDING past the reconcile threshold, and its alarm sends the events', async () => {
    const shop = await shopFixture();
    const cmd = input(shop.tenant);
    const stub = paymentStub(env, cmd.transactionId);
    expect((await stub.process(cmd)).ok).toBe(true);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE payment SET state = 'PENDING', updated_at = ? WHERE id = 1", Date.now() - 60 * 60_000);
    });
    expect(await stub.reconcile()).toEqual({ action: 'expired' });
    expect((await stub.snapshot())?.state).toBe('EXPIRED');
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, (_i, state) => {
      const types = state.storage.sql
        .exec<{ type: string; sent_at: number | null }>("SELECT type, sent_at FROM outbox WHERE type LIKE 'payment.%' ORDER BY seq")
        .toArray();
      expect(types.map((t) => t.type)).toEqual(['payment.created', 'payment.succeeded', 'payment.expired']);
      expect(types.every((t) => t.sent_at !== null)).toBe(true);
    });
  });
});
