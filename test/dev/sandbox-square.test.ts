import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import { SQUARE_LOCATION_ID } from '../../dev/sandbox/square/objects.ts';
import { squareSignature } from '../../dev/sandbox/square/webhooks.ts';
import { createSquareProvider } from '../../dev/sandbox/square.ts';
import type { RecordedWebhook } from '../../dev/sandbox/webhooks.ts';
import { sandboxControl } from './sandbox-control.ts';

/** The Square emulator over real HTTP with plain fetch and JSON, as the app's Square adapter calls it. */
const SIGNATURE_KEY = 'sq_unit_signature_key';
const NOTIFY_URL = 'https://edgepay.example/api/v1/webhooks/square?src=sandbox';
const TOKEN = 'EAAAsandbox-unit-token';

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await startSandbox({
    appUrl: 'http://127.0.0.1:1',
    providers: [createSquareProvider()],
    secrets: { squareSignatureKey: SIGNATURE_KEY, squareNotificationUrl: NOTIFY_URL },
  });
  await control('POST', '/__sandbox/config', { webhooks: 'manual' });
});

afterEach(async () => {
  await sandbox.close();
});

const control = sandboxControl(() => sandbox.url);

async function square(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.url}/square${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'square-version': '2025-08-20', 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const webhooks = async (type?: string): Promise<RecordedWebhook[]> =>
  (await control('GET', `/__sandbox/webhooks?provider=square${type ? `&type=${type}` : ''}`)).body;

let n = 0;
const pay = (source_id: string, extra: Record<string, unknown> = {}) =>
  square('POST', '/v2/payments', {
    idempotency_key: `pay-${++n}`,
    source_id,
    amount_money: { amount: 2500, currency: 'USD' },
    reference_id: 'tx_42',
    note: 'order 42',
    ...extra,
  });

describe('payments', () => {
  it('cnon:card-nonce-ok makes a COMPLETED card payment that GET returns', async () => {
    const res = await pay('cnon:card-nonce-ok');
    expect(res.status).toBe(200);
    const p = res.body.payment;
    expect(p.id).toMatch(/^[A-Za-z0-9]{29}$/);
    expect(p).toMatchObject({
      status: 'COMPLETED',
      amount_money: { amount: 2500, currency: 'USD' },
      total_money: { amount: 2500, currency: 'USD' },
      approved_money: { amount: 2500, currency: 'USD' },
      source_type: 'CARD',
      location_id: SQUARE_LOCATION_ID,
      reference_id: 'tx_42',
      note: 'order 42',
      card_details: { status: 'CAPTURED', card: { card_brand: 'VISA', last_4: '5858' } },
    });
    expect(p.refunded_money).toBeUndefined();
    expect(await square('GET', `/v2/payments/${p.id}`)).toEqual({ status: 200, body: { payment: p } });
  });

  it.each([
    ['cnon:card-nonce-declined', 'GENERIC_DECLINE'],
    ['cnon:card-nonce-rejected-cvv', 'CVV_FAILURE'],
    ['cnon:card-nonce-rejected-postalcode', 'ADDRESS_VERIFICATION_FAILURE'],
    ['cnon:card-nonce-rejected-expiration', 'INVALID_EXPIRATION'],
  ])('%s is a 400 PAYMENT_METHOD_ERROR %s with the FAILED payment', async (nonce, code) => {
    const res = await pay(nonce);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ category: 'PAYMENT_METHOD_ERROR', code, detail: `Authorization error: '${code}'` }]);
    expect(res.body.payment).toMatchObject({ status: 'FAILED', card_details: { status: 'FAILED' } });
    expect((await square('GET', `/v2/payments/${res.body.payment.id}`)).body.payment.status).toBe('FAILED');
  });

  it('autocomplete=false leaves the payment APPROVED until the sandbox completes it', async () => {
    const { body } = await pay('cnon:card-nonce-ok', { autocomplete: false, location_id: 'LOTHER' });
    expect(body.payment).toMatchObject({ status: 'APPROVED', location_id: 'LOTHER', card_details: { status: 'AUTHORIZED' } });
    const refund = await square('POST', '/v2/refunds', {
      idempotency_key: 'r-approved',
      payment_id: body.payment.id,
      amount_money: { amount: 100, currency: 'USD' },
    });
    expect(refund.status).toBe(400);
    expect(refund.body.errors[0].code).toBe('REFUND_ERROR_PAYMENT_NEEDS_COMPLETION');
    expect(await control('POST', `/__sandbox/complete/square/${body.payment.id}`)).toEqual({
      status: 200,
      body: { completed: true, notified: true },
    });
    const after = (await square('GET', `/v2/payments/${body.payment.id}`)).body.payment;
    expect(after).toMatchObject({ status: 'COMPLETED', card_details: { status: 'CAPTURED' } });
    expect(after.delay_action).toBeUndefined();
    expect(after.version_token).not.toBe(body.payment.version_token);
    expect((await webhooks()).map((w) => [w.type, JSON.parse(w.body).data.object.payment.status])).toEqual([
      ['payment.created', 'APPROVED'],
      ['payment.updated', 'COMPLETED'],
    ]);
  });

  it('validates the request with Square errors', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ idempotency_key: undefined }, 'MISSING_REQUIRED_PARAMETER', 'idempotency_key'],
      [{ idempotency_key: 'x'.repeat(46) }, 'VALUE_TOO_LONG', 'idempotency_key'],
      [{ source_id: '' }, 'MISSING_REQUIRED_PARAMETER', 'source_id'],
      [{ amount_money: undefined }, 'MISSING_REQUIRED_PARAMETER', 'amount_money'],
      [{ amount_money: { amount: 0, currency: 'USD' } }, 'VALUE_TOO_LOW', 'amount_money.amount'],
      [{ amount_money: { amount: 10.5, currency: 'USD' } }, 'EXPECTED_INTEGER', 'amount_money.amount'],
      [{ amount_money: { amount: 100, currency: 'usd' } }, 'INVALID_ENUM_VALUE', 'amount_money.currency'],
      [{ source_id: 'cnon:made-up' }, 'INVALID_CARD_DATA', 'source_id'],
    ];
    for (const [override, code, field] of cases) {
      const body = {
        idempotency_key: `v-${code}-${field}`,
        source_id: 'cnon:card-nonce-ok',
        amount_money: { amount: 100, currency: 'USD' },
        ...override,
      };
      const res = await square('POST', '/v2/payments', body);
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ category: 'INVALID_REQUEST_ERROR', code, field });
    }
    const notJson = await fetch(`${sandbox.url}/square/v2/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    });
    expect(notJson.status).toBe(400);
    expect(await webhooks()).toEqual([]);
  });

  it('401 without a bearer token; 404 for unknown ids and endpoints; injected failures in Square format', async () => {
    const noAuth = await square('GET', '/v2/payments/abc', undefined, { authorization: '' });
    expect(noAuth).toEqual({
      status: 401,
      body: { errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'This request could not be authorized.' }] },
    });
    const missing = await square('GET', '/v2/payments/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0]).toMatchObject({ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND' });
    expect((await square('GET', '/v2/refunds/nope')).status).toBe(404);
    expect((await square('GET', '/v2/online-checkout/payment-links/NOPE')).status).toBe(404);
    expect((await square('GET', '/v2/locations')).status).toBe(404);
    await control('POST', '/__sandbox/config', { providers: { square: { failRate: 1, failStatus: 503 } } });
    const injected = await square('GET', '/v2/payments/x');
    expect(injected.status).toBe(503);
    expect(injected.body.errors[0]).toMatchObject({ category: 'API_ERROR', code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('idempotency', () => {
  const body = (key: string, amount = 1000) => ({
    idempotency_key: key,
    source_id: 'cnon:card-nonce-ok',
    amount_money: { amount, currency: 'USD' },
  });

  it('same key and body returns the original response; a different body is IDEMPOTENCY_KEY_REUSED', async () => {
    const first = await square('POST', '/v2/payments', body('k1'));
    const second = await square('POST', '/v2/payments', body('k1'));
    expect(second).toEqual(first);
    expect((await webhooks('payment.created')).length).toBe(1);
    const reused = await square('POST', '/v2/payments', body('k1', 999));
    expect(reused.status).toBe(400);
    expect(reused.body.errors).toEqual([
      {
        category: 'INVALID_REQUEST_ERROR',
        code: 'IDEMPOTENCY_KEY_REUSED',
        detail: 'The idempotency key can only be retried with the same request data.',
        field: 'idempotency_key',
      },
    ]);
    // Keys belong to one access token.
    const otherToken = await square('POST', '/v2/payments', body('k1'), { authorization: 'Bearer EAAAanother' });
    expect(otherToken.body.payment.id).not.toBe(first.body.payment.id);
  });

  it('replays a decline, but not a validation failure', async () => {
    const declined = { ...body('k2'), source_id: 'cnon:card-nonce-declined' };
    const a = await square('POST', '/v2/payments', declined);
    const b = await square('POST', '/v2/payments', declined);
    expect(b).toEqual(a);
    const invalid = await square('POST', '/v2/payments', { ...body('k3'), amount_money: { amount: -1, currency: 'USD' } });
    expect(invalid.status).toBe(400);
    expect((await square('POST', '/v2/payments', body('k3'))).status).toBe(200);
  });

  it('a retry while the first is in flight waits for it and gets the same payment', async () => {
    await control('POST', '/__sandbox/config', { latencyMs: 200 });
    const [a, b] = await Promise.all([square('POST', '/v2/payments', body('k4')), square('POST', '/v2/payments', body('k4'))]);
    expect(a.status).toBe(200);
    expect(b).toEqual(a);
    expect((await webhooks('payment.created')).length).toBe(1);
  });
});

describe('refunds', () => {
  async function completed(amount = 1000) {
    return (await pay('cnon:card-nonce-ok', { amount_money: { amount, currency: 'USD' } })).body.payment;
  }
  const refund = (payment_id: string, amount: number, key = `r-${++n}`) =>
    square('POST', '/v2/refunds', {
      idempotency_key: key,
      payment_id,
      amount_money: { amount, currency: 'USD' },
      reason: 'customer asked',
    });

  it('partial and full refunds update refunded_money and refund_ids; over-refunds are rejected', async () => {
    const payment = await completed();
    const first = await refund(payment.id, 400);
    expect(first.status).toBe(200);
    expect(first.body.refund).toMatchObject({
      status: 'COMPLETED',
      amount_money: { amount: 400, currency: 'USD' },
      payment_id: payment.id,
      order_id: payment.order_id,
      location_id: payment.location_id,
      reason: 'customer asked',
    });
    expect(first.body.refund.id.startsWith(`${payment.id}_`)).toBe(true);
    expect(await square('GET', `/v2/refunds/${first.body.refund.id}`)).toEqual({ status: 200, body: { refund: first.body.refund } });
    let after = (await square('GET', `/v2/payments/${payment.id}`)).body.payment;
    expect(after.refunded_money).toEqual({ amount: 400, currency: 'USD' });
    expect(after.refund_ids).toEqual([first.body.refund.id]);

    const over = await refund(payment.id, 601);
    expect(over.status).toBe(400);
    expect(over.body.errors[0]).toMatchObject({ category: 'REFUND_ERROR', code: 'REFUND_AMOUNT_INVALID' });
    expect((await refund(payment.id, 600)).status).toBe(200);
    after = (await square('GET', `/v2/payments/${payment.id}`)).body.payment;
    expect(after.refunded_money).toEqual({ amount: 1000, currency: 'USD' });
    expect(after.refund_ids).toHaveLength(2);
    expect((await refund(payment.id, 1)).body.errors[0].code).toBe('REFUND_AMOUNT_INVALID');

    const types = (await webhooks()).map((w) => w.type);
    expect(types).toEqual(['payment.created', 'refund.created', 'payment.updated', 'refund.created', 'payment.updated']);
    const lastUpdate = JSON.parse((await webhooks('payment.updated'))[1]!.body);
    expect(lastUpdate.data.object.payment.refunded_money).toEqual({ amount: 1000, currency: 'USD' });
  });

  it('rejects refunds of unknown, failed or other-currency payments', async () => {
    expect((await refund('missing', 100)).status).toBe(404);
    const failed = (await pay('cnon:card-nonce-declined')).body.payment;
    expect((await refund(failed.id, 100)).body.errors[0].code).toBe('PAYMENT_NOT_REFUNDABLE');
    const payment = await completed();
    const eur = await square('POST', '/v2/refunds', {
      idempotency_key: 'eur',
      payment_id: payment.id,
      amount_money: { amount: 1, currency: 'EUR' },
    });
    expect(eur.body.errors[0].code).toBe('CURRENCY_MISMATCH');
    expect(
      (await square('POST', '/v2/refunds', { payment_id: payment.id, amount_money: { amount: 1, currency: 'USD' } })).body.errors[0],
    ).toMatchObject({
      code: 'MISSING_REQUIRED_PARAMETER',
      field: 'idempotency_key',
    });
  });

  it('with refunds=pending, a refund stays PENDING (not in refunded_money) until the sandbox completes it', async () => {
    expect((await control('POST', '/__sandbox/config', { providers: { square: { refunds: 'pending' } } })).status).toBe(200);
    const payment = await completed();
    const r = (await refund(payment.id, 1000)).body.refund;
    expect(r.status).toBe('PENDING');
    expect((await square('GET', `/v2/payments/${payment.id}`)).body.payment.refunded_money).toBeUndefined();
    // The pending amount is no longer available.
    expect((await refund(payment.id, 1)).body.errors[0].code).toBe('REFUND_AMOUNT_INVALID');
    expect((await control('POST', `/__sandbox/complete/square/${r.id}`)).body).toEqual({ completed: true, notified: true });
    expect((await square('GET', `/v2/refunds/${r.id}`)).body.refund.status).toBe('COMPLETED');
    expect((await square('GET', `/v2/payments/${payment.id}`)).body.payment.refunded_money).toEqual({ amount: 1000, currency: 'USD' });
    const [updated] = await webhooks('refund.updated');
    expect(JSON.parse(updated!.body).data).toMatchObject({ type: 'refund', id: r.id, object: { refund: { status: 'COMPLETED' } } });
  });
});

describe('payment links', () => {
  const create = (key?: string, price = 4200) =>
    square('POST', '/v2/online-checkout/payment-links', {
      ...(key ? { idempotency_key: key } : {}),
      quick_pay: { name: 'Concert ticket', price_money: { amount: price, currency: 'USD' }, location_id: SQUARE_LOCATION_ID },
      checkout_options: { redirect_url: 'https://app.example/done' },
      payment_note: 'tx_77',
    });

  it('creates a quick-pay link with a DRAFT order, and GET returns it', async () => {
    const res = await create();
    expect(res.status).toBe(200);
    const link = res.body.payment_link;
    expect(link).toMatchObject({ version: 1, checkout_options: { redirect_url: 'https://app.example/done' }, payment_note: 'tx_77' });
    expect(link.id).toMatch(/^[A-Z0-9]{16}$/);
    expect(link.url).toContain(link.id);
    const [order] = res.body.related_resources.orders;
    expect(order).toMatchObject({
      id: link.order_id,
      state: 'DRAFT',
      total_money: { amount: 4200, currency: 'USD' },
      location_id: SQUARE_LOCATION_ID,
    });
    expect(order.line_items[0]).toMatchObject({ name: 'Concert ticket', quantity: '1' });
    expect(await square('GET', `/v2/online-checkout/payment-links/${link.id}`)).toEqual({ status: 200, body: { payment_link: link } });
    // No key: each call is a new link. Same key and body: the same link.
    expect((await create()).body.payment_link.id).not.toBe(link.id);
    const keyed = await create('link-1');
    expect((await create('link-1')).body).toEqual(keyed.body);
    expect((await create('link-1', 1)).body.errors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('requires quick_pay with name, price and location', async () => {
    const none = await square('POST', '/v2/online-checkout/payment-links', { idempotency_key: 'x' });
    expect(none.body.errors[0]).toMatchObject({ code: 'MISSING_REQUIRED_PARAMETER', field: 'quick_pay' });
    const noLocation = await square('POST', '/v2/online-checkout/payment-links', {
      quick_pay: { name: 'x', price_money: { amount: 1, currency: 'USD' } },
    });
    expect(noLocation.body.errors[0]).toMatchObject({ code: 'MISSING_REQUIRED_PARAMETER', field: 'location_id' });
  });

  it('completing a link in the sandbox pays its order once, with payment.created then payment.updated', async () => {
    const link = (await create()).body.payment_link;
    expect(await control('POST', `/__sandbox/complete/square/${link.id}`)).toEqual({
      status: 200,
      body: { completed: true, notified: true },
    });
    const events = (await webhooks()).map((w) => JSON.parse(w.body));
    expect(events.map((e) => [e.type, e.data.object.payment.status])).toEqual([
      ['payment.created', 'APPROVED'],
      ['payment.updated', 'COMPLETED'],
    ]);
    const payment = (await square('GET', `/v2/payments/${events[1].data.id}`)).body.payment;
    expect(payment).toMatchObject({
      status: 'COMPLETED',
      order_id: link.order_id,
      amount_money: { amount: 4200, currency: 'USD' },
      note: 'tx_77',
    });
    expect((await control('POST', `/__sandbox/complete/square/${link.id}`)).body).toEqual({ completed: true, notified: false });
    expect((await control('POST', '/__sandbox/complete/square/UNKNOWN')).status).toBe(404);
  });
});

describe('webhooks', () => {
  it('signs with the Square signature test vector', () => {
    expect(squareSignature('sq_sig_key_test', 'https://example.com/webhooks/square', '{"type":"payment.updated"}')).toBe(
      'Zk3V3a1si42XTGK/zxRQtfkN6Y7TABsd8IngNcbsa5w=',
    );
  });

  it('records payment.created with the Square notification body, signed over notification URL + raw body', async () => {
    const payment = (await pay('cnon:card-nonce-ok')).body.payment;
    const [w] = await webhooks();
    expect(w).toMatchObject({ provider: 'square', type: 'payment.created', url: NOTIFY_URL, delivery: { mode: 'manual', attempts: 0 } });
    const event = JSON.parse(w!.body);
    expect(event).toMatchObject({
      type: 'payment.created',
      event_id: w!.eventId,
      data: { type: 'payment', id: payment.id, object: { payment } },
    });
    expect(event.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(typeof event.merchant_id).toBe('string');
    expect(Number.isNaN(Date.parse(event.created_at))).toBe(false);
    const expected = createHmac('sha256', SIGNATURE_KEY)
      .update(NOTIFY_URL + w!.body)
      .digest('base64');
    expect(w!.headers['x-square-hmacsha256-signature']).toBe(expected);
    expect(w!.headers['square-environment']).toBe('Sandbox');
    // A signature over another URL does not match: the URL is part of the signed message.
    expect(squareSignature(SIGNATURE_KEY, 'http://127.0.0.1:1/api/v1/webhooks/square', w!.body)).not.toBe(expected);
  });

  it('delivers automatically to <appUrl>/api/v1/webhooks/square when no notification URL is configured', async () => {
    const received: Array<{ path: string; signature: string; body: string }> = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', signature: String(req.headers['x-square-hmacsha256-signature']), body });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const appUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    await sandbox.close();
    sandbox = await startSandbox({ appUrl, providers: [createSquareProvider()] });
    try {
      await pay('cnon:card-nonce-ok');
      const deadline = Date.now() + 5000;
      while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/api/v1/webhooks/square');
      // Default key when none is configured.
      expect(received[0]!.signature).toBe(squareSignature('sq_sig_key_test', `${appUrl}/api/v1/webhooks/square`, received[0]!.body));
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
