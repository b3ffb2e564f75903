import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { CreateCheckoutCommand } from '../../durable-objects/checkout/types';
import { checkoutStub } from '../../src/lib/stubs';
import { configureSandbox, sandbox } from '../helpers/sandbox';

/** The object that owns a checkout session: one provider call under concurrency, and its own expiry. */
function command(over: Partial<CreateCheckoutCommand> = {}): CreateCheckoutCommand {
  const sessionId = `cko${crypto.randomUUID().replace(/-/g, '')}`;
  return {
    sessionId,
    tenantId: 't-do',
    provider: 'stripe',
    purpose: 'verification',
    amount: 4999,
    currency: 'USD',
    merchantAccount: 'acct_1234567890',
    merchantId: null,
    description: 'NoTap order',
    metadata: { order_id: 'o-1' },
    successUrl: 'https://merchant.example/success',
    cancelUrl: 'https://merchant.example/cancel',
    ttlSeconds: 300,
    publicBaseUrl: 'http://edgepay.test',
    requestHash: 'h1',
    ...over,
  };
}

type Req = { provider: string; method: string; path: string; response: { id?: string } };
const stripeCalls = async (path: (p: string) => boolean) =>
  ((await sandbox('/__sandbox/requests')) as Req[]).filter((r) => r.provider === 'stripe' && path(r.path));

describe('CheckoutSessionDO', () => {
  it('20 concurrent creates of one session make one provider call and return the same session', async () => {
    const cmd = command();
    const stub = checkoutStub(env, cmd.sessionId);
    const results = await Promise.all(Array.from({ length: 20 }, () => stub.create(cmd)));
    const kinds = results.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'created')).toHaveLength(1);
    expect(kinds.every((k) => k === 'created' || k === 'replayed')).toBe(true);
    const refs = new Set(results.map((r) => (r.kind === 'created' || r.kind === 'replayed' ? r.view.providerSessionId : null)));
    expect(refs.size).toBe(1);
    const [ref] = [...refs];
    const creates = (await stripeCalls((p) => p === '/v1/checkout/sessions')).filter((r) => r.response?.id === ref);
    expect(creates).toHaveLength(1);
    // A different request under the same id is a conflict, not a second session.
    expect((await stub.create({ ...cmd, amount: 5000, requestHash: 'h2' })).kind).toBe('conflict');
  });

  it('NoTap’s 5-minute TTL: the object expires an unpaid session at its deadline, and expires it at the provider too', async () => {
    const cmd = command();
    const stub = checkoutStub(env, cmd.sessionId);
    const created = await stub.create(cmd);
    if (created.kind !== 'created') throw new Error(created.kind);
    expect(created.view.expiresAt).toBeLessThanOrEqual(Date.now() + 300_000);
    expect(created.view.expiresAt).toBeGreaterThan(Date.now() + 290_000);
    // Not due yet: the alarm only flushes the outbox.
    await runDurableObjectAlarm(stub);
    expect((await stub.get('t-do'))?.status).toBe('open');
    // Move the deadline into the past, as five minutes passing would.
    await rewindDeadline(cmd.sessionId);
    await runDurableObjectAlarm(stub);
    const view = await stub.get('t-do');
    expect(view?.status).toBe('expired');
    const expires = await stripeCalls((p) => p === `/v1/checkout/sessions/${created.view.providerSessionId}/expire`);
    expect(expires.length).toBeGreaterThanOrEqual(1);
    expect(await stub.get('another-tenant')).toBeNull();
  });

  it('a session paid just before its deadline is not expired: the provider is asked first', async () => {
    const cmd = command();
    const stub = checkoutStub(env, cmd.sessionId);
    const created = await stub.create(cmd);
    if (created.kind !== 'created') throw new Error(created.kind);
    await sandbox(`/__sandbox/complete/stripe/${created.view.providerSessionId}`, { method: 'POST' });
    await rewindDeadline(cmd.sessionId);
    await runDurableObjectAlarm(stub);
    expect(await stub.get('t-do')).toMatchObject({ status: 'succeeded', amountPaid: 4999 });
  });
});

describe('CheckoutSessionDO at its deadline, when the provider refuses the read-back', () => {
  it('a refusal (404) is not retried: the session expires at once instead of waiting for more checks', async () => {
    const cmd = command();
    const stub = checkoutStub(env, cmd.sessionId);
    const created = await stub.create(cmd);
    if (created.kind !== 'created') throw new Error(created.kind);
    const ref = created.view.providerSessionId;
    // Only this session's requests (its id is in their path) meet the knob.
    await configureSandbox({ providers: { stripe: { failRate: 1, failStatus: 404, match: ref } } });
    try {
      await rewindDeadline(cmd.sessionId);
      await runDurableObjectAlarm(stub);
    } finally {
      await configureSandbox({ providers: { stripe: { failRate: 0, failStatus: 500, match: null } } });
    }
    expect((await stub.get('t-do'))?.status).toBe('expired');
    const reads = await stripeCalls((p) => p === `/v1/checkout/sessions/${ref}`);
    expect(reads).toHaveLength(1);
  });
});

/** Rewinds the stored deadline (the object keeps its record as JSON in `session`). */
async function rewindDeadline(sessionId: string) {
  await runInDurableObject(checkoutStub(env, sessionId), async (_instance, state) => {
    const row = state.storage.sql.exec<{ data: string }>('SELECT data FROM session WHERE id = 1').one();
    const record = JSON.parse(row.data) as { expiresAt: number };
    record.expiresAt = Date.now() - 1000;
    state.storage.sql.exec('UPDATE session SET data = ? WHERE id = 1', JSON.stringify(record));
  });
}
