import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { checkoutStub, recoveryTransactionStub } from '../../src/lib/stubs';
import { BASE, json } from '../helpers/app';
import { completeAtSandbox, lastWebhookIndex, merchantHeaders, recordedWebhooks } from '../helpers/checkout';
import { eventually, rows, sql } from '../helpers/db';
import { type SandboxRequest, sandbox } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

/**
 * Stripe payment recovery through the routes, the PSP sandbox (Stripe, email, SMS), the
 * outbox and the deliveries queue running inside the test worker, and Postgres, through the Worker's entry point.
 */
function callApp(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

type Body = Record<string, any>;

async function post(path: string, headers: Record<string, string>, body: unknown) {
  const res = await callApp(path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await json<Body>(res) };
}

async function get(path: string, headers: Record<string, string>) {
  const res = await callApp(path, { headers });
  return { status: res.status, body: await json<Body>(res) };
}

const uniq = () => crypto.randomUUID().slice(0, 8);
const phoneNumber = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

function transactionBody(over: Record<string, unknown> = {}) {
  return {
    amount: 4999,
    currency: 'usd',
    customerEmail: `payer-${uniq()}@example.com`,
    customerPhone: phoneNumber(),
    description: 'Order #1042 <Concert>',
    failureReason: 'card_declined',
    ...over,
  };
}

async function newTransaction(tenant: string, over: Record<string, unknown> = {}) {
  const headers = await merchantHeaders(tenant);
  const created = await post('/v1/transactions', headers, transactionBody(over));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { headers, t: created.body };
}

async function providerRequests(provider: string, match: (r: SandboxRequest) => boolean): Promise<SandboxRequest[]> {
  return ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter((r) => r.provider === provider && match(r));
}

const emailsTo = (address: string) => providerRequests('email', (r) => r.body?.To === address && r.status === 200);
const smsTo = (phone: string) => providerRequests('sms', (r) => r.body?.To === phone && r.status === 201);

/** Delivers the Stripe webhooks recorded after `mark` that concern `text` (our transaction) to the recovery endpoint. */
async function deliverStripe(mark: number, text: string) {
  const out: { type: string; status: number; body: Body }[] = [];
  for (const w of (await recordedWebhooks('stripe')).filter((h) => h.index > mark && h.body.includes(text))) {
    const res = await callApp('/v1/payments/stripe/webhooks', { method: 'POST', headers: w.headers, body: w.body });
    out.push({ type: w.type, status: res.status, body: await json<Body>(res) });
  }
  return out;
}

/** Moves every reminder not yet due into the past and arms the alarm, as the days passing would. */
async function rewindReminders(tenant: string, transactionId: string) {
  const stub = recoveryTransactionStub(env, tenant, transactionId);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE reminders SET due_at = ? WHERE status <> 'due'", Date.now() - 1000);
    await state.storage.setAlarm(Date.now());
  });
  return stub;
}

/** What the transaction's object has emitted: its recovery.reminder_due events (by outbox seq) and how many rows await sending. */
async function outboxOf(tenant: string, transactionId: string) {
  return runInDurableObject(recoveryTransactionStub(env, tenant, transactionId), (_instance, state) => ({
    reminderDue: state.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM outbox WHERE type = 'recovery.reminder_due' ORDER BY seq")
      .toArray()
      .map((r) => r.seq),
    pending: state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL').one().n,
  }));
}

describe('recovery: checkout session, payment link, reminders, payment', () => {
  it('a 24-hour session and a link; email and SMS carry the link; paying completes it and stops reminders', {
    timeout: 90_000,
  }, async () => {
    const tenant = `t-rec-${uniq()}`;
    const { headers, t } = await newTransaction(tenant);
    expect(t).toMatchObject({ amount: 4999, currency: 'USD', recoveryStatus: 'pending', paymentLinkUrl: null, notifications: [] });
    const id = t.transactionId as string;

    // A reusable payment link: the same one on every call, one link at Stripe.
    const link = await post('/v1/payments/stripe/payment-links', headers, { transactionId: id });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    expect(link.body).toMatchObject({ transactionId: id });
    expect(link.body.paymentLinkId).toMatch(/^plink_/);
    const again = await post('/v1/payments/stripe/payment-links', headers, { transactionId: id });
    expect(again).toMatchObject({ status: 200, body: link.body });
    expect(
      await providerRequests(
        'stripe',
        (r) => r.path === '/v1/payment_links' && r.headers['idempotency-key'] === `edgepay-recovery-${id}:link`,
      ),
    ).toHaveLength(1);

    // A Checkout Session expiring in 24 hours (Stripe's maximum, less the adapter's 2-minute margin).
    const before = Math.floor(Date.now() / 1000);
    const session = await post('/v1/payments/stripe/checkout-sessions', headers, {
      transactionId: id,
      successUrl: 'https://merchant.example/paid',
      cancelUrl: 'https://merchant.example/cancel',
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    expect(session.body).toMatchObject({ transactionId: id, status: 'open' });
    expect(session.body.sessionId).toMatch(/^cs_test_/);
    const [createdAtStripe] = await providerRequests(
      'stripe',
      (r) => r.path === '/v1/checkout/sessions' && r.method === 'POST' && r.body?.['metadata[edgepay_recovery_transaction_id]'] === id,
    );
    const expiresAt = Number(createdAtStripe?.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_400 - 300);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 86_400);
    expect(createdAtStripe?.response.expires_at).toBe(expiresAt);
    expect(createdAtStripe?.body).toMatchObject({
      success_url: 'https://merchant.example/paid',
      'line_items[0][price_data][unit_amount]': '4999',
      'payment_intent_data[metadata][edgepay_recovery_transaction_id]': id,
    });
    expect(Date.parse(session.body.expiresAt) / 1000).toBe(expiresAt);
    const sameSession = await post('/v1/payments/stripe/checkout-sessions', headers, { transactionId: id });
    expect(sameSession).toMatchObject({ status: 200, body: { sessionId: session.body.sessionId } });

    // The first reminder goes out at once, by email and SMS, with the payment link and the amount.
    const [email] = await eventually(async () => {
      const found = await emailsTo(t.customerEmail);
      return found.length ? found : undefined;
    }, 20_000);
    expect(email?.body.Subject).toBe('Complete your payment of 49.99 USD');
    expect(email?.body.HtmlBody).toContain(`href="${link.body.url}"`);
    expect(email?.body.HtmlBody).toContain('Order #1042 &lt;Concert&gt;');
    expect(email?.body.TextBody).toContain(link.body.url);
    expect(email?.body.TextBody).toContain('49.99 USD');
    const [sms] = await eventually(async () => {
      const found = await smsTo(t.customerPhone);
      return found.length ? found : undefined;
    }, 20_000);
    expect(sms?.body.Body).toContain(link.body.url);
    expect(sms?.body.Body).toContain('49.99 USD');
    const sent = await eventually(async () => {
      const v = (await get(`/v1/transactions/${id}`, headers)).body;
      return v.notifications.filter((n: Body) => n.status === 'sent').length === 2 ? v : undefined;
    });
    expect(sent.recoveryStatus).toBe('link_sent');
    expect(sent.notifications.map((n: Body) => n.channel).sort()).toEqual(['email', 'sms']);

    // The customer pays the session; Stripe's signed events reach POST /v1/payments/stripe/webhooks.
    const mark = await lastWebhookIndex();
    await completeAtSandbox('stripe', session.body.sessionId);
    const delivered = await deliverStripe(mark, id);
    expect(delivered.map((d) => d.type)).toEqual(expect.arrayContaining(['payment_intent.succeeded', 'checkout.session.completed']));
    for (const d of delivered) expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(delivered.find((d) => d.type === 'checkout.session.completed')?.body.status).toContain('recovery:applied');

    const paid = (await get(`/v1/transactions/${id}`, headers)).body;
    expect(paid).toMatchObject({ recoveryStatus: 'completed', amountPaid: 4999, stripeCheckoutSessionId: session.body.sessionId });
    expect(paid.stripePaymentIntentId).toMatch(/^pi_/);
    // One success recorded for the payment, however many events (PaymentIntent, session, projection) told of it.
    expect(paid.paymentAttempts.filter((a: Body) => a.status === 'succeeded')).toEqual([
      expect.objectContaining({
        paymentIntentId: paid.stripePaymentIntentId,
        amount: 4999,
        currency: 'USD',
        source: 'payment_intent.succeeded',
      }),
    ]);
    expect(paid.nextReminderAt).toBeNull();

    const status = await get(`/v1/payments/stripe/sessions/${session.body.sessionId}/status`, headers);
    expect(status).toEqual({
      status: 200,
      body: {
        sessionId: session.body.sessionId,
        status: 'complete',
        paymentStatus: 'paid',
        amountTotal: 4999,
        currency: 'USD',
        transactionId: id,
        recoveryStatus: 'completed',
      },
    });

    // Postgres: the transaction with its Stripe and customer fields, and one row per delivered notification.
    const row = await eventually(async () => {
      const [r] = await rows<Body>(
        sql`SELECT recovery_status, stripe_checkout_session_id, stripe_payment_intent_id, payment_link_url, customer_email, customer_phone,
                   amount, currency, jsonb_array_length(payment_attempts) AS attempts
            FROM recovery_transactions WHERE id = ${id}`,
      );
      return r?.recovery_status === 'completed' ? r : undefined;
    });
    expect(row).toMatchObject({
      stripe_checkout_session_id: session.body.sessionId,
      stripe_payment_intent_id: paid.stripePaymentIntentId,
      payment_link_url: link.body.url,
      customer_email: t.customerEmail,
      customer_phone: t.customerPhone,
      currency: 'USD',
    });
    expect(Number(row.amount)).toBe(4999);
    expect(Number(row.attempts)).toBe(1);
    const notifications = await eventually(async () => {
      const r = await rows<Body>(sql`SELECT channel, status, provider_message_id FROM recovery_notifications WHERE transaction_id = ${id}`);
      return r.filter((n) => n.status === 'sent').length === 2 ? r : undefined;
    });
    expect(notifications.find((n) => n.channel === 'email')?.provider_message_id).toBe(email?.response.MessageID);
    expect(notifications.find((n) => n.channel === 'sms')?.provider_message_id).toBe(sms?.response.sid);
    const [checkoutRow] = await rows<Body>(
      sql`SELECT purpose, status FROM checkout_sessions WHERE provider_session_id = ${session.body.sessionId}`,
    );
    expect(checkoutRow?.purpose).toBe('recovery');

    // Paid: the days pass, the object's alarm runs, and nothing more is sent. An email or SMS is only ever sent
    // for a recovery.reminder_due event of the object's outbox: the alarm appends none and leaves nothing unsent,
    // and both deliveries already made are recorded as sent (a redelivered message for them is skipped).
    const emitted = await outboxOf(tenant, id);
    const stub = await rewindReminders(tenant, id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await outboxOf(tenant, id)).toEqual({ ...emitted, pending: 0 });
    expect(emitted.reminderDue).toHaveLength(1);
    const after = (await get(`/v1/transactions/${id}`, headers)).body;
    expect(after.notifications.map((n: Body) => n.status)).toEqual(['sent', 'sent']);
    expect(after.nextReminderAt).toBeNull();
    expect(await emailsTo(t.customerEmail)).toHaveLength(1);
    expect(await smsTo(t.customerPhone)).toHaveLength(1);
    // A session of a paid transaction cannot be made again.
    const refused = await post('/v1/payments/stripe/checkout-sessions', headers, { transactionId: id });
    expect(refused).toMatchObject({ status: 409, body: { code: 'INVALID_STATE_TRANSITION' } });
  });

  it('unpaid, the next reminder goes out when it is due, marked as a reminder', { timeout: 60_000 }, async () => {
    const tenant = `t-rec-${uniq()}`;
    const { headers, t } = await newTransaction(tenant, { customerPhone: undefined });
    const id = t.transactionId as string;
    const link = await post('/v1/payments/stripe/payment-links', headers, { transactionId: id });
    expect(link.status).toBe(201);
    await eventually(async () => ((await emailsTo(t.customerEmail)).length === 1 ? true : undefined), 20_000);
    const stub = await rewindReminders(tenant, id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const emails = await eventually(async () => {
      const found = await emailsTo(t.customerEmail);
      return found.length >= 2 ? found : undefined;
    }, 20_000);
    expect(emails.map((e) => e.body.Subject)).toContain('Reminder: complete your payment of 49.99 USD');
    expect(emails.every((e) => e.body.TextBody.includes(link.body.url))).toBe(true);
    // Email only: no SMS was attempted for a transaction without a phone.
    const view = (await get(`/v1/transactions/${id}`, headers)).body;
    expect(view.notifications.every((n: Body) => n.channel === 'email')).toBe(true);
  });

  it('paying through the payment link completes the transaction (the link’s metadata routes the session back)', {
    timeout: 60_000,
  }, async () => {
    const tenant = `t-rec-${uniq()}`;
    const { headers, t } = await newTransaction(tenant, { amount: 1250, currency: 'EUR' });
    const id = t.transactionId as string;
    const link = await post('/v1/payments/stripe/payment-links', headers, { transactionId: id });
    const mark = await lastWebhookIndex();
    await completeAtSandbox('stripe', link.body.paymentLinkId);
    const completedEvent = (await recordedWebhooks('stripe')).find(
      (w) => w.index > mark && w.type === 'checkout.session.completed' && w.body.includes(id),
    );
    expect(completedEvent).toBeDefined();
    const delivered = await deliverStripe(mark, id);
    expect(delivered.every((d) => d.status === 200)).toBe(true);
    const linkSessionId = JSON.parse(completedEvent?.body ?? '{}').data.object.id as string;
    const paid = (await get(`/v1/transactions/${id}`, headers)).body;
    expect(paid).toMatchObject({ recoveryStatus: 'completed', amountPaid: 1250, stripeCheckoutSessionId: linkSessionId });
    const status = await get(`/v1/payments/stripe/sessions/${linkSessionId}/status`, headers);
    expect(status.body).toMatchObject({
      status: 'complete',
      paymentStatus: 'paid',
      amountTotal: 1250,
      currency: 'EUR',
      recoveryStatus: 'completed',
    });
    // Delivered again: the object has seen these events.
    const redelivered = await deliverStripe(mark, id);
    expect(redelivered.find((d) => d.type === 'checkout.session.completed')?.body.status).toBe('recovery:duplicate');
  });
});

describe('recovery: an expired session', () => {
  it('expires the transaction when its only link expires unpaid; a payment link reopens it with a fresh schedule', {
    timeout: 60_000,
  }, async () => {
    const tenant = `t-rec-${uniq()}`;
    const { headers, t } = await newTransaction(tenant, { customerPhone: undefined });
    const id = t.transactionId as string;
    const session = await post('/v1/payments/stripe/checkout-sessions', headers, { transactionId: id });
    expect(session.status).toBe(201);
    // The first reminder carries the session's URL (there is no payment link).
    const [first] = await eventually(async () => {
      const found = await emailsTo(t.customerEmail);
      return found.length ? found : undefined;
    }, 20_000);
    expect(first?.body.TextBody).toContain(session.body.url);

    // 24 hours pass: the session's object expires it at Stripe and projects it; the transaction follows.
    const checkout = checkoutStub(env, session.body.checkoutSessionId);
    await runInDurableObject(checkout, (_instance, state) => {
      const row = state.storage.sql.exec<{ data: string }>('SELECT data FROM session WHERE id = 1').one();
      state.storage.sql.exec(
        'UPDATE session SET data = ? WHERE id = 1',
        JSON.stringify({ ...JSON.parse(row.data), expiresAt: Date.now() - 1000 }),
      );
    });
    expect(await runDurableObjectAlarm(checkout)).toBe(true);
    const expired = await eventually(async () => {
      const v = (await get(`/v1/transactions/${id}`, headers)).body;
      return v.recoveryStatus === 'expired' ? v : undefined;
    }, 20_000);
    expect(expired).toMatchObject({ checkoutStatus: 'expired', nextReminderAt: null });

    // A payment link (it never expires) reopens the transaction and starts a fresh schedule, first at once.
    const link = await post('/v1/payments/stripe/payment-links', headers, { transactionId: id });
    expect(link.status).toBe(201);
    const reopened = (await get(`/v1/transactions/${id}`, headers)).body;
    expect(reopened.recoveryStatus).toBe('pending');
    expect(reopened.nextReminderAt).not.toBeNull();
    const emails = await eventually(async () => {
      const found = await emailsTo(t.customerEmail);
      return found.length >= 2 ? found : undefined;
    }, 20_000);
    expect(emails[1]?.body.TextBody).toContain(link.body.url);
  });
});

describe('recovery: organizations, input and idempotency', () => {
  it('another organization gets 404 for the transaction, its session, its link and its session status', async () => {
    const { headers, t } = await newTransaction(`t-rec-${uniq()}`);
    const id = t.transactionId as string;
    const session = await post('/v1/payments/stripe/checkout-sessions', headers, { transactionId: id });
    expect(session.status).toBe(201);
    const other = await merchantHeaders(`t-rec-other-${uniq()}`);
    const reads = [
      await get(`/v1/transactions/${id}`, other),
      await post('/v1/payments/stripe/checkout-sessions', other, { transactionId: id }),
      await post('/v1/payments/stripe/payment-links', other, { transactionId: id }),
      await get(`/v1/payments/stripe/sessions/${session.body.sessionId}/status`, other),
    ];
    for (const r of reads) expect(r).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await get(`/v1/payments/stripe/sessions/${session.body.sessionId}/status`, headers)).body).toMatchObject({
      status: 'open',
      paymentStatus: 'unpaid',
      transactionId: id,
      recoveryStatus: 'pending',
    });
  });

  it.each([
    [{ amount: -5 }, 'amount'],
    [{ amount: 10.5 }, 'amount'],
    [{ currency: 'XXX' }, 'currency'],
    [{ currency: 'KWD', amount: 1255 }, 'amount'],
    [{ customerEmail: 'not-an-email' }, 'customerEmail'],
    [{ customerPhone: '555-1234' }, 'customerPhone'],
    [{ customerEmail: undefined, customerPhone: undefined }, 'customerEmail'],
    [{ description: '' }, 'description'],
    [{ failureReason: 'x'.repeat(501) }, 'failureReason'],
  ])('POST /v1/transactions %j → 422 naming %s', async (over, field) => {
    const res = await post('/v1/transactions', await merchantHeaders('t-rec-input'), transactionBody(over));
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('VALIDATION_ERROR');
    expect(res.body.errors.map((e: Body) => e.field)).toContain(field);
  });

  it('the link and session routes and the status route validate their input', async () => {
    const headers = await merchantHeaders('t-rec-input');
    const cases = [
      await post('/v1/payments/stripe/checkout-sessions', headers, { transactionId: 'nope' }),
      await post('/v1/payments/stripe/checkout-sessions', headers, {
        transactionId: crypto.randomUUID(),
        successUrl: 'http://merchant.example/ok',
      }),
      await post('/v1/payments/stripe/payment-links', headers, {}),
      await get('/v1/payments/stripe/sessions/pi_123/status', headers),
      await get('/v1/transactions/not-a-uuid', headers),
    ];
    expect(cases.map((c) => [c.status, c.body.errors?.[0]?.field])).toEqual([
      [422, 'transactionId'],
      [422, 'successUrl'],
      [422, 'transactionId'],
      [422, 'id'],
      [422, 'transactionId'],
    ]);
    expect((await post('/v1/payments/stripe/payment-links', headers, { transactionId: crypto.randomUUID() })).status).toBe(404);
  });

  it('needs a merchant or admin token', async () => {
    expect((await post('/v1/transactions', { 'content-type': 'application/json' }, transactionBody())).status).toBe(401);
    const user = { ...bearer(await signToken({ sub: 'u1', tenant_id: 't-rec', role: 'user' })), 'content-type': 'application/json' };
    expect((await post('/v1/transactions', user, transactionBody())).body.code).toBe('FORBIDDEN');
    const admin = { ...bearer(await signToken({ sub: 'a1', tenant_id: 't-rec', role: 'admin' })), 'content-type': 'application/json' };
    expect((await post('/v1/transactions', admin, transactionBody())).status).toBe(201);
  });

  it('an Idempotency-Key replays the same transaction; the same key with another body is refused', async () => {
    const headers = await merchantHeaders(`t-rec-${uniq()}`, crypto.randomUUID());
    const body = transactionBody();
    const first = await post('/v1/transactions', headers, body);
    const second = await post('/v1/transactions', headers, body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.transactionId).toBe(first.body.transactionId);
    const reused = await post('/v1/transactions', headers, { ...body, amount: 5000 });
    expect(reused).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    const fresh = await post('/v1/transactions', await merchantHeaders('t-rec-input'), body);
    expect(fresh.body.transactionId).not.toBe(first.body.transactionId);
  });
});

describe('recovery: the Stripe webhook endpoint', () => {
  const stripe = new Stripe('sk_test_x', { httpClient: Stripe.createFetchHttpClient() });
  const cryptoProvider = Stripe.createSubtleCryptoProvider();
  const signed = (payload: string) => stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: 'whsec_test', cryptoProvider });
  const send = async (payload: string, signature?: string) => {
    const res = await callApp('/v1/payments/stripe/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
      body: payload,
    });
    return { status: res.status, body: await json<Body>(res) };
  };
  const intentEvent = (tenant: string, id: string, type: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: `evt_${uniq()}${uniq()}`,
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: `pi_${uniq()}`,
          object: 'payment_intent',
          amount: 4999,
          currency: 'usd',
          status: type === 'payment_intent.succeeded' ? 'succeeded' : 'requires_payment_method',
          metadata: { edgepay_recovery_transaction_id: id, edgepay_tenant_id: tenant },
          ...extra,
        },
      },
    });

  it('records payment_intent.payment_failed on the transaction, once, and does not complete it', async () => {
    const tenant = `t-rec-${uniq()}`;
    const { headers, t } = await newTransaction(tenant);
    const payload = intentEvent(tenant, t.transactionId, 'payment_intent.payment_failed', {
      last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    });
    const signature = await signed(payload);
    expect(await send(payload, signature)).toEqual({ status: 200, body: { received: true, status: 'recovery:applied' } });
    expect((await send(payload, signature)).body.status).toBe('recovery:duplicate');
    const view = (await get(`/v1/transactions/${t.transactionId}`, headers)).body;
    expect(view.recoveryStatus).toBe('pending');
    expect(view.paymentAttempts).toEqual([
      expect.objectContaining({
        status: 'failed',
        source: 'payment_intent.payment_failed',
        failureCode: 'insufficient_funds',
        failureMessage: 'Your card has insufficient funds.',
        amount: 4999,
        currency: 'USD',
      }),
    ]);
    expect(view.stripePaymentIntentId).toBe(JSON.parse(payload).data.object.id);
    const row = await eventually(async () => {
      const [r] = await rows<Body>(sql`SELECT payment_attempts FROM recovery_transactions WHERE id = ${t.transactionId}`);
      return (r?.payment_attempts as unknown[] | undefined)?.length === 1 ? r : undefined;
    });
    expect((row.payment_attempts as Body[])[0]).toMatchObject({ status: 'failed', failureCode: 'insufficient_funds' });
  });

  it('a session completed for less than the transaction is recorded, not taken as recovery', async () => {
    const tenant = `t-rec-${uniq()}`;
    const { headers, t } = await newTransaction(tenant);
    const payload = JSON.stringify({
      id: `evt_${uniq()}${uniq()}`,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: `cs_test_${uniq()}`,
          object: 'checkout.session',
          status: 'complete',
          payment_status: 'paid',
          amount_total: 100,
          currency: 'usd',
          payment_intent: `pi_${uniq()}`,
          metadata: { edgepay_recovery_transaction_id: t.transactionId, edgepay_tenant_id: tenant },
        },
      },
    });
    expect((await send(payload, await signed(payload))).status).toBe(200);
    const view = (await get(`/v1/transactions/${t.transactionId}`, headers)).body;
    expect(view.recoveryStatus).toBe('pending');
    expect(view.paymentAttempts[0]).toMatchObject({ status: 'succeeded', amount: 100, failureCode: 'amount_mismatch' });
  });

  it('refuses a missing or wrong signature (400) and leaves unrelated events to the other flows', async () => {
    const tenant = `t-rec-${uniq()}`;
    const { t } = await newTransaction(tenant);
    const payload = intentEvent(tenant, t.transactionId, 'payment_intent.succeeded');
    expect(await send(payload)).toMatchObject({ status: 400, body: { code: 'WEBHOOK_SIGNATURE_INVALID' } });
    const tampered = await signed(payload);
    expect((await send(payload.replace('4999', '1'), tampered)).body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const unrelated = JSON.stringify({
      id: `evt_${uniq()}${uniq()}`,
      object: 'event',
      type: 'customer.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: `cus_${uniq()}`, object: 'customer', metadata: {} } },
    });
    const res = await send(unrelated, await signed(unrelated));
    expect(res.status).toBe(200);
    expect(res.body.status).not.toContain('recovery');
  });
});
