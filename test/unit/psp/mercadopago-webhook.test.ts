import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { MercadoPagoCheckoutAdapter } from '../../../src/psp/mercadopago/client.ts';
import {
  MERCADOPAGO_TOLERANCE_SECONDS,
  mercadoPagoManifest,
  parseMercadoPagoSignature,
  verifyMercadoPagoNotification,
  verifyMercadoPagoSignature,
} from '../../../src/psp/mercadopago/webhook.ts';

/** x-signature verification with signatures computed here, independently, with node:crypto. */
const SECRET = 'mp_secret_test';
const REQUEST_ID = 'bb56a2f1-6aae-46ac-982e-9dcd3581d08e';

const hmac = (secret: string, manifest: string) => createHmac('sha256', secret).update(manifest, 'utf8').digest('hex');

describe('x-signature test vector', () => {
  const manifest = `id:123456;request-id:${REQUEST_ID};ts:1704908010;`;
  const v1 = '58cc1eaa034945f3ae6ac26f5ca3a1dccb2bd99e17ab1625296e3bc689b98ede';

  it('node:crypto reproduces the vector signature, and the manifest builder its manifest', () => {
    expect(hmac(SECRET, manifest)).toBe(v1);
    expect(mercadoPagoManifest({ dataId: '123456', requestId: REQUEST_ID, ts: '1704908010' })).toBe(manifest);
  });

  it('verifies at the vector time, and not 301 s later', async () => {
    const base = { header: `ts=1704908010,v1=${v1}`, requestId: REQUEST_ID, dataId: '123456', secret: SECRET };
    await expect(verifyMercadoPagoSignature({ ...base, now: 1704908010_000 })).resolves.toBeUndefined();
    await expect(verifyMercadoPagoSignature({ ...base, now: 1704908010_000 + 299_000 })).resolves.toBeUndefined();
    await expect(verifyMercadoPagoSignature({ ...base, now: 1704908010_000 + 301_000 })).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(verifyMercadoPagoSignature({ ...base, now: 1704908010_000 - 301_000 })).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(MERCADOPAGO_TOLERANCE_SECONDS).toBe(300);
  });
});

describe('verifyMercadoPagoSignature', () => {
  const now = Date.UTC(2026, 3, 1, 12);
  const ts = Math.floor(now / 1000);
  const good = (dataId = '987654321', requestId: string | undefined = REQUEST_ID) => {
    const manifest = `${dataId ? `id:${dataId};` : ''}${requestId ? `request-id:${requestId};` : ''}ts:${ts};`;
    return { header: `ts=${ts},v1=${hmac(SECRET, manifest)}`, requestId, dataId, secret: SECRET, now };
  };
  const rejects = (p: Promise<void>) => expect(p).rejects.toBeInstanceOf(WebhookVerificationError);

  it('missing pairs are left out of the manifest', async () => {
    await expect(verifyMercadoPagoSignature(good('987654321', undefined))).resolves.toBeUndefined();
    await expect(verifyMercadoPagoSignature({ ...good('', REQUEST_ID), dataId: null })).resolves.toBeUndefined();
    // A signature over the full manifest does not verify without the request id.
    await rejects(verifyMercadoPagoSignature({ ...good(), requestId: undefined }));
  });

  it('rejects another data.id, request id, secret, a missing or malformed header', async () => {
    await rejects(verifyMercadoPagoSignature({ ...good(), dataId: '987654322' }));
    await rejects(verifyMercadoPagoSignature({ ...good(), requestId: 'other' }));
    await rejects(verifyMercadoPagoSignature({ ...good(), secret: 'wrong' }));
    await rejects(verifyMercadoPagoSignature({ ...good(), header: undefined }));
    await rejects(verifyMercadoPagoSignature({ ...good(), header: `ts=${ts}` }));
    await rejects(verifyMercadoPagoSignature({ ...good(), header: `ts=abc,v1=${'0'.repeat(64)}` }));
    await rejects(verifyMercadoPagoSignature({ ...good(), header: `ts=${ts},v1=zz` }));
    await rejects(verifyMercadoPagoSignature({ ...good(), header: good().header.replace(`ts=${ts}`, `ts=${ts + 1}`) }));
  });

  it('tolerates spaces and order in the header, a millisecond ts, and an id signed lowercased', async () => {
    const g = good();
    const [tsPart, v1Part] = g.header.split(',');
    await expect(verifyMercadoPagoSignature({ ...g, header: `${v1Part}, ${tsPart}` })).resolves.toBeUndefined();
    const ms = now;
    const msHeader = `ts=${ms},v1=${hmac(SECRET, `id:987654321;request-id:${REQUEST_ID};ts:${ms};`)}`;
    await expect(verifyMercadoPagoSignature({ ...g, header: msHeader })).resolves.toBeUndefined();
    const lower = `ts=${ts},v1=${hmac(SECRET, `id:abc123def;request-id:${REQUEST_ID};ts:${ts};`)}`;
    await expect(verifyMercadoPagoSignature({ ...g, header: lower, dataId: 'ABC123DEF' })).resolves.toBeUndefined();
    expect(parseMercadoPagoSignature('ts=1,v1=ab')).toEqual({ ts: '1', v1: 'ab' });
  });
});

describe('verifyMercadoPagoNotification and parseNotification', () => {
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  function notification(over: { dataId?: string; type?: string; body?: unknown; secret?: string } = {}): InboundNotification {
    const dataId = over.dataId ?? '1319886532';
    const type = over.type ?? 'payment';
    const manifest = `id:${dataId};request-id:${REQUEST_ID};ts:${ts};`;
    const body = over.body ?? {
      id: 12345,
      live_mode: false,
      type,
      date_created: '2026-04-01T12:00:00.000-04:00',
      action: `${type}.created`,
      data: { id: dataId },
    };
    return {
      method: 'POST',
      url: `https://edgepay.example/v1/webhooks/mercadopago?session=cko1&data.id=${dataId}&type=${type}`,
      headers: { 'x-signature': `ts=${ts},v1=${hmac(over.secret ?? SECRET, manifest)}`, 'x-request-id': REQUEST_ID },
      rawBody: JSON.stringify(body),
    };
  }

  it('names the payment from the signed query; eventId is the body id, else x-request-id', async () => {
    expect(await verifyMercadoPagoNotification(notification(), SECRET, now)).toEqual({
      type: 'payment',
      dataId: '1319886532',
      eventId: '12345',
      action: 'payment.created',
      occurredAt: Date.parse('2026-04-01T12:00:00.000-04:00'),
    });
    const noId = await verifyMercadoPagoNotification(notification({ body: { type: 'payment', data: { id: '1319886532' } } }), SECRET, now);
    expect(noId).toMatchObject({ eventId: REQUEST_ID, occurredAt: now });
  });

  it('rejects a body naming another object, a GET, malformed JSON and a wrong secret', async () => {
    const reject = (n: InboundNotification) =>
      expect(verifyMercadoPagoNotification(n, SECRET, now)).rejects.toBeInstanceOf(WebhookVerificationError);
    await reject(notification({ body: { id: 1, type: 'payment', data: { id: '999' } } }));
    await reject({ ...notification(), method: 'GET' });
    await expect(verifyMercadoPagoNotification({ ...notification(), rawBody: '{not json' }, SECRET, now)).rejects.toBeInstanceOf(
      WebhookPayloadError,
    );
    await reject(notification({ secret: 'other' }));
    await reject({ ...notification(), url: 'not a url' });
  });

  it('authentic but malformed bodies are WebhookPayloadError (array or null root, a mistyped or overlong id)', async () => {
    const malformed = (n: InboundNotification) =>
      expect(verifyMercadoPagoNotification(n, SECRET, now)).rejects.toBeInstanceOf(WebhookPayloadError);
    await malformed({ ...notification(), rawBody: '[]' });
    await malformed({ ...notification(), rawBody: 'null' });
    await malformed(notification({ body: { id: { x: 1 }, type: 'payment', data: { id: '1319886532' } } }));
    await malformed(notification({ body: { id: 'i'.repeat(256), type: 'payment' } }));
  });

  it('the adapter ignores non-payment types without calling MercadoPago (its API is unreachable here)', async () => {
    const adapter = new MercadoPagoCheckoutAdapter({
      apiUrl: 'http://127.0.0.1:1',
      accessToken: 'TEST-x',
      webhookSecret: SECRET,
      timeoutMs: 100,
    });
    expect(await adapter.parseNotification(notification({ type: 'merchant_order' }))).toEqual([
      expect.objectContaining({ eventId: '12345', type: 'merchant_order.created', observed: null, ignored: 'unhandled_type' }),
    ]);
    await expect(adapter.parseNotification({ ...notification(), headers: {} })).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});
