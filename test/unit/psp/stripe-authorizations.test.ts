import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import { createStripeProvider } from '../../../dev/sandbox/stripe.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { WebhookEvents } from '../../../src/psp/adapter.ts';
import { StripeAuthorizations } from '../../../src/psp/stripe/authorizations.ts';
import { createStripe, StripePayments } from '../../../src/psp/stripe/client.ts';
import { descriptor } from '../../../src/psp/stripe/index.ts';
import { receiveStripeNotification } from '../../../src/psp/stripe/webhook.ts';
import type { PspChargeRequest } from '../../../src/psp/types.ts';
import { inboundOf, useProviderSandbox } from './provider-sandbox.ts';

/** Authorize now, capture or cancel later (capture_method=manual) through the official stripe package against the emulator over HTTP. */
const SECRET = 'whsec_unit_authorizations_secret';
const KEY = 'sk_test_unit_authorizations_key_0123';
const VENUE = 'acct_1VenueAuthorizations';
const DAY_MS = 86_400_000;

const sandbox = useProviderSandbox(createStripeProvider, { stripeWebhookSecret: SECRET });
const { control } = sandbox;
let authorizations: StripeAuthorizations;
let payments: StripePayments;

beforeEach(() => {
  const stripe = createStripe({ secretKey: KEY, baseUrl: `${sandbox.url}/stripe`, timeoutMs: 10_000 });
  authorizations = new StripeAuthorizations(stripe);
  payments = new StripePayments(stripe);
});

afterEach(async () => {
  vi.useRealTimers();
  // Requests the extract covers (creating PaymentIntents, reading them) validate against it; capture and cancel are not in it.
  const violations = (await control('GET', '/__sandbox/contract-violations')).body as RecordedRequest[];
  expect(violations.map((r) => ({ path: r.path, contract: r.contract }))).toEqual([]);
});

const requests = async (path: string): Promise<RecordedRequest[]> =>
  ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => r.path === path);
const webhooks = async (type?: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks?provider=stripe${type ? `&type=${type}` : ''}`)).body;
const types = async () => (await webhooks()).map((w) => w.type);
const eventOf = (w: RecordedWebhook | undefined) => JSON.parse(w!.body) as Record<string, any>;
const receive = (w: RecordedWebhook | undefined): Promise<WebhookEvents> => receiveStripeNotification(inboundOf(w!), SECRET);
const complete = async (id: string) => (await control('POST', `/__sandbox/complete/stripe/${id}`)).body;
const configure = (settings: Record<string, unknown>) => control('POST', '/__sandbox/config', { provider: 'stripe', ...settings });

/** A request to the emulator as Stripe's API, form-encoded. */
async function api(method: string, path: string, options: { form?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${sandbox.url}/stripe${path}`, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    body: options.form ? new URLSearchParams(options.form).toString() : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}
const intentOf = async (id: string) => (await api('GET', `/v1/payment_intents/${id}`)).body;
const chargeOf = async (id: string) => (await api('GET', `/v1/charges/${id}`)).body;

let n = 0;
function request(over: Partial<PspChargeRequest> = {}): PspChargeRequest {
  n++;
  return {
    transactionId: `tx-${n}`,
    tenantId: 'tenant-1',
    amount: 5_000,
    currency: 'USD',
    paymentMethodId: 'pm_card_visa',
    idempotencyKey: `authorize-${n}-${Date.now()}`,
    metadata: { order_id: `order-${n}` },
    ...over,
  };
}

/** An authorization of 5 000 (or `over`) that succeeded: its PaymentIntent id. */
async function authorized(over: Partial<PspChargeRequest> = {}): Promise<string> {
  const res = await authorizations.authorize(request(over));
  if (!res.ok || res.value.status !== 'authorized') throw new Error(`authorize failed: ${JSON.stringify(res)}`);
  return res.value.reference;
}
const capture = (reference: string, over: { amount?: number; idempotencyKey?: string; connectedAccount?: string } = {}) =>
  authorizations.capture({ reference, currency: 'USD', idempotencyKey: `capture-${++n}`, ...over });

describe('authorize', () => {
  it('holds the amount: requires_capture with amount_capturable, an uncaptured charge, and no event that says succeeded', async () => {
    expect(descriptor.capabilities).toContain('authorizations');
    const input = request();
    const res = await authorizations.authorize(input);
    expect(res).toEqual({ ok: true, value: { status: 'authorized', reference: expect.stringMatching(/^pi_/), amountCapturable: 5_000 } });
    if (!res.ok || res.value.status !== 'authorized') throw new Error(JSON.stringify(res));
    const id = res.value.reference;
    const [sent] = await requests('/v1/payment_intents');
    expect(sent!.headers['idempotency-key']).toBe(input.idempotencyKey);
    expect(sent!.body).toMatchObject({
      amount: '5000',
      currency: 'usd',
      capture_method: 'manual',
      confirm: 'true',
      'metadata[order_id]': input.metadata!.order_id,
      'metadata[transaction_id]': input.transactionId,
      'metadata[tenant_id]': 'tenant-1',
    });

    const pi = await intentOf(id);
    expect(pi).toMatchObject({ status: 'requires_capture', capture_method: 'manual', amount_capturable: 5_000, amount_received: 0 });
    const charge = await chargeOf(pi.latest_charge);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: false, amount: 5_000, amount_captured: 0 });
    expect(charge.balance_transaction).toBeNull();
    expect(charge.payment_method_details.card.capture_before - charge.created).toBe(7 * 86_400);
    expect(await types()).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.amount_capturable_updated']);

    // Every owner that reads Stripe's events or charges sees a payment still in progress, never a succeeded one.
    const events = await receive((await webhooks('payment_intent.amount_capturable_updated'))[0]);
    expect(events.payment?.event).toMatchObject({ kind: 'payment', transactionId: input.transactionId, outcome: { status: 'processing' } });
    expect(events).toMatchObject({ checkout: [], recovery: null, connect: null });
    expect(await payments.retrieveCharge(id)).toEqual({ ok: true, value: { status: 'processing', reference: id } });
    expect(await authorizations.retrieveAuthorization(id)).toEqual({
      ok: true,
      value: { status: 'authorized', reference: id, amountCapturable: 5_000 },
    });
  });

  it('the same idempotency key authorizes once', async () => {
    const input = request();
    const first = await authorizations.authorize(input);
    const again = await authorizations.authorize(input);
    expect(again).toEqual(first);
    expect(await requests('/v1/payment_intents')).toHaveLength(2);
    expect(await webhooks('payment_intent.created')).toHaveLength(1);
  });

  it('a declined card is declined, with nothing to capture', async () => {
    const res = await authorizations.authorize(request({ paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' }));
    if (!res.ok || res.value.status !== 'declined') throw new Error(JSON.stringify(res));
    expect(res.value).toMatchObject({ declineCode: 'insufficient_funds', reference: expect.stringMatching(/^pi_/) });
    const refused = await capture(res.value.reference as string);
    expect(refused).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', status: 400, code: 'payment_intent_unexpected_state' },
    });
    const raw = await api('POST', `/v1/payment_intents/${res.value.reference}/capture`);
    expect(raw.body.error.message).toBe(
      'This PaymentIntent could not be captured because it has a status of requires_payment_method. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.',
    );
  });

  it('a 3-D Secure card needs the customer first: requires_action, then complete() → authorized', async () => {
    const res = await authorizations.authorize(
      request({ paymentMethodId: 'pm_card_threeDSecure2Required', returnUrl: 'https://app.example/back' }),
    );
    if (!res.ok || res.value.status !== 'requires_action') throw new Error(JSON.stringify(res));
    const id = res.value.reference;
    expect(res.value.nextAction).toEqual({ type: 'redirect_to_url', url: `${sandbox.url}/__sandbox/3ds/${id}` });
    expect(await complete(id)).toEqual({ completed: true, notified: true });
    expect(await authorizations.retrieveAuthorization(id)).toEqual({
      ok: true,
      value: { status: 'authorized', reference: id, amountCapturable: 5_000 },
    });
    expect(await types()).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'charge.succeeded',
      'payment_intent.amount_capturable_updated',
    ]);
    const charge = await chargeOf((await intentOf(id)).latest_charge);
    expect(charge).toMatchObject({ captured: false, payment_method_details: { card: { three_d_secure: { result: 'authenticated' } } } });
    expect(await capture(id)).toMatchObject({ ok: true, value: { status: 'succeeded', amountReceived: 5_000 } });
  });
});

describe('capture', () => {
  it('takes the whole authorization: succeeded, the charge captured, charge.captured and payment_intent.succeeded', async () => {
    const id = await authorized();
    const res = await capture(id);
    expect(res).toEqual({
      ok: true,
      value: { status: 'succeeded', reference: id, chargeReference: expect.stringMatching(/^ch_/), amountReceived: 5_000 },
    });
    expect(await intentOf(id)).toMatchObject({ status: 'succeeded', amount_received: 5_000, amount_capturable: 0 });
    const charge = await chargeOf((await intentOf(id)).latest_charge);
    expect(charge).toMatchObject({
      captured: true,
      amount_captured: 5_000,
      amount_refunded: 0,
      balance_transaction: expect.stringMatching(/^txn_/),
    });
    expect((await types()).slice(-2)).toEqual(['charge.captured', 'payment_intent.succeeded']);
    expect(eventOf((await webhooks('charge.captured'))[0]).data.previous_attributes).toMatchObject({ captured: false });
    const events = await receive((await webhooks('payment_intent.succeeded'))[0]);
    expect(events.payment?.event).toMatchObject({ kind: 'payment', outcome: { status: 'succeeded', amountReceived: 5_000 } });
    expect(await payments.retrieveCharge(id)).toMatchObject({ ok: true, value: { status: 'succeeded', amountReceived: 5_000 } });
  });

  it('takes less and releases the rest, with no refund; refunds are bounded by what was captured; more than authorized is refused', async () => {
    const id = await authorized();
    expect(await capture(id, { amount: 3_000 })).toMatchObject({ ok: true, value: { status: 'succeeded', amountReceived: 3_000 } });
    const pi = await intentOf(id);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 5_000, amount_received: 3_000, amount_capturable: 0 });
    expect(await chargeOf(pi.latest_charge)).toMatchObject({ amount: 5_000, amount_captured: 3_000, amount_refunded: 0, refunded: false });
    expect(await webhooks('refund.created')).toEqual([]);
    expect(await webhooks('charge.refunded')).toEqual([]);
    const refund = { transactionId: 'tx-r', refundId: 'r-1', reference: id, currency: 'USD', idempotencyKey: `refund-${++n}` };
    expect(await payments.refund({ ...refund, amount: 3_001 })).toMatchObject({ ok: false, failure: { code: 'amount_too_large' } });
    expect(await payments.refund({ ...refund, amount: 3_000, idempotencyKey: `refund-${++n}` })).toMatchObject({ ok: true });
    expect(await chargeOf(pi.latest_charge)).toMatchObject({ amount_refunded: 3_000, refunded: true });

    const other = await authorized();
    const over = await capture(other, { amount: 5_001 });
    expect(over).toMatchObject({ ok: false, failure: { kind: 'invalid_request', status: 400, code: 'amount_too_large' } });
    expect(await intentOf(other)).toMatchObject({ status: 'requires_capture', amount_capturable: 5_000 });
  });

  it('twice: the same key replays the first answer; another key is refused as already captured', async () => {
    const id = await authorized();
    const first = await capture(id, { idempotencyKey: 'capture-once' });
    expect(await capture(id, { idempotencyKey: 'capture-once' })).toEqual(first);
    const replay = await api('POST', `/v1/payment_intents/${id}/capture`, { headers: { 'idempotency-key': 'capture-once' } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await capture(id)).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', retryable: false, code: 'payment_intent_unexpected_state' },
    });
    const raw = await api('POST', `/v1/payment_intents/${id}/capture`);
    expect(raw.status).toBe(400);
    expect(raw.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
      message: 'This PaymentIntent could not be captured because it has already been captured.',
      payment_intent: { id, status: 'succeeded' },
    });
    expect(await webhooks('charge.captured')).toHaveLength(1);
  });

  it('with captures=failed Stripe refuses it (400 charge_expired_for_capture): a final failure, the authorization left as it was', async () => {
    const id = await authorized();
    await configure({ captures: 'failed' });
    const refused = await capture(id, { idempotencyKey: 'capture-after-failure' });
    expect(refused).toEqual({
      ok: false,
      failure: {
        kind: 'invalid_request',
        retryable: false,
        status: 400,
        code: 'charge_expired_for_capture',
        message: expect.stringContaining('the authorization has expired'),
      },
    });
    expect(await intentOf(id)).toMatchObject({ status: 'requires_capture', amount_capturable: 5_000 });
    expect(await webhooks('charge.captured')).toEqual([]);
    // A 400 is not kept under the key: the same key captures once the setting is back.
    await configure({ captures: 'succeeded' });
    expect(await capture(id, { idempotencyKey: 'capture-after-failure' })).toMatchObject({ ok: true, value: { status: 'succeeded' } });
  });

  it('on a connected account: the authorization and its capture are made as that account, invisible to the platform', async () => {
    const id = await authorized({ connectedAccount: VENUE });
    expect((await requests('/v1/payment_intents'))[0]!.headers['stripe-account']).toBe(VENUE);
    expect(await capture(id)).toMatchObject({ ok: false, failure: { status: 404, code: 'resource_missing' } });
    expect(await capture(id, { connectedAccount: VENUE })).toMatchObject({ ok: true, value: { status: 'succeeded' } });
    expect(eventOf((await webhooks('payment_intent.succeeded'))[0]).account).toBe(VENUE);
  });
});

describe('cancel', () => {
  it('releases an authorization: canceled, nothing captured or refunded, payment_intent.canceled', async () => {
    const id = await authorized();
    const res = await authorizations.cancelAuthorization({
      reference: id,
      idempotencyKey: `cancel-${++n}`,
      reason: 'requested_by_customer',
    });
    expect(res).toEqual({ ok: true, value: { status: 'canceled', reference: id } });
    const [sent] = await requests(`/v1/payment_intents/${id}/cancel`);
    expect(sent!.body).toEqual({ cancellation_reason: 'requested_by_customer' });
    const pi = await intentOf(id);
    expect(pi).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      amount_capturable: 0,
      amount_received: 0,
    });
    expect(await chargeOf(pi.latest_charge)).toMatchObject({ captured: false, amount_captured: 0, amount_refunded: 0, refunded: false });
    expect((await types()).slice(-1)).toEqual(['payment_intent.canceled']);
    expect(await webhooks('charge.refunded')).toEqual([]);
    expect(await webhooks('refund.created')).toEqual([]);
    const events = await receive((await webhooks('payment_intent.canceled'))[0]);
    expect(events.payment?.event).toMatchObject({ kind: 'payment', outcome: { status: 'canceled', reference: id } });

    // Canceling again, or capturing what was released, answers canceled; the charge cannot be refunded instead.
    expect(await authorizations.cancelAuthorization({ reference: id, idempotencyKey: `cancel-${++n}` })).toEqual(res);
    expect(await capture(id)).toEqual({ ok: true, value: { status: 'canceled', reference: id } });
    const refund = await api('POST', '/v1/refunds', { form: { charge: pi.latest_charge } });
    expect(refund.status).toBe(400);
    expect(refund.body.error.message).toContain('You must cancel the PaymentIntent to reverse the authorization');
  });

  it('an authorization captured before the cancel arrived answers succeeded: it needs a refund', async () => {
    const id = await authorized();
    await capture(id);
    const res = await authorizations.cancelAuthorization({ reference: id, idempotencyKey: `cancel-${++n}`, reason: 'abandoned' });
    expect(res).toEqual({ ok: true, value: { status: 'succeeded', reference: id } });
    expect(await intentOf(id)).toMatchObject({ status: 'succeeded' });
  });

  it('an authorization not captured within seven days lapses: canceled (expired), charge.expired; capturing it answers canceled', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const id = await authorized();
    vi.setSystemTime(Date.now() + 7 * DAY_MS + 1_000);
    expect(await authorizations.retrieveAuthorization(id)).toEqual({ ok: true, value: { status: 'canceled', reference: id } });
    expect(await intentOf(id)).toMatchObject({ status: 'canceled', cancellation_reason: 'expired', amount_capturable: 0 });
    expect((await types()).slice(-2)).toEqual(['charge.expired', 'payment_intent.canceled']);
    expect(eventOf((await webhooks('payment_intent.canceled'))[0]).request).toEqual({ id: null, idempotency_key: null });
    expect(await capture(id)).toEqual({ ok: true, value: { status: 'canceled', reference: id } });
  });
});
