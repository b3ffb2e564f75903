import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../dev/sandbox/server.ts';
import { stripeSignatureHeader } from '../../../dev/sandbox/stripe/webhooks.ts';
import { createStripeProvider } from '../../../dev/sandbox/stripe.ts';
import type { RecordedWebhook } from '../../../dev/sandbox/webhooks.ts';
import type { PayoutInput, TransferInput, WebhookEvents } from '../../../src/psp/adapter.ts';
import { type InboundNotification, WebhookPayloadError } from '../../../src/psp/checkout.ts';
import { createStripe, StripePayments } from '../../../src/psp/stripe/client.ts';
import { StripeConnect } from '../../../src/psp/stripe/connect.ts';
import { receiveStripeNotification } from '../../../src/psp/stripe/webhook.ts';
import type { PspChargeRequest } from '../../../src/psp/types.ts';
import { inboundOf, useProviderSandbox } from './provider-sandbox.ts';

/** Stripe Connect money out (payouts, transfers, disputes) through the official stripe package against the emulator over real HTTP. */
const SECRET = 'whsec_unit_connect_secret';
const KEY = 'sk_test_unit_connect_key_0123456789';
const VENUE = 'acct_1VenueConnect';
const PLATFORM = 'acct_1PlatformEdgepay';

const sandbox = useProviderSandbox(createStripeProvider, { stripeWebhookSecret: SECRET });
const { control } = sandbox;
let connect: StripeConnect;
let payments: StripePayments;
let stripe: ReturnType<typeof createStripe>;

/** False in tests that send invalid requests on purpose. */
let adapterOnly = true;

beforeEach(() => {
  stripe = createStripe({ secretKey: KEY, baseUrl: `${sandbox.url}/stripe`, timeoutMs: 10_000 });
  connect = new StripeConnect(stripe);
  payments = new StripePayments(stripe);
});

afterEach(async () => {
  // Every request the adapters sent that the OpenAPI extract covers (the PaymentIntents) validates against it.
  const violations = (await control('GET', '/__sandbox/contract-violations')).body as RecordedRequest[];
  if (adapterOnly) expect(violations.map((r) => ({ path: r.path, contract: r.contract }))).toEqual([]);
  adapterOnly = true;
});

const requests = async (path: string): Promise<RecordedRequest[]> =>
  ((await control('GET', '/__sandbox/requests')).body as RecordedRequest[]).filter((r) => r.path === path);
const webhooks = async (type: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks?provider=stripe&type=${type}`)).body;
const eventOf = (w: RecordedWebhook | undefined) => JSON.parse(w!.body) as Record<string, any>;
const receive = (w: RecordedWebhook | undefined): Promise<WebhookEvents> => receiveStripeNotification(inboundOf(w!), SECRET);
const complete = async (id: string) => (await control('POST', `/__sandbox/complete/stripe/${id}`)).body;
const configure = (settings: Record<string, unknown>) => control('POST', '/__sandbox/config', { provider: 'stripe', ...settings });

/** A request to the emulator as Stripe's API, form-encoded, optionally as a connected account. */
async function api(method: string, path: string, options: { account?: string; form?: Record<string, string> } = {}) {
  const res = await fetch(`${sandbox.url}/stripe${path}`, {
    method,
    headers: {
      authorization: `Bearer ${KEY}`,
      ...(options.account ? { 'stripe-account': options.account } : {}),
      ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: options.form ? new URLSearchParams(options.form).toString() : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

let n = 0;
function payout(over: Partial<PayoutInput> = {}): PayoutInput {
  n++;
  return {
    account: VENUE,
    amount: 12_345,
    currency: 'USD',
    method: 'standard',
    idempotencyKey: `payout-${n}-${Date.now()}`,
    metadata: { tenant_id: 'tenant-1', venue_id: 'venue-7', payout_id: `payout-${n}` },
    description: 'Venue payout',
    ...over,
  };
}

function transfer(over: Partial<TransferInput> = {}): TransferInput {
  n++;
  return {
    destination: VENUE,
    amount: 8_000,
    currency: 'USD',
    idempotencyKey: `transfer-${n}-${Date.now()}`,
    metadata: { tenant_id: 'tenant-1', escrow_id: `escrow-${n}` },
    ...over,
  };
}

async function paid(over: Partial<PspChargeRequest> = {}) {
  n++;
  const res = await payments.charge({
    transactionId: `tx-${n}`,
    tenantId: 'tenant-1',
    amount: 5_000,
    currency: 'USD',
    paymentMethodId: 'pm_card_visa',
    idempotencyKey: `charge-${n}-${Date.now()}`,
    metadata: { order_id: `order-${n}` },
    ...over,
  });
  if (!res.ok || res.value.status !== 'succeeded') throw new Error(`charge failed: ${JSON.stringify(res)}`);
  return { reference: res.value.reference, charge: res.value.chargeReference as string };
}

describe('payouts', () => {
  it('creates a pending payout as the connected account; complete() pays it and payout.paid maps with its metadata and account', async () => {
    const input = payout();
    const before = Date.now();
    const res = await connect.createPayout(input);
    if (!res.ok) throw new Error(JSON.stringify(res.failure));
    expect(res.value).toEqual({
      id: expect.stringMatching(/^po_[A-Za-z0-9]{24}$/),
      status: 'pending',
      amount: 12_345,
      currency: 'USD',
      arrivalDate: expect.any(Number),
      failureCode: null,
      failureMessage: null,
    });
    expect(res.value.arrivalDate).toBeGreaterThan(before);
    const [req] = await requests('/v1/payouts');
    expect(req!.headers['stripe-account']).toBe(VENUE);
    expect(req!.headers['idempotency-key']).toBe(input.idempotencyKey);
    expect(req!.body).toEqual({
      amount: '12345',
      currency: 'usd',
      method: 'standard',
      description: 'Venue payout',
      'metadata[tenant_id]': 'tenant-1',
      'metadata[venue_id]': 'venue-7',
      'metadata[payout_id]': input.metadata.payout_id,
    });

    // The payout belongs to the connected account, as on Stripe.
    const id = res.value.id;
    expect((await api('GET', `/v1/payouts/${id}`, { account: VENUE })).body).toMatchObject({
      object: 'payout',
      status: 'pending',
      type: 'bank_account',
      destination: expect.stringMatching(/^ba_/),
    });
    expect((await api('GET', `/v1/payouts/${id}`)).body.error).toMatchObject({
      code: 'resource_missing',
      message: `No such payout: '${id}'`,
    });
    expect(eventOf((await webhooks('payout.created'))[0])).toMatchObject({ account: VENUE, data: { object: { id, status: 'pending' } } });

    expect(await complete(id)).toEqual({ completed: true, notified: true });
    expect(await complete(id)).toEqual({ completed: true, notified: false });
    const events = await receive((await webhooks('payout.paid'))[0]);
    expect(events.connect).toEqual({
      kind: 'payout',
      eventId: expect.stringMatching(/^evt_/),
      type: 'payout.paid',
      occurredAt: expect.any(Number),
      account: VENUE,
      payout: { ...res.value, status: 'paid' },
      metadata: input.metadata,
    });
    // No other owner reads it.
    expect(events.checkout).toEqual([]);
    expect(events.recovery).toBeNull();
    expect(events.payment?.event.kind).toBe('other');
    // payout.updated accompanies the change; it says nothing final and maps to no Connect event.
    const [updated] = await webhooks('payout.updated');
    expect(eventOf(updated).data.previous_attributes).toEqual({ status: 'pending' });
    expect((await receive(updated)).connect).toBeNull();
  });

  it('with the setting payouts=failed complete() fails the payout: payout.failed maps with the failure code and message', async () => {
    await configure({ payouts: 'failed' });
    const res = await connect.createPayout(payout({ method: 'instant' }));
    if (!res.ok) throw new Error(JSON.stringify(res.failure));
    expect(res.value.arrivalDate).toBeLessThanOrEqual(Date.now());
    expect(await complete(res.value.id)).toEqual({ completed: true, notified: true });
    const events = await receive((await webhooks('payout.failed'))[0]);
    expect(events.connect).toMatchObject({
      kind: 'payout',
      type: 'payout.failed',
      account: VENUE,
      payout: { id: res.value.id, status: 'failed', failureCode: 'account_closed', failureMessage: 'The bank account has been closed.' },
    });
    expect(await webhooks('payout.paid')).toEqual([]);
  });

  it('a retry with the same idempotency key is the same payout; another key is another payout', async () => {
    const input = payout();
    const first = await connect.createPayout(input);
    const again = await connect.createPayout(input);
    const other = await connect.createPayout({ ...input, idempotencyKey: `${input.idempotencyKey}-b` });
    if (!first.ok || !again.ok || !other.ok) throw new Error('payout failed');
    expect(again.value.id).toBe(first.value.id);
    expect(other.value.id).not.toBe(first.value.id);
    expect(await webhooks('payout.created')).toHaveLength(2);
  });

  it('validates like Stripe: a positive integer amount and a currency (400, not retryable); bad amounts never leave the adapter', async () => {
    adapterOnly = false;
    expect(await api('POST', '/v1/payouts', { account: VENUE, form: { amount: '0', currency: 'usd' } })).toMatchObject({
      status: 400,
      body: { error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'amount' } },
    });
    expect((await api('POST', '/v1/payouts', { account: VENUE, form: { amount: '100' } })).body.error).toMatchObject({
      code: 'parameter_missing',
      param: 'currency',
    });
    expect((await api('POST', '/v1/payouts', { account: VENUE, form: { amount: '100', currency: 'dollars' } })).status).toBe(400);
    const res = await connect.createPayout(payout({ amount: -5 }));
    expect(res).toMatchObject({ ok: false, failure: { kind: 'invalid_request', retryable: false } });
    expect(await requests('/v1/payouts')).toHaveLength(3);
  });
});

describe('transfers', () => {
  it('a charge with a transfer group, then a transfer of its funds to the connected account in the same group', async () => {
    const { reference, charge } = await paid({ transferGroup: 'order-42' });
    const [create] = await requests('/v1/payment_intents');
    expect((create!.body as Record<string, string>).transfer_group).toBe('order-42');
    expect((await api('GET', `/v1/payment_intents/${reference}`)).body.transfer_group).toBe('order-42');
    expect((await api('GET', `/v1/charges/${charge}`)).body.transfer_group).toBe('order-42');
    expect(eventOf((await webhooks('payment_intent.succeeded'))[0]).data.object.transfer_group).toBe('order-42');

    const input = transfer({ transferGroup: 'order-42', sourceTransaction: charge });
    const res = await connect.createTransfer(input);
    expect(res).toEqual({
      ok: true,
      value: { id: expect.stringMatching(/^tr_/), amount: 8_000, currency: 'USD', destination: VENUE, transferGroup: 'order-42' },
    });
    const [req] = await requests('/v1/transfers');
    expect(req!.headers['stripe-account']).toBeUndefined();
    expect(req!.body).toMatchObject({ destination: VENUE, transfer_group: 'order-42', source_transaction: charge, amount: '8000' });
    // transfer.created goes out on the platform (no account), with the transfer as Stripe shows it.
    const event = eventOf((await webhooks('transfer.created'))[0]);
    expect(event.account).toBeUndefined();
    expect(event.data.object).toMatchObject({
      object: 'transfer',
      destination: VENUE,
      source_transaction: charge,
      transfer_group: 'order-42',
      reversed: false,
      amount_reversed: 0,
      metadata: input.metadata,
    });
  });

  it('an account debit is made as the connected account, to the platform, and belongs to the connected account', async () => {
    const res = await connect.createTransfer(transfer({ destination: PLATFORM, fromAccount: VENUE, amount: 1_500 }));
    if (!res.ok) throw new Error(JSON.stringify(res.failure));
    expect(res.value).toMatchObject({ destination: PLATFORM, amount: 1_500, transferGroup: null });
    const [req] = await requests('/v1/transfers');
    expect(req!.headers['stripe-account']).toBe(VENUE);
    expect(eventOf((await webhooks('transfer.created'))[0]).account).toBe(VENUE);
    expect((await api('GET', `/v1/transfers/${res.value.id}`, { account: VENUE })).status).toBe(200);
    expect((await api('GET', `/v1/transfers/${res.value.id}`)).status).toBe(404);
  });

  it('with the setting transfers=failed Stripe refuses the transfer: a PspFailure that is not retryable', async () => {
    await configure({ transfers: 'failed' });
    const res = await connect.createTransfer(transfer());
    expect(res).toEqual({
      ok: false,
      failure: {
        kind: 'invalid_request',
        retryable: false,
        status: 400,
        code: 'insufficient_capabilities_for_transfer',
        message:
          'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      },
    });
    expect(await webhooks('transfer.created')).toEqual([]);
  });

  it('a destination that is not an account is refused as Stripe refuses a missing one; a 503 is retryable', async () => {
    expect(await connect.createTransfer(transfer({ destination: 'venue-7' }))).toMatchObject({
      ok: false,
      failure: { kind: 'invalid_request', retryable: false, code: 'resource_missing', message: "No such destination: 'venue-7'" },
    });
    expect(await connect.createTransfer(transfer({ sourceTransaction: 'ch_unknown' }))).toMatchObject({
      ok: false,
      failure: { retryable: false, code: 'resource_missing' },
    });
    await configure({ failRate: 1, failStatus: 503 });
    expect(await connect.createTransfer(transfer())).toMatchObject({
      ok: false,
      failure: { kind: 'unavailable', retryable: true, status: 503 },
    });
  });
});

describe('disputes', () => {
  async function disputed(over: Partial<PspChargeRequest> = {}) {
    const payment = await paid({ paymentMethodId: 'pm_card_createDispute', ...over });
    const [created] = await webhooks('charge.dispute.created');
    return { ...payment, created, id: eventOf(created).data.object.id as string };
  }

  it('pm_card_createDispute: the payment succeeds, then charge.dispute.created maps; winning evidence wins it', async () => {
    const { reference, charge, created, id } = await disputed({ connectedAccount: VENUE });
    expect(id).toMatch(/^du_/);
    expect(eventOf(created)).toMatchObject({ account: VENUE, request: { id: null } });
    const opened = await receive(created);
    expect(opened.connect).toEqual({
      kind: 'dispute',
      eventId: expect.stringMatching(/^evt_/),
      type: 'charge.dispute.created',
      occurredAt: expect.any(Number),
      account: VENUE,
      disputeId: id,
      paymentIntentId: reference,
      chargeId: charge,
      amount: 5_000,
      currency: 'USD',
      status: 'needs_response',
      reason: 'fraudulent',
      closed: false,
    });
    expect((await receive((await webhooks('charge.dispute.funds_withdrawn'))[0])).connect).toMatchObject({ disputeId: id, closed: false });
    expect((await api('GET', `/v1/charges/${charge}`, { account: VENUE })).body.disputed).toBe(true);
    expect((await api('GET', `/v1/disputes/${id}`)).status).toBe(404);
    // A disputed charge cannot be refunded.
    const refund = await payments.refund({
      transactionId: 'tx',
      refundId: 'r-1',
      reference,
      amount: 100,
      currency: 'USD',
      idempotencyKey: `refund-${id}`,
      connectedAccount: VENUE,
    });
    expect(refund).toMatchObject({ ok: false, failure: { retryable: false, code: 'charge_disputed' } });

    const won = await stripe.disputes.update(id, { evidence: { uncategorized_text: 'winning_evidence' } }, { stripeAccount: VENUE });
    expect(won.status).toBe('won');
    const [updated] = await webhooks('charge.dispute.updated');
    expect((await receive(updated)).connect).toMatchObject({ status: 'under_review', closed: false, account: VENUE });
    const closed = await receive((await webhooks('charge.dispute.closed'))[0]);
    expect(closed.connect).toMatchObject({ type: 'charge.dispute.closed', disputeId: id, status: 'won', closed: true, account: VENUE });
    expect((await receive((await webhooks('charge.dispute.funds_reinstated'))[0])).connect).toMatchObject({ status: 'won' });
  });

  it('losing evidence loses it; a dispute of a platform charge carries no account', async () => {
    const { id } = await disputed();
    const lost = await stripe.disputes.update(id, { evidence: { uncategorized_text: 'losing_evidence' } });
    expect(lost.status).toBe('lost');
    const closed = await receive((await webhooks('charge.dispute.closed'))[0]);
    expect(closed.connect).toMatchObject({ status: 'lost', closed: true, account: null });
    expect(await webhooks('charge.dispute.funds_reinstated')).toEqual([]);
  });

  it('staged evidence (submit=false) leaves it open; closing accepts it (lost); complete() decides another one as lost', async () => {
    const { id } = await disputed();
    const staged = await stripe.disputes.update(id, { evidence: { uncategorized_text: 'winning_evidence' }, submit: false });
    expect(staged).toMatchObject({ status: 'needs_response', evidence_details: { has_evidence: true, submission_count: 0 } });
    expect((await stripe.disputes.close(id)).status).toBe('lost');
    expect((await receive((await webhooks('charge.dispute.closed'))[0])).connect).toMatchObject({ disputeId: id, status: 'lost' });

    const other = await paid({ paymentMethodId: 'pm_card_createDisputeProductNotReceived' });
    const list = await stripe.disputes.list({ payment_intent: other.reference });
    expect(list.data.map((d) => [d.reason, d.charge])).toEqual([['product_not_received', other.charge]]);
    expect(await complete(list.data[0]!.id)).toEqual({ completed: true, notified: true });
    expect(await complete(list.data[0]!.id)).toEqual({ completed: true, notified: false });
    expect((await stripe.disputes.retrieve(list.data[0]!.id)).status).toBe('lost');
  });

  it('paymentMetadata reads the PaymentIntent’s metadata, as the connected account when given', async () => {
    const { reference } = await paid({ connectedAccount: VENUE });
    expect(await connect.paymentMetadata(reference, VENUE)).toEqual({
      ok: true,
      value: { order_id: expect.stringMatching(/^order-/), transaction_id: expect.stringMatching(/^tx-/), tenant_id: 'tenant-1' },
    });
    expect(await connect.paymentMetadata(reference)).toMatchObject({ ok: false, failure: { retryable: false, code: 'resource_missing' } });
  });
});

describe('notifications', () => {
  function signed(event: Record<string, unknown>): InboundNotification {
    const body = JSON.stringify(event);
    const signature = stripeSignatureHeader(body, SECRET, Math.floor(Date.now() / 1000));
    return { method: 'POST', url: 'http://app/api/v1/webhooks/stripe', headers: { 'stripe-signature': signature }, rawBody: body };
  }
  const event = (type: string, object: Record<string, unknown>) => ({ id: 'evt_1', type, created: 1_800_000_000, data: { object } });

  it('refuses an authentic payout or dispute event whose object is malformed', async () => {
    await expect(
      receiveStripeNotification(signed(event('payout.paid', { object: 'payout', id: 'po_1', amount: '12' })), SECRET),
    ).rejects.toThrow(WebhookPayloadError);
    await expect(receiveStripeNotification(signed(event('payout.failed', { object: 'charge', id: 'ch_1' })), SECRET)).rejects.toThrow(
      WebhookPayloadError,
    );
    const dispute = {
      object: 'dispute',
      id: 'du_1',
      amount: 100,
      currency: 'usd',
      status: 'won',
      reason: 'fraudulent',
      payment_intent: null,
    };
    await expect(receiveStripeNotification(signed(event('charge.dispute.closed', dispute)), SECRET)).rejects.toThrow(WebhookPayloadError);
    // Well-formed: the same dispute with its charge.
    const ok = await receiveStripeNotification(
      signed({ ...event('charge.dispute.closed', { ...dispute, charge: 'ch_1' }), account: VENUE }),
      SECRET,
    );
    expect(ok.connect).toMatchObject({ kind: 'dispute', chargeId: 'ch_1', paymentIntentId: null, closed: true, account: VENUE });
  });

  it('a payout status Stripe adds later is acknowledged and not mapped', async () => {
    const payout = { object: 'payout', id: 'po_1', amount: 100, currency: 'usd', status: 'returned', metadata: {} };
    const events = await receiveStripeNotification(signed(event('payout.paid', payout)), SECRET);
    expect(events.connect).toBeNull();
    expect(events.payment?.ignoredReason).toBe('unknown_status');
  });
});
