import { describe, expect, it, vi } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { merchantHeaders } from '../helpers/checkout';
import { refund, shopFixture, statusOf } from '../helpers/payments';
import { type SandboxRequest, sandbox, stripeCallsFor } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

/**
 * Text Postgres cannot store (U+0000, lone UTF-16 surrogates) and unbounded free-form JSON are refused
 * at the edge with 422 naming the field, before any object or PSP is called.
 */

const NUL = 'a\u0000b';
const LONE_HIGH = 'a\uD800b';
const LONE_LOW = '\uDC00z';

async function errorOf(res: Response) {
  const body = await json<ErrorBody>(res);
  return { status: res.status, code: body.code, fields: (body.errors ?? []).map((e) => e.field), body };
}

/** Every request the PSP sandbox saw whose body mentions `marker` (a unique string the refused request carried). */
async function sandboxRequestsMentioning(marker: string): Promise<SandboxRequest[]> {
  return ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter((r) => JSON.stringify(r.body ?? '').includes(marker));
}

function nest(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('U+0000 and lone surrogates in JSON bodies are a 422 on the field, and nothing changes', () => {
  it('venue PUT: name and address.city; the stored venue is unchanged', async () => {
    const { admin } = await shopFixture();
    const res = await call('/api/v1/venues/knox', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ name: NUL, address: { city: LONE_HIGH, state: 'TN' } }),
    });
    const err = await errorOf(res);
    expect(err).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', fields: ['name', 'address.city'] });
    expect(err.body.errors?.[0]?.message).toMatch(/U\+0000/);
    const venue = await json<{ name: string; address: { city: string } }>(await call('/api/v1/venues/knox', { headers: admin }));
    expect(venue).toMatchObject({ name: 'Knoxville Civic', address: { city: 'Knoxville' } });
  });

  it('a new venue with a lone low surrogate is not created', async () => {
    const { admin } = await shopFixture();
    const res = await call('/api/v1/venues/fresh', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ name: 'Fresh', address: { city: 'Nashville', state: 'TN', street: LONE_LOW } }),
    });
    expect(await errorOf(res)).toMatchObject({ status: 422, fields: ['address.street'] });
    expect((await call('/api/v1/venues/fresh', { headers: admin })).status).toBe(404);
  });

  it('refund reason: no refund is recorded and Stripe sees no refund call', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('buyer-guard');
    const paid = await shop.pay(buyer);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    const transactionId = paid.body.transaction.id as string;
    const refused = await refund(transactionId, buyer, { amount: 1000, reason: NUL });
    expect(await errorOf(refused)).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', fields: ['reason'] });
    expect(await statusOf(transactionId, shop.admin)).toMatchObject({ status: 'completed', refundedAmount: 0 });
    expect((await stripeCallsFor(transactionId)).filter((r) => r.path.startsWith('/v1/refunds'))).toEqual([]);
  });

  it('QPay create-payment-session: orderId and description; QPay is never called', async () => {
    const marker = `guard-${crypto.randomUUID()}`;
    const headers = {
      ...bearer(await signToken({ sub: 'buyer-1', tenant_id: `t-guard-${marker.slice(6, 14)}`, role: 'user' })),
      'content-type': 'application/json',
    };
    const res = await call('/api/create-payment-session', {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: 10_000, orderId: `${marker.slice(0, 30)}\u0000`, description: `${marker} \uDBFF` }),
    });
    expect(await errorOf(res)).toMatchObject({ status: 422, fields: ['orderId', 'description'] });
    expect(await sandboxRequestsMentioning(marker.slice(0, 30))).toEqual([]);
  });

  it('recovery description: nothing is recorded under the Idempotency-Key, no reminder is sent', async () => {
    const tenant = `t-guard-${crypto.randomUUID().slice(0, 8)}`;
    const key = crypto.randomUUID();
    const headers = { ...(await merchantHeaders(tenant)), 'idempotency-key': key };
    const email = `guard-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const body = { amount: 4999, currency: 'usd', customerEmail: email, description: `Order ${NUL}`, failureReason: 'card_declined' };
    const refused = await call('/v1/transactions', { method: 'POST', headers, body: JSON.stringify(body) });
    expect(await errorOf(refused)).toMatchObject({ status: 422, fields: ['description'] });
    // The same key with a clean body is a first request (201), not a replay or a reused key.
    const clean = await call('/v1/transactions', { method: 'POST', headers, body: JSON.stringify({ ...body, description: 'Order 1' }) });
    expect(clean.status, await clean.clone().text()).toBe(201);
    expect(clean.headers.get('idempotent-replayed')).toBeNull();
    expect(await json<{ description: string }>(clean)).toMatchObject({ description: 'Order 1' });
  });

  it('checkout metadata: a value and a key; no PSP is called', async () => {
    const marker = `guard-${crypto.randomUUID()}`;
    const headers = await merchantHeaders(`t-guard-${marker.slice(6, 14)}`);
    const psp_config = (metadata: Record<string, unknown>) => ({
      psp: 'stripe',
      psp_merchant_id: 'acct_1234567890',
      currency: 'USD',
      metadata: { order_id: marker, ...metadata },
    });
    const byValue = await call('/v1/checkout-sessions', {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: 4999, psp_config: psp_config({ note: NUL }) }),
    });
    expect(await errorOf(byValue)).toMatchObject({ status: 422, fields: ['psp_config.metadata.note'] });
    const byKey = await call('/v1/checkout-sessions', {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: 4999, psp_config: psp_config({ 'no\u0000te': 'x' }) }),
    });
    // The key is named with the offending code unit replaced, never echoed raw.
    expect(await errorOf(byKey)).toMatchObject({ status: 422, fields: ['psp_config.metadata.no\uFFFDte'] });
    expect(await sandboxRequestsMentioning(marker)).toEqual([]);
  });

  it('process sessionData (a value deep inside, and a key): the Idempotency-Key stays unused', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('buyer-session');
    const key = crypto.randomUUID();
    const body = (sessionData: unknown) =>
      JSON.stringify({
        venueId: 'knox',
        eventId: 'show',
        tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
        sessionData,
      });
    const process = (sessionData: unknown) =>
      call('/api/v1/payments/process', { method: 'POST', headers: { ...buyer, 'Idempotency-Key': key }, body: body(sessionData) });

    const byValue = await process({ browserFeatures: { languages: ['en', LONE_HIGH] } });
    expect(await errorOf(byValue)).toMatchObject({ status: 422, fields: ['sessionData.browserFeatures.languages.1'] });
    const byKey = await process({ '\u0000': 1 });
    expect(await errorOf(byKey)).toMatchObject({ status: 422, fields: ['sessionData.\uFFFD'] });
    // Had either reached the PaymentDO, this would be 422 IDEMPOTENCY_KEY_REUSED.
    const clean = await process({ browserFeatures: { languages: ['en'] } });
    expect(clean.status, await clean.clone().text()).toBe(200);
    expect(clean.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('paths, query strings and other body types', () => {
  it('a path parameter with %00 is a 422 naming the parameter, and nothing is stored', async () => {
    const { admin } = await shopFixture();
    const res = await call('/api/v1/venues/new%00', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ name: 'New', address: { city: 'Memphis', state: 'TN' } }),
    });
    expect(await errorOf(res)).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', fields: ['venueId'] });
    expect((await call('/api/v1/venues/new', { headers: admin })).status).toBe(404);
  });

  it('a %00 next to an escape that is not UTF-8 is still found (routers decode escapes run by run); no route: (path)', async () => {
    const res = await call('/api/v1/nothing/a%00b%ED', { method: 'GET' });
    expect(await errorOf(res)).toMatchObject({ status: 422, fields: ['(path)'] });
  });

  it('a query value or key with %00 is a 422 naming the parameter', async () => {
    const session = `cko${'0'.repeat(32)}`;
    const ok = await call(`/v1/checkout/return?session=${session}&result=success&note=fine`);
    expect(ok.status).toBe(200);
    const byValue = await call(`/v1/checkout/return?session=${session}&result=success&note=a%00b`);
    expect(await errorOf(byValue)).toMatchObject({ status: 422, fields: ['note'] });
    const byKey = await call(`/v1/checkout/return?session=${session}&result=success&n%00te=x`);
    expect(await errorOf(byKey)).toMatchObject({ status: 422, fields: ['n\uFFFDte'] });
  });

  it('url-encoded and multipart form bodies are checked too', async () => {
    const { admin } = await shopFixture();
    const { 'content-type': _json, ...auth } = admin;
    const urlencoded = await call('/api/v1/venues/formy', {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=a%00b&city=Memphis',
    });
    expect(await errorOf(urlencoded)).toMatchObject({ status: 422, fields: ['name'] });
    const form = new FormData();
    form.append('name', NUL);
    const multipart = await call('/api/v1/venues/formy', { method: 'PUT', headers: auth, body: form });
    expect(await errorOf(multipart)).toMatchObject({ status: 422, fields: ['name'] });
    expect((await call('/api/v1/venues/formy', { headers: admin })).status).toBe(404);
  });

  it('JSON sent under another content type, or plain text with a NUL, is checked too', async () => {
    const asText = await call('/v1/webhooks/adyen', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ notificationItems: [{ NotificationRequestItem: { pspReference: NUL } }] }),
    });
    expect(await errorOf(asText)).toMatchObject({ status: 422, fields: ['notificationItems.0.NotificationRequestItem.pspReference'] });
    const raw = await call('/v1/webhooks/adyen', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'raw\u0000text' });
    expect(await errorOf(raw)).toMatchObject({ status: 422, fields: ['(body)'] });
  });

  it('malformed JSON is still 400 MALFORMED_JSON, and clean text still passes', async () => {
    const { admin } = await shopFixture();
    const malformed = await call('/api/v1/venues/knox', { method: 'PUT', headers: admin, body: '{"name": "x",' });
    expect(await errorOf(malformed)).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    // Paired surrogates (an emoji) and other control characters are storable.
    const fine = await call('/api/v1/venues/knox', {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ name: 'Knox 🎸\t\u0001', address: { city: 'Knoxville', state: 'TN' } }),
    });
    expect(fine.status).toBe(200);
    expect(await json<{ name: string }>(fine)).toMatchObject({ name: 'Knox 🎸\t\u0001' });
  });
});

describe('free-form JSON is bounded', () => {
  async function processWith(sessionData: unknown) {
    const shop = await shopFixture();
    const buyer = await shop.user('buyer-bounds');
    const key = crypto.randomUUID();
    const send = (data: unknown) =>
      call('/api/v1/payments/process', {
        method: 'POST',
        headers: { ...buyer, 'Idempotency-Key': key },
        body: JSON.stringify({
          venueId: 'knox',
          eventId: 'show',
          tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
          paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
          sessionData: data,
        }),
      });
    return { res: await send(sessionData), send };
  }

  it('sessionData nested 5,000 levels is a 422 on sessionData, not a 500', async () => {
    const { res, send } = await processWith(nest(5000));
    const err = await errorOf(res);
    expect(err).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', fields: ['sessionData'] });
    expect(err.body.errors?.[0]?.message).toMatch(/64 levels/);
    // Nothing was recorded under the key: the same key with a clean body runs (not a replay, not a reused key).
    const clean = await send({ actions: [] });
    expect(clean.status).toBe(200);
    expect(clean.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a whole body nested deeper than the global limit is a 422 on (root)', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await call('/admin/dead-letters/requeue', { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    expect(await errorOf(res)).toMatchObject({ status: 422, fields: ['(root)'] });
  });

  it('brackets inside strings are not nesting; escaped quotes do not end a string', async () => {
    const { res } = await processWith({ note: `a \\" ${'['.repeat(200)} "{{{`, list: [['x']] });
    expect(res.status).toBe(200);
  });

  it('64 levels is the limit itself, counted in arrays and objects alike', async () => {
    const requeue = (body: string) =>
      call('/admin/dead-letters/requeue', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const levels = (n: number) => `${'[{"a":'.repeat(n / 2)}1${'}]'.repeat(n / 2)}`;
    const atLimit = await errorOf(await requeue(levels(64)));
    expect(JSON.stringify(atLimit.body)).not.toMatch(/levels deep/);
    expect(await errorOf(await requeue(levels(66)))).toMatchObject({ status: 422, fields: ['(root)'] });
  });

  it('a \\u escape anywhere sends the body through the full check: an escaped backslash before u is clean', async () => {
    expect((await processWith({ path: 'C:\\users\\u0000' })).res.status).toBe(200);
    expect(await errorOf((await processWith({ a: { b: 'x\u0000' } })).res)).toMatchObject({ status: 422, fields: ['sessionData.a.b'] });
  });

  it('a parser that gives up on nesting (RangeError) gives a 422, not a 500', async () => {
    // V8 parses JSON without recursion; an engine that recurses would throw RangeError on deep input.
    const realParse = JSON.parse;
    const body = '[[["too deep for this engine"]]]';
    const parse = vi.spyOn(JSON, 'parse').mockImplementation((text, reviver) => {
      if (text === body) throw new RangeError('Maximum call stack size exceeded');
      return realParse(text, reviver);
    });
    try {
      const res = await call('/admin/dead-letters/requeue', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(await errorOf(res)).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', fields: ['(root)'] });
    } finally {
      parse.mockRestore();
    }
  });

  it('sessionData deeper than its own bound (8) is a 422 on sessionData', async () => {
    const { res } = await processWith({ browserFeatures: nest(8) });
    const err = await errorOf(res);
    expect(err).toMatchObject({ status: 422, fields: ['sessionData'] });
    expect(err.body.errors?.[0]?.message).toMatch(/8 levels/);
  });

  it('sessionData over 128 KiB is a 422 on sessionData; 2,000 documented actions fit', async () => {
    const { res } = await processWith({ blob: 'x'.repeat(140_000) });
    const err = await errorOf(res);
    expect(err).toMatchObject({ status: 422, fields: ['sessionData'] });
    expect(err.body.errors?.[0]?.message).toMatch(/131072 bytes/);

    const actions = Array.from({ length: 2000 }, (_, i) => ({ type: 'mousemove', t: 1_767_225_600_000 + i, x: 1920.5, y: 1080.25 }));
    const { res: fits } = await processWith({ actions, browserFeatures: { languages: ['en-US'], screen: { w: 1920, h: 1080 } } });
    expect(fits.status, await fits.clone().text()).toBe(200);
  });

  it('verification psp_config beyond its bounds is a 422 on psp_config', async () => {
    const headers = await merchantHeaders(`t-guard-${crypto.randomUUID().slice(0, 8)}`);
    const res = await call('/v1/verification/initiate', {
      method: 'POST',
      headers,
      body: JSON.stringify({ user_uuid: 'alice.notap.sol', transaction_amount: 10, psp_config: { psp: 'stripe', junk: 'x'.repeat(9000) } }),
    });
    expect(await errorOf(res)).toMatchObject({ status: 422, fields: ['psp_config'] });
  });
});
