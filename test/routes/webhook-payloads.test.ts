import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { webhookInboxStub } from '../../src/lib/stubs';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { sandbox } from '../helpers/sandbox';

/**
 * What an authentic (well-signed) notification can make the webhook endpoints do: never a 5xx unless the
 * provider itself could not be asked; a malformed one is 400 WEBHOOK_PAYLOAD_INVALID; one nothing acts on is
 * acknowledged and kept as ignored, as a bounded summary however large the body. And what an unauthenticated
 * caller cannot make them do: write rows for sessions we do not own, or make us call a provider.
 */

const enc = new TextEncoder();
const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const b64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
async function hmac(key: Uint8Array | string, data: string): Promise<ArrayBuffer> {
  const raw = typeof key === 'string' ? enc.encode(key) : key;
  const k = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, enc.encode(data));
}
const uid = () => crypto.randomUUID().replace(/-/g, '');
const BIG = 200_000; // ≥ 128 KB (a queue message's limit), under MAX_BODY_BYTES (1 MiB)

type InboxRow = { status: string; event_type: string; payload: Record<string, unknown>; size: number };
/** The webhook_inbox row of one event, once the recording object's outbox has reached Postgres. */
function inboxRow(provider: string, webhookId: string): Promise<InboxRow> {
  return eventually(async () => {
    const [r] = await rows<InboxRow>(
      sql`SELECT status, event_type, payload, length(payload::text) AS size FROM webhook_inbox WHERE provider = ${provider} AND webhook_id = ${webhookId}`,
    );
    return r;
  });
}

async function expectPayloadInvalid(res: Response, path: string) {
  const body = await json<ErrorBody>(res);
  expect([res.status, body.code]).toEqual([400, 'WEBHOOK_PAYLOAD_INVALID']);
  expect(body).toMatchObject({ error: expect.any(String), path, requestId: expect.any(String), timestamp: expect.any(String) });
}

// ---- Stripe (both endpoints) --------------------------------------------------------------------------

const stripe = new Stripe('sk_test_x', { httpClient: Stripe.createFetchHttpClient() });
const cryptoProvider = Stripe.createSubtleCryptoProvider();
const STRIPE_PATHS = ['/api/v1/webhooks/stripe', '/v1/payments/stripe/webhooks'];

async function postStripe(path: string, body: string) {
  const signature = await stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret: 'whsec_test', cryptoProvider });
  return call(path, { method: 'POST', headers: { 'stripe-signature': signature }, body });
}

function stripeEvent(over: Record<string, unknown> = {}, object: Record<string, unknown> = {}) {
  return {
    id: `evt_${uid()}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `pi_${uid()}`,
        object: 'payment_intent',
        amount: 100,
        currency: 'usd',
        status: 'succeeded',
        metadata: { transaction_id: crypto.randomUUID(), tenant_id: 't' },
        ...object,
      },
    },
    ...over,
  };
}

describe('Stripe: well-signed bodies', () => {
  it.each(STRIPE_PATHS)('%s: an array or null root, no type, no data, a mistyped field → 400 WEBHOOK_PAYLOAD_INVALID', async (path) => {
    const bodies = [
      '[]',
      'null',
      JSON.stringify({ ...stripeEvent(), type: undefined }),
      JSON.stringify({ ...stripeEvent(), data: undefined }),
      JSON.stringify(stripeEvent({}, { amount: '100' })),
      JSON.stringify(stripeEvent({ type: 'refund.updated' }, { object: 'refund', amount: 5, status: 'succeeded', payment_intent: 42 })),
    ];
    for (const body of bodies) await expectPayloadInvalid(await postStripe(path, body), path);
  });

  it.each(STRIPE_PATHS)('%s: an unknown event type and an unknown status → 200, kept as ignored', async (path) => {
    const unknownType = stripeEvent({ type: 'issuing_card.shipped' }, { object: 'issuing.card' });
    const unknownStatus = stripeEvent({}, { status: 'requires_reauthorization' });
    for (const [event, reason] of [
      [unknownType, 'unhandled_type'],
      [unknownStatus, 'unknown_status'],
    ] as const) {
      const res = await postStripe(path, JSON.stringify(event));
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ received: true, status: 'ignored' });
      const row = await inboxRow('stripe', event.id);
      expect(row.status).toBe('processed');
      expect(row.payload).toMatchObject({ outcome: 'ignored', reason, eventId: event.id, type: event.type });
    }
  });

  it('a body over 128 KB is handled and recorded as a bounded summary (size and hash, not the body)', async () => {
    const event = stripeEvent(
      { type: 'payment_intent.payment_failed' },
      { status: 'requires_payment_method', last_payment_error: { code: 'card_declined', message: 'x'.repeat(BIG) } },
    );
    const body = JSON.stringify(event);
    expect(body.length).toBeGreaterThan(128 * 1024);
    const res = await postStripe(STRIPE_PATHS[0]!, body);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ received: true, status: 'unmatched' });
    const row = await inboxRow('stripe', event.id);
    expect(row.status).toBe('unmatched');
    expect(row.payload).toMatchObject({ bodyBytes: body.length, bodySha256: hex(await crypto.subtle.digest('SHA-256', enc.encode(body))) });
    expect(row.size).toBeLessThan(2_000);
  });
});

// ---- Square -------------------------------------------------------------------------------------------

const SQUARE_URL = 'http://edgepay.test/api/v1/webhooks/square';
async function postSquare(body: string) {
  const signature = b64(await hmac('sq_sig_key_test', SQUARE_URL + body));
  return call('/api/v1/webhooks/square', { method: 'POST', headers: { 'x-square-hmacsha256-signature': signature }, body });
}
function squareEvent(payment: Record<string, unknown> | undefined, over: Record<string, unknown> = {}) {
  return {
    merchant_id: 'M1',
    type: 'payment.updated',
    event_id: crypto.randomUUID(),
    created_at: new Date().toISOString(),
    data: {
      type: 'payment',
      id: 'sq_pay',
      object:
        payment === undefined
          ? {}
          : { payment: { id: `sq_${uid()}`, status: 'COMPLETED', amount_money: { amount: 100, currency: 'USD' }, ...payment } },
    },
    ...over,
  };
}

describe('Square: well-signed bodies', () => {
  it('an array root, no type, a payment event without its payment, a mistyped amount → 400 WEBHOOK_PAYLOAD_INVALID', async () => {
    for (const body of [
      '[]',
      JSON.stringify({ ...squareEvent({}), type: undefined }),
      JSON.stringify(squareEvent(undefined)),
      JSON.stringify(squareEvent({ amount_money: { amount: '100', currency: 'USD' } })),
    ]) {
      await expectPayloadInvalid(await postSquare(body), '/api/v1/webhooks/square');
    }
  });

  it('an unknown payment status → 200, kept as ignored; a body over 128 KB is handled', async () => {
    const event = squareEvent({ status: 'AUTHORIZED_LATER', reference_id: crypto.randomUUID() });
    const res = await postSquare(JSON.stringify(event));
    expect([res.status, await json(res)]).toEqual([200, { received: true, status: 'ignored' }]);
    expect((await inboxRow('square', event.event_id)).payload).toMatchObject({ outcome: 'ignored', reason: 'unknown_status' });

    const big = squareEvent({ reference_id: crypto.randomUUID(), note: 'n' }, { padding: 'p'.repeat(BIG) });
    const bigRes = await postSquare(JSON.stringify(big));
    expect([bigRes.status, await json(bigRes)]).toEqual([200, { received: true, status: 'unmatched' }]);
    const row = await inboxRow('square', big.event_id);
    expect(row.payload).toMatchObject({ bodyBytes: JSON.stringify(big).length });
    expect(row.size).toBeLessThan(2_000);
  });
});

// ---- Adyen --------------------------------------------------------------------------------------------

const ADYEN_KEY = Uint8Array.from(
  '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'.match(/../g)!.map((h) => Number.parseInt(h, 16)),
);
async function adyenItem(eventCode: string) {
  const psp = `X${uid().slice(0, 15).toUpperCase()}`;
  const item = {
    pspReference: psp,
    merchantAccountCode: 'EdgepayECOM',
    merchantReference: `cko${uid()}`,
    amount: { value: 700, currency: 'EUR' },
    eventCode,
    success: 'true',
    eventDate: new Date().toISOString(),
    additionalData: {} as Record<string, string>,
  };
  const data = [psp, '', item.merchantAccountCode, item.merchantReference, '700', 'EUR', eventCode, 'true'].join(':');
  item.additionalData.hmacSignature = b64(await hmac(ADYEN_KEY, data));
  return item;
}
const postAdyen = (body: string) => call('/v1/webhooks/adyen', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('Adyen: well-signed bodies', () => {
  it('an event code we do not handle → [accepted], kept as ignored', async () => {
    const item = await adyenItem('REPORT_AVAILABLE');
    const res = await postAdyen(JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] }));
    expect([res.status, await res.text()]).toEqual([200, '[accepted]']);
    const row = await inboxRow('adyen', `REPORT_AVAILABLE:${item.pspReference}:true`);
    expect(row.payload).toMatchObject({ outcome: 'ignored', reason: 'unhandled_type' });
  });

  it('an array or null root, no notificationItems, an item with a mistyped field → 400 WEBHOOK_PAYLOAD_INVALID', async () => {
    const item = await adyenItem('AUTHORISATION');
    for (const body of [
      '[]',
      'null',
      JSON.stringify({ live: 'false' }),
      JSON.stringify({ notificationItems: [{ NotificationRequestItem: { ...item, eventCode: 7 } }] }),
    ]) {
      await expectPayloadInvalid(await postAdyen(body), '/v1/webhooks/adyen');
    }
  });
});

// ---- MercadoPago --------------------------------------------------------------------------------------

async function postMercadoPago(dataId: string, type: string, body: unknown) {
  const requestId = crypto.randomUUID();
  const ts = Math.floor(Date.now() / 1000);
  const v1 = hex(await hmac('mp_secret_test', `id:${dataId};request-id:${requestId};ts:${ts};`));
  return call(`/v1/webhooks/mercadopago?data.id=${dataId}&type=${type}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': `ts=${ts},v1=${v1}`, 'x-request-id': requestId },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const mpBody = (dataId: string, type = 'payment') => ({
  id: Number(`9${Date.now()}`),
  live_mode: false,
  type,
  date_created: new Date().toISOString(),
  action: `${type}.updated`,
  data: { id: dataId },
});

describe('MercadoPago: well-signed notifications', () => {
  it('for a payment MercadoPago does not know (its read-back is 404) → 200, kept as ignored, not 503', async () => {
    const dataId = String(Date.now());
    const body = mpBody(dataId);
    const res = await postMercadoPago(dataId, 'payment', body);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ received: true, results: ['ignored'] });
    expect((await inboxRow('mercadopago', String(body.id))).payload).toMatchObject({ outcome: 'ignored', reason: 'unknown_payment' });
    // The read-back was made: the 404 came from MercadoPago, not from a shortcut.
    const reads = ((await sandbox('/__sandbox/requests')) as { provider: string; path: string; status: number }[]).filter(
      (r) => r.provider === 'mercadopago' && r.path === `/v1/payments/${dataId}`,
    );
    expect(reads.map((r) => r.status)).toEqual([404]);
  });

  it('another topic → 200, kept as ignored; an array body → 400 WEBHOOK_PAYLOAD_INVALID', async () => {
    const dataId = String(Date.now() + 1);
    const body = mpBody(dataId, 'merchant_order');
    const res = await postMercadoPago(dataId, 'merchant_order', body);
    expect([res.status, await json(res)]).toEqual([200, { received: true, results: ['ignored'] }]);
    expect((await inboxRow('mercadopago', String(body.id))).payload).toMatchObject({ outcome: 'ignored', type: 'merchant_order.updated' });
    await expectPayloadInvalid(await postMercadoPago(dataId, 'payment', '[]'), '/v1/webhooks/mercadopago');
  });
});

// ---- PayPal -------------------------------------------------------------------------------------------

const paypalHeaders = () => ({
  'content-type': 'application/json',
  'paypal-auth-algo': 'SHA256withRSA',
  'paypal-cert-url': 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77',
  'paypal-transmission-id': `tx${uid()}`,
  'paypal-transmission-sig': 'c2lnbmF0dXJlLW5vdC1jaGVja2VkLWhlcmU',
  'paypal-transmission-time': new Date().toISOString(),
});
const paypalCapture = (customId: string, over: Record<string, unknown> = {}) => ({
  id: `WH-${uid()}`,
  event_type: 'PAYMENT.CAPTURE.COMPLETED',
  create_time: new Date().toISOString(),
  resource_type: 'capture',
  resource: { id: `CAP${uid().slice(0, 12)}`, status: 'COMPLETED', amount: { currency_code: 'USD', value: '12.00' }, custom_id: customId },
  ...over,
});
async function verifyCallsFor(eventId: string): Promise<number> {
  const all = (await sandbox('/__sandbox/requests')) as { provider: string; path: string; body: any }[];
  return all.filter(
    (r) => r.provider === 'paypal' && r.path === '/v1/notifications/verify-webhook-signature' && r.body?.webhook_event?.id === eventId,
  ).length;
}

describe('PayPal: an unauthenticated endpoint until PayPal verifies', () => {
  it('a body over 32 KB → 413 PAYLOAD_TOO_LARGE, and PayPal is not asked', async () => {
    const event = paypalCapture(`cko${uid()}`, { padding: 'p'.repeat(33 * 1024) });
    const res = await call('/v1/webhooks/paypal', { method: 'POST', headers: paypalHeaders(), body: JSON.stringify(event) });
    expect([res.status, (await json<ErrorBody>(res)).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await verifyCallsFor(event.id)).toBe(0);
  });

  it('an event for a session we do not own (or naming none) → 200, no verification call, nothing recorded', async () => {
    for (const event of [
      paypalCapture(`cko${uid()}`),
      paypalCapture('not-a-session'),
      { ...paypalCapture(''), event_type: 'CUSTOMER.DISPUTE.CREATED' },
    ]) {
      const res = await call('/v1/webhooks/paypal', { method: 'POST', headers: paypalHeaders(), body: JSON.stringify(event) });
      expect([res.status, await json(res)]).toEqual([200, { received: true, results: [] }]);
      expect(await verifyCallsFor(event.id)).toBe(0);
      expect(await inboxEntries('paypal', event.id)).toEqual({ seen: 0, outbox: 0 });
    }
  });
});

// ---- QPay and Tilopay: unsigned -----------------------------------------------------------------------

/** What the provider's inbox object holds for an id: its outbox is the only way a row reaches webhook_inbox. */
function inboxEntries(provider: string, needle: string): Promise<{ seen: number; outbox: number }> {
  return runInDurableObject(webhookInboxStub(env, provider), (_instance, state) => ({
    seen: state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM seen WHERE event_id LIKE ?', `%${needle}%`).one().n,
    outbox: state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox WHERE payload LIKE ?', `%${needle}%`).one().n,
  }));
}

describe('unsigned callbacks for sessions we do not own write nothing and call nobody', () => {
  it('QPay: well-formed callbacks for unknown sessions → SUCCESS, no webhook_inbox row', async () => {
    const sessions = Array.from({ length: 5 }, () => `cko${uid()}`);
    for (const [i, session] of sessions.entries()) {
      const query = i % 2 ? `session=${session}&qpay_payment_id=${100000 + i}` : `session=${session}`;
      const res = await call(`/v1/webhooks/qpay?${query}`, i % 2 ? { method: 'POST', body: '{}' } : {});
      expect([res.status, await res.text()]).toEqual([200, 'SUCCESS']);
    }
    // The inbox object's outbox is the only way to webhook_inbox: nothing there means no row, now or later.
    for (const session of sessions) {
      expect(await inboxEntries('qpay', session)).toEqual({ seen: 0, outbox: 0 });
      const [stored] = await rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM webhook_inbox WHERE provider = 'qpay' AND webhook_id LIKE ${`%${session}%`}`,
      );
      expect(stored?.n).toBe(0);
    }
  });

  it('Tilopay: a redirect naming an order that is not one of our sessions makes no /consult call', async () => {
    const order = `cko${uid()}`;
    const res = await call(`/v1/webhooks/tilopay?order=${order}&code=1&tpt=${Date.now()}&auth=123456`, { redirect: 'manual' });
    expect([res.status, await json(res)]).toEqual([200, { received: true, results: [] }]);
    const consults = ((await sandbox('/__sandbox/requests')) as { provider: string; path: string; body: any }[]).filter(
      (r) => r.provider === 'tilopay' && r.path === '/consult' && r.body?.orderNumber === order,
    );
    expect(consults).toHaveLength(0);
    expect(await inboxEntries('tilopay', order)).toEqual({ seen: 0, outbox: 0 });
  });
});
