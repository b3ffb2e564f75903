import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import { canonical, decodeForm, decodeFormBody } from '../../dev/sandbox/stripe/form.ts';
import { stripeSignatureHeader } from '../../dev/sandbox/stripe/webhooks.ts';
import { createStripeProvider } from '../../dev/sandbox/stripe.ts';
import type { RecordedWebhook } from '../../dev/sandbox/webhooks.ts';
import { sandboxControl } from './sandbox-control.ts';

/**
 * The Stripe emulator driven by the official `stripe` package (the wire format the app uses), plus raw
 * fetch where headers or timing matter. Every test gets a fresh sandbox in manual webhook mode unless it
 * says otherwise.
 */
const SECRET = 'whsec_sandbox_unit_secret';
const KEY = 'sk_test_sandbox_unit';
const crypto = Stripe.createSubtleCryptoProvider();

let sandbox: Sandbox;
let stripe: Stripe;

function clientFor(s: Sandbox, key = KEY): Stripe {
  const base = new URL(s.url);
  const withPrefix: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    url.pathname = `/stripe${url.pathname}`;
    return fetch(url, init);
  };
  return new Stripe(key, {
    host: base.hostname,
    port: Number(base.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    httpClient: Stripe.createFetchHttpClient(withPrefix),
  });
}

async function start(appUrl = 'http://127.0.0.1:1', mode: 'auto' | 'manual' = 'manual') {
  sandbox = await startSandbox({ appUrl, providers: [createStripeProvider()], secrets: { stripeWebhookSecret: SECRET } });
  stripe = clientFor(sandbox);
  if (mode === 'manual') await control('POST', '/__sandbox/config', { webhooks: 'manual' });
}

beforeEach(async () => {
  await start();
});

afterEach(async () => {
  await sandbox.close();
});

const control = sandboxControl(() => sandbox.url);

/** A form POST/GET straight to the emulator, for headers and concurrency the SDK hides. */
async function raw(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.url}/stripe${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

const webhooks = async (type?: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks${type ? `?type=${type}` : ''}`)).body;

const confirmed = (payment_method: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
  stripe.paymentIntents.create({
    amount: 1000,
    currency: 'usd',
    payment_method,
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    metadata: { transaction_id: 'tx_1' },
    ...extra,
  });

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('form decoding', () => {
  it('turns bracket keys into nested objects and indexed/empty brackets into arrays', () => {
    expect(
      decodeFormBody(
        'amount=10&metadata[transaction_id]=tx%201&payment_method_types[0]=card&payment_method_types[1]=link&expand[]=a&expand[]=b&a[b][0][c]=d',
      ),
    ).toEqual({
      amount: '10',
      metadata: { transaction_id: 'tx 1' },
      payment_method_types: ['card', 'link'],
      expand: ['a', 'b'],
      a: { b: [{ c: 'd' }] },
    });
    expect(decodeForm([['automatic_payment_methods[enabled]', 'true']])).toEqual({ automatic_payment_methods: { enabled: 'true' } });
    expect(() => decodeForm([['a[b', 'x']])).toThrow();
    expect(() => decodeForm([['__proto__[x]', 'y']])).toThrow();
    expect(canonical({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonical({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

describe('PaymentIntents with the official client', () => {
  it.each([
    ['pm_card_visa', 'visa', '4242', 'credit'],
    ['pm_card_mastercard', 'mastercard', '4444', 'credit'],
    ['pm_card_amex', 'amex', '8431', 'credit'],
    ['pm_card_discover', 'discover', '1117', 'credit'],
    ['pm_card_visa_debit', 'visa', '5556', 'debit'],
  ])('%s succeeds with a charge', async (pm, brand, last4, funding) => {
    const pi = await confirmed(pm, { description: 'order 42' });
    expect(pi.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: 1000,
      amount_received: 1000,
      currency: 'usd',
      description: 'order 42',
      metadata: { transaction_id: 'tx_1' },
      last_payment_error: null,
      livemode: false,
      capture_method: 'automatic',
    });
    expect(pi.payment_method).toMatch(/^pm_/);
    expect(pi.latest_charge).toMatch(/^ch_/);
    const charge = (await raw('GET', `/v1/charges/${pi.latest_charge}`)).body;
    expect(charge).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      amount: 1000,
      amount_refunded: 0,
      payment_intent: pi.id,
    });
    expect(charge.payment_method_details.card).toMatchObject({ brand, last4, funding });
    expect(await stripe.paymentIntents.retrieve(pi.id)).toEqual(pi);
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
  ])('%s is a 402 card error and leaves the PaymentIntent retryable', async (pm, code, declineCode) => {
    const err = await rejection(confirmed(pm));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err.statusCode).toBe(402);
    expect(err.type).toBe('StripeCardError');
    expect(err.code).toBe(code);
    expect(err.decline_code).toBe(declineCode);
    expect(err.charge).toMatch(/^ch_/);
    const pi = err.raw.payment_intent;
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      payment_method: null,
      latest_charge: err.charge,
    });
    expect(pi.last_payment_error).toMatchObject({ type: 'card_error', code, decline_code: declineCode });
    const stored = await stripe.paymentIntents.retrieve(pi.id);
    expect(stored.status).toBe('requires_payment_method');
    expect(stored.last_payment_error?.decline_code).toBe(declineCode);
    expect((await raw('GET', `/v1/charges/${err.charge}`)).body).toMatchObject({ status: 'failed', paid: false, failure_code: code });
    expect((await webhooks()).map((w) => w.type)).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);

    // Retrying the same PaymentIntent with a good card succeeds.
    const retried = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
    expect(retried.last_payment_error).toBeNull();
  });

  it.each(['pm_card_authenticationRequired', 'pm_card_threeDSecure2Required'])(
    '%s requires 3-D Secure; completing it in the sandbox charges the card',
    async (pm) => {
      const pi = await confirmed(pm, {
        automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
        return_url: 'https://app.example/return',
      });
      expect(pi.status).toBe('requires_action');
      expect(pi.next_action).toEqual({
        type: 'redirect_to_url',
        redirect_to_url: { url: `${sandbox.url}/__sandbox/3ds/${pi.id}`, return_url: 'https://app.example/return' },
      });
      expect(pi.latest_charge).toBeNull();
      expect(await control('POST', `/__sandbox/complete/stripe/${pi.id}`)).toEqual({
        status: 200,
        body: { completed: true, notified: true },
      });
      const done = await stripe.paymentIntents.retrieve(pi.id);
      expect(done).toMatchObject({ status: 'succeeded', amount_received: 1000, next_action: null });
      expect(done.latest_charge).toMatch(/^ch_/);
      expect((await webhooks()).map((w) => w.type)).toEqual([
        'payment_intent.created',
        'payment_intent.requires_action',
        'charge.succeeded',
        'payment_intent.succeeded',
      ]);
      const succeeded = JSON.parse((await webhooks('payment_intent.succeeded'))[0]!.body);
      expect(succeeded.request).toEqual({ id: null, idempotency_key: null });
      // Nothing left to complete; an unknown id is a 404.
      expect((await control('POST', `/__sandbox/complete/stripe/${pi.id}`)).body).toEqual({ completed: true, notified: false });
      expect((await control('POST', '/__sandbox/complete/stripe/pi_unknown')).status).toBe(404);
    },
  );

  it('an unknown payment method is a 400 resource_missing on payment_method, and nothing is created', async () => {
    const err = await rejection(confirmed('pm_card_nonexistent'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('resource_missing');
    expect(err.param).toBe('payment_method');
    expect(await webhooks()).toEqual([]);
  });

  it('validates parameters the way Stripe does', async () => {
    const cases: Array<[Record<string, string>, string | undefined, string]> = [
      [{ currency: 'usd' }, 'parameter_missing', 'amount'],
      [{ amount: '0', currency: 'usd' }, 'parameter_invalid_integer', 'amount'],
      [{ amount: '12.5', currency: 'usd' }, 'parameter_invalid_integer', 'amount'],
      [{ amount: '100' }, 'parameter_missing', 'currency'],
      [{ amount: '100', currency: 'USD' }, undefined, 'currency'],
      [{ amount: '100', currency: 'usd', capture_method: 'later' }, undefined, 'capture_method'],
      [{ amount: '100', currency: 'usd', bogus: 'x' }, 'parameter_unknown', 'bogus'],
      [
        { amount: '100', currency: 'usd', 'payment_method_types[0]': 'card', 'automatic_payment_methods[enabled]': 'true' },
        'parameters_exclusive',
        'automatic_payment_methods',
      ],
      // Automatic payment methods (the default) may redirect: confirming needs a return_url.
      [{ amount: '100', currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true' }, undefined, 'return_url'],
      [{ amount: '100', currency: 'usd', return_url: 'https://x.example' }, undefined, 'return_url'],
      [{ amount: '100', currency: 'usd', confirm: 'true', 'payment_method_types[0]': 'card' }, 'payment_intent_unexpected_state', ''],
    ];
    for (const [form, code, param] of cases) {
      const res = await raw('POST', '/v1/payment_intents', form);
      expect(res.status, JSON.stringify(form)).toBe(400);
      expect(res.body.error.type).toBe('invalid_request_error');
      expect(res.body.error.code).toBe(code);
      if (param) expect(res.body.error.param).toBe(param);
    }
    // payment_method_types instead of automatic payment methods: no return_url needed.
    const ok = await raw('POST', '/v1/payment_intents', {
      amount: '100',
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: 'true',
      'payment_method_types[0]': 'card',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'succeeded', payment_method_types: ['card'], automatic_payment_methods: null });
  });

  it('create without confirm, then confirm; cancel; wrong-state transitions are 400', async () => {
    const open = await stripe.paymentIntents.create({ amount: 500, currency: 'eur', allowed_payment_method_types: ['card'] });
    expect(open).toMatchObject({ status: 'requires_payment_method', payment_method: null, latest_charge: null });
    expect(open.client_secret).toMatch(new RegExp(`^${open.id}_secret_`));
    const paid = await stripe.paymentIntents.confirm(open.id, { payment_method: 'pm_card_mastercard' });
    expect(paid.status).toBe('succeeded');
    const again = await rejection(stripe.paymentIntents.confirm(open.id, { payment_method: 'pm_card_visa' }));
    expect(again.statusCode).toBe(400);
    expect(again.code).toBe('payment_intent_unexpected_state');
    expect((await rejection(stripe.paymentIntents.cancel(open.id))).code).toBe('payment_intent_unexpected_state');

    const other = await stripe.paymentIntents.create({ amount: 500, currency: 'eur', payment_method: 'pm_card_visa' });
    expect(other.status).toBe('requires_confirmation');
    const canceled = await stripe.paymentIntents.cancel(other.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(canceled.canceled_at).toBeGreaterThan(0);
    expect((await webhooks('payment_intent.canceled')).map((w) => JSON.parse(w.body).data.object.id)).toEqual([other.id]);
  });

  it('unknown ids are 404 resource_missing; objects made for a connected account are visible only with its Stripe-Account', async () => {
    const err = await rejection(stripe.paymentIntents.retrieve('pi_missing'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
    expect((await rejection(stripe.refunds.retrieve('re_missing'))).statusCode).toBe(404);

    await confirmed('pm_card_visa');
    const pi = await stripe.paymentIntents.create(
      { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'] },
      { stripeAccount: 'acct_venue1' },
    );
    expect((await rejection(stripe.paymentIntents.retrieve(pi.id))).statusCode).toBe(404);
    expect((await stripe.paymentIntents.retrieve(pi.id, {}, { stripeAccount: 'acct_venue1' })).id).toBe(pi.id);
    const events = (await webhooks('payment_intent.succeeded')).map((w) => JSON.parse(w.body));
    expect(events.map((e) => e.account)).toEqual([undefined, 'acct_venue1']);
  });

  it('rejects a missing or malformed secret key with 401', async () => {
    const none = await fetch(`${sandbox.url}/stripe/v1/payment_intents/pi_x`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as any;
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('You did not provide an API key');
    const err = await rejection(clientFor(sandbox, 'pk_test_publishable').paymentIntents.retrieve('pi_x'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
    // HTTP Basic with the key as user name works too.
    const basic = await fetch(`${sandbox.url}/stripe/v1/payment_intents/pi_x`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
    });
    expect(basic.status).toBe(404);
  });

  it('answers an unknown route with 404 and uses the Stripe error format for injected failures', async () => {
    const res = await raw('GET', '/v1/customers');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('Unrecognized request URL');
    await control('POST', '/__sandbox/config', { providers: { stripe: { failRate: 1, failStatus: 500 } } });
    const err = await rejection(stripe.paymentIntents.retrieve('pi_x'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(500);
  });
});

describe('idempotency', () => {
  const params = { amount: '1000', currency: 'usd', payment_method: 'pm_card_visa', confirm: 'true', 'payment_method_types[0]': 'card' };

  it('the official client always sends a key, so two plain creates are two PaymentIntents', async () => {
    const a = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    const b = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    expect(a.id).not.toBe(b.id);
    const requests = (await control('GET', '/__sandbox/requests')).body as Array<{ headers: Record<string, string> }>;
    expect(requests[0]?.headers['idempotency-key']).toMatch(/^stripe-node-retry-/);
  });

  it('replays the stored response for the same key and parameters, with Idempotent-Replayed: true', async () => {
    const first = await stripe.paymentIntents.create(
      { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'] },
      { idempotencyKey: 'key-1' },
    );
    const second = await stripe.paymentIntents.create(
      { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'] },
      { idempotencyKey: 'key-1' },
    );
    expect(second.id).toBe(first.id);
    // stripe-node exposes the fetch Response as lastResponse.
    const header = (r: { lastResponse: { headers: unknown } }) => (r.lastResponse.headers as Headers).get('idempotent-replayed');
    expect(header(second)).toBe('true');
    expect(header(first)).toBeNull();
    expect(second.lastResponse.requestId).toBe(first.lastResponse.requestId);

    const viaRaw = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'key-2' });
    const replay = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'key-2' });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(viaRaw.body);
    expect((await webhooks('payment_intent.created')).length).toBe(2);
  });

  it('replays the response as it was, not the object as it is now', async () => {
    const created = await raw(
      'POST',
      '/v1/payment_intents',
      { amount: '100', currency: 'usd', 'payment_method_types[0]': 'card' },
      { 'idempotency-key': 'snap' },
    );
    await stripe.paymentIntents.cancel(created.body.id);
    const replay = await raw(
      'POST',
      '/v1/payment_intents',
      { amount: '100', currency: 'usd', 'payment_method_types[0]': 'card' },
      { 'idempotency-key': 'snap' },
    );
    expect(replay.body.status).toBe('requires_payment_method');
  });

  it('same key with different parameters or another endpoint is an idempotency_error', async () => {
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' }, { idempotencyKey: 'key-3' });
    const err = await rejection(stripe.paymentIntents.create({ amount: 2000, currency: 'usd' }, { idempotencyKey: 'key-3' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain('same parameters');
    const other = await raw('POST', '/v1/refunds', { payment_intent: 'pi_x' }, { 'idempotency-key': 'key-3' });
    expect(other.status).toBe(400);
    expect(other.body.error.type).toBe('idempotency_error');
    expect(other.body.error.message).toContain('same endpoint');
  });

  it('keys are scoped by secret key and Stripe-Account', async () => {
    const a = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'shared' });
    const b = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'shared', authorization: 'Bearer sk_test_other' });
    const c = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'shared', 'stripe-account': 'acct_2' });
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not store validation failures, but does store card declines', async () => {
    const bad = await raw('POST', '/v1/payment_intents', { currency: 'usd' }, { 'idempotency-key': 'k-val' });
    expect(bad.status).toBe(400);
    const good = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'k-val' });
    expect(good.status).toBe(200);
    expect(good.headers.get('idempotent-replayed')).toBeNull();

    const declined = { ...params, payment_method: 'pm_card_chargeDeclined' };
    const first = await raw('POST', '/v1/payment_intents', declined, { 'idempotency-key': 'k-402' });
    const again = await raw('POST', '/v1/payment_intents', declined, { 'idempotency-key': 'k-402' });
    expect([first.status, again.status]).toEqual([402, 402]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.error.payment_intent.id).toBe(first.body.error.payment_intent.id);
  });

  it('a request with a key still in flight gets 409; afterwards the stored response is replayed', async () => {
    await control('POST', '/__sandbox/config', { latencyMs: 300 });
    const [a, b] = await Promise.all([
      raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'race' }),
      new Promise((r) => setTimeout(r, 50)).then(() => raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'race' })),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(409);
    expect(b.body.error.code).toBe('idempotency_key_in_use');
    await control('POST', '/__sandbox/config', { latencyMs: 0 });
    const c = await raw('POST', '/v1/payment_intents', params, { 'idempotency-key': 'race' });
    expect(c.status).toBe(200);
    expect(c.body.id).toBe(a.body.id);
    expect(c.headers.get('idempotent-replayed')).toBe('true');
    // The official client maps the 409 to an API error and does not retry with maxNetworkRetries 0.
    await control('POST', '/__sandbox/config', { latencyMs: 300 });
    const opts = { idempotencyKey: 'race-sdk' };
    const body = { amount: 100, currency: 'usd', allowed_payment_method_types: ['card'] };
    const results = await Promise.allSettled([
      stripe.paymentIntents.create(body, opts),
      new Promise((r) => setTimeout(r, 50)).then(() => stripe.paymentIntents.create(body, opts)),
    ]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1].status === 'rejected' && (results[1].reason as any).statusCode).toBe(409);
  });
});

describe('refunds', () => {
  async function paid(amount = 1000) {
    return stripe.paymentIntents.create({
      amount,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      allowed_payment_method_types: ['card'],
    });
  }
  const charge = async (id: string) => (await raw('GET', `/v1/charges/${id}`)).body;

  it('a full refund by default; a second refund is charge_already_refunded', async () => {
    const pi = await paid();
    const refund = await stripe.refunds.create({ payment_intent: pi.id, reason: 'requested_by_customer', metadata: { refund_id: 'r1' } });
    expect(refund.id).toMatch(/^re_/);
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 1000,
      status: 'succeeded',
      payment_intent: pi.id,
      charge: pi.latest_charge,
      reason: 'requested_by_customer',
      metadata: { refund_id: 'r1' },
    });
    expect(await stripe.refunds.retrieve(refund.id)).toEqual(refund);
    expect(await charge(pi.latest_charge as string)).toMatchObject({ amount_refunded: 1000, refunded: true });
    const err = await rejection(stripe.refunds.create({ payment_intent: pi.id }));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('charge_already_refunded');
  });

  it('partial refunds add up; more than what remains is amount_too_large', async () => {
    const pi = await paid();
    await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
    expect(await charge(pi.latest_charge as string)).toMatchObject({ amount_refunded: 400, refunded: false });
    const err = await rejection(stripe.refunds.create({ charge: pi.latest_charge as string, amount: 700 }));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('amount_too_large');
    expect(err.param).toBe('amount');
    expect(err.message).toContain('$6.00');
    const last = await stripe.refunds.create({ charge: pi.latest_charge as string, amount: 600 });
    expect(last.payment_intent).toBe(pi.id);
    expect(await charge(pi.latest_charge as string)).toMatchObject({ amount_refunded: 1000, refunded: true });
    const events = await webhooks('charge.refunded');
    expect(events.map((w) => JSON.parse(w.body).data.object.amount_refunded)).toEqual([400, 1000]);
    expect(JSON.parse(events[1]!.body).data.previous_attributes).toEqual({ amount_refunded: 400, refunded: false });
    expect((await webhooks('refund.created')).length).toBe(2);
  });

  it('refunding a PaymentIntent that has not succeeded, or an unknown one, is a 400', async () => {
    const open = await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    const err = await rejection(stripe.refunds.create({ payment_intent: open.id }));
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain('does not have a successful charge');
    const unknown = await rejection(stripe.refunds.create({ payment_intent: 'pi_nope' }));
    expect([unknown.statusCode, unknown.code]).toEqual([400, 'resource_missing']);
    expect((await raw('POST', '/v1/refunds', {})).body.error.code).toBe('parameter_missing');
    expect((await raw('POST', '/v1/refunds', { payment_intent: 'x', reason: 'because' })).body.error.param).toBe('reason');
  });

  it('with refunds=pending, a refund is pending until the sandbox settles it (refund.updated)', async () => {
    expect((await control('POST', '/__sandbox/config', { providers: { stripe: { refunds: 'bogus' } } })).status).toBe(400);
    expect((await control('POST', '/__sandbox/config', { providers: { stripe: { refunds: 'pending' } } })).status).toBe(200);
    const pi = await paid();
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 300 });
    expect(refund.status).toBe('pending');
    expect(await charge(pi.latest_charge as string)).toMatchObject({ amount_refunded: 300 });
    expect((await control('POST', `/__sandbox/complete/stripe/${refund.id}`)).body).toEqual({ completed: true, notified: true });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    const [updated] = await webhooks('refund.updated');
    expect(JSON.parse(updated!.body).data).toMatchObject({
      object: { id: refund.id, status: 'succeeded' },
      previous_attributes: { status: 'pending' },
    });
  });
});

describe('webhooks', () => {
  it('signs with the Stripe-Signature test vector', async () => {
    const body = '{"id":"evt_test","object":"event"}';
    const header = stripeSignatureHeader(body, 'whsec_test_secret', 1700000000);
    expect(header).toBe('t=1700000000,v1=8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724');
    const event = await stripe.webhooks.constructEventAsync(body, header, 'whsec_test_secret', 300, crypto, 1700000000);
    expect(event.id).toBe('evt_test');
  });

  it('records every event in manual mode, each accepted by stripe.webhooks.constructEventAsync', async () => {
    const pi = await confirmed('pm_card_visa');
    await stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: 'refund-key' });
    const list = await webhooks();
    expect(list.map((w) => w.type)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'refund.created',
      'charge.refunded',
    ]);
    for (const [i, w] of list.entries()) {
      expect(w).toMatchObject({ provider: 'stripe', index: i, url: 'http://127.0.0.1:1/api/v1/webhooks/stripe' });
      expect(w.delivery).toEqual({ mode: 'manual', attempts: 0 });
      const event = await stripe.webhooks.constructEventAsync(w.body, w.headers['stripe-signature']!, SECRET, 300, crypto);
      expect(event).toMatchObject({ id: w.eventId, object: 'event', type: w.type, livemode: false, pending_webhooks: 1 });
      expect(event.id).toMatch(/^evt_/);
      expect(event.api_version).toBe(Stripe.API_VERSION);
      expect(event.request?.id).toMatch(/^req_/);
      await expect(
        stripe.webhooks.constructEventAsync(
          w.body.replace('"livemode"', '"livemode" '),
          w.headers['stripe-signature']!,
          SECRET,
          300,
          crypto,
        ),
      ).rejects.toThrow();
      await expect(
        stripe.webhooks.constructEventAsync(w.body, w.headers['stripe-signature']!, 'whsec_wrong', 300, crypto),
      ).rejects.toThrow();
    }
    const refunded = JSON.parse(list[4]!.body);
    expect(refunded.data.object).toMatchObject({ object: 'charge', id: pi.latest_charge, amount_refunded: 1000, refunded: true });
    expect(refunded.request.idempotency_key).toBe('refund-key');
    expect(JSON.parse(list[2]!.body).data.object).toMatchObject({ id: pi.id, status: 'succeeded' });
    // An idempotent replay does not emit again; reset forgets everything.
    await stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: 'refund-key' });
    expect(await webhooks()).toHaveLength(5);
    await control('POST', '/__sandbox/reset');
    expect(await webhooks()).toEqual([]);
    expect((await rejection(stripe.paymentIntents.retrieve(pi.id))).statusCode).toBe(404);
  });

  it("posts only the endpoint's enabled_events; the others still happen", async () => {
    await sandbox.close();
    sandbox = await startSandbox({
      appUrl: 'http://127.0.0.1:1',
      providers: [createStripeProvider()],
      secrets: { stripeWebhookSecret: SECRET, stripeEnabledEvents: ['payment_intent.succeeded', 'charge.refunded'] },
    });
    stripe = clientFor(sandbox);
    await control('POST', '/__sandbox/config', { webhooks: 'manual' });
    const pi = await confirmed('pm_card_visa');
    await stripe.refunds.create({ payment_intent: pi.id });
    expect((await webhooks()).map((w) => w.type)).toEqual(['payment_intent.succeeded', 'charge.refunded']);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('rejects a bad webhooks mode', async () => {
    const res = await control('POST', '/__sandbox/config', { webhooks: 'sometimes' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['config.webhooks: must be one of auto, manual']);
  });

  describe('auto delivery', () => {
    type Received = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number };
    let receiver: http.Server;
    let received: Received[];
    let answers: number[];

    beforeEach(async () => {
      received = [];
      answers = [];
      receiver = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
          res.writeHead(answers.shift() ?? 200).end('ok');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      await sandbox.close();
      await start(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, 'auto');
    });

    afterEach(async () => {
      if (receiver.listening) await new Promise((r) => receiver.close(r));
    });

    const until = async (check: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 5000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error('timed out waiting');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const settled = async () => {
      let list: RecordedWebhook[] = [];
      await until(async () => {
        list = await webhooks();
        return list.every((w) => !w.delivery.pending);
      });
      return list;
    };

    it('POSTs each event to <appUrl>/api/v1/webhooks/stripe after the response, signed', async () => {
      const answeredAt = await confirmed('pm_card_visa').then(() => Date.now());
      await until(() => received.length === 3);
      for (const r of received) {
        expect(r.path).toBe('/api/v1/webhooks/stripe');
        expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(r.at).toBeGreaterThanOrEqual(answeredAt - 50);
        await stripe.webhooks.constructEventAsync(r.body, r.headers['stripe-signature'] as string, SECRET, 300, crypto);
      }
      expect(received.map((r) => JSON.parse(r.body).type)).toEqual([
        'payment_intent.created',
        'charge.succeeded',
        'payment_intent.succeeded',
      ]);
      const list = await settled();
      expect(list.map((w) => w.delivery)).toEqual(Array(3).fill({ mode: 'auto', status: 200, attempts: 1 }));
      expect(list.map((w) => w.body)).toEqual(received.map((r) => r.body));
    });

    it('retries a 5xx, and redelivers a recorded webhook byte for byte', async () => {
      answers.push(503);
      await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
      await until(() => received.length === 2);
      const [first] = await settled();
      expect(first!.delivery).toEqual({ mode: 'auto', status: 200, attempts: 2 });
      expect(received[1]!.body).toBe(received[0]!.body);

      const again = await control('POST', '/__sandbox/webhooks/0/redeliver');
      expect(again).toEqual({ status: 200, body: { index: 0, delivery: { mode: 'auto', status: 200, attempts: 1 } } });
      expect(received).toHaveLength(3);
      expect(received[2]!.body).toBe(first!.body);
      expect(received[2]!.headers['stripe-signature']).toBe(first!.headers['stripe-signature']);
      expect((await control('POST', '/__sandbox/webhooks/9/redeliver')).status).toBe(404);
    });

    it('records the network error after 3 attempts when the app is not listening', async () => {
      const port = (receiver.address() as AddressInfo).port;
      await new Promise((r) => receiver.close(r));
      await sandbox.close();
      await start(`http://127.0.0.1:${port}`, 'auto');
      await stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
      const [w] = await settled();
      expect(w!.delivery.mode).toBe('auto');
      expect(w!.delivery.attempts).toBe(3);
      expect(w!.delivery.status).toBeUndefined();
      expect(w!.delivery.error).toMatch(/ECONNREFUSED|connect/i);
    });
  });
});
