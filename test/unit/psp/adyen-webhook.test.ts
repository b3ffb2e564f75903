import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdyenCheckoutAdapter } from '../../../src/psp/adyen/client.ts';
import { adyenHmacPayload } from '../../../src/psp/adyen/webhook.ts';
import { type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';

/** Adyen HMAC verification with signatures computed here, independently, with node:crypto. */
const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
const adapter = new AdyenCheckoutAdapter({ apiUrl: 'http://127.0.0.1:1/adyen/v71', apiKey: 'unused', hmacKey: KEY, timeoutMs: 100 });

type Item = Record<string, any>;

/** The documented algorithm, written out: eight values joined with ':', HMAC-SHA256 with the hex-decoded key, base64. */
function sign(item: Item, key = KEY): string {
  const data = [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    item.amount?.value,
    item.amount?.currency,
    item.eventCode,
    item.success,
  ]
    .map((v) => (v === undefined ? '' : String(v)))
    .join(':');
  return createHmac('sha256', Buffer.from(key, 'hex')).update(data, 'utf8').digest('base64');
}

function signed(item: Item, key = KEY): Item {
  return { ...item, additionalData: { ...item.additionalData, hmacSignature: sign(item, key) } };
}

const notification = (...items: Item[]): InboundNotification => ({
  method: 'POST',
  url: 'https://edgepay.example/v1/webhooks/adyen',
  headers: { 'content-type': 'application/json' },
  rawBody: JSON.stringify({ live: 'false', notificationItems: items.map((i) => ({ NotificationRequestItem: i })) }),
});

const SESSION = 'cko0123456789abcdef0123456789abcdef';
const authorisation = (over: Item = {}): Item => ({
  amount: { value: 2500, currency: 'EUR' },
  eventCode: 'AUTHORISATION',
  eventDate: '2026-01-02T10:00:00+01:00',
  merchantAccountCode: 'EdgepayECOM',
  merchantReference: SESSION,
  paymentMethod: 'visa',
  pspReference: 'QFQTPCQ8HXSKGK82',
  reason: '874574:1935:11/2012',
  success: 'true',
  additionalData: { checkoutSessionId: 'CS451F2AB1ED897A94' },
  ...over,
});

describe('test vector from the Adyen Node library', () => {
  const key = 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00';
  const item: Item = {
    pspReference: 'pspReference',
    originalReference: 'originalReference',
    merchantAccountCode: 'merchantAccount',
    merchantReference: 'reference',
    amount: { value: 1000, currency: 'EUR' },
    eventCode: 'REPORT_AVAILABLE',
    success: 'true',
    eventDate: '2026-01-01T00:00:00+00:00',
    additionalData: { hmacSignature: 'ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE=' },
  };

  it('the payload is the documented data string, and node:crypto reproduces the documented signature', () => {
    expect(adyenHmacPayload(item as any)).toBe('pspReference:originalReference:merchantAccount:reference:1000:EUR:REPORT_AVAILABLE:true');
    expect(sign(item, key)).toBe('ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE=');
  });

  it('the adapter accepts the vector item (an event code it does not map: an ignored notification)', async () => {
    const a = new AdyenCheckoutAdapter({ apiUrl: 'http://x/v71', apiKey: 'k', hmacKey: key, timeoutMs: 1 });
    const ignored = [
      expect.objectContaining({
        eventId: 'REPORT_AVAILABLE:pspReference:true',
        sessionId: null,
        observed: null,
        ignored: 'unhandled_type',
      }),
    ];
    expect(await a.parseNotification(notification(item))).toEqual(ignored);
    const lower = new AdyenCheckoutAdapter({ apiUrl: 'http://x/v71', apiKey: 'k', hmacKey: key.toLowerCase(), timeoutMs: 1 });
    expect(await lower.parseNotification(notification(item))).toEqual(ignored);
    const changed = { ...item, success: 'false' };
    await expect(a.parseNotification(notification(changed))).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});

describe('mapping verified items', () => {
  it('AUTHORISATION success true → succeeded; missing originalReference signs as an empty value', async () => {
    const item = authorisation();
    expect(adyenHmacPayload(item as any)).toBe(`QFQTPCQ8HXSKGK82::EdgepayECOM:${SESSION}:2500:EUR:AUTHORISATION:true`);
    expect(await adapter.parseNotification(notification(signed(item)))).toEqual([
      {
        provider: 'adyen',
        eventId: 'AUTHORISATION:QFQTPCQ8HXSKGK82:true',
        type: 'AUTHORISATION',
        sessionId: SESSION,
        reference: 'CS451F2AB1ED897A94',
        paymentReference: 'QFQTPCQ8HXSKGK82',
        observed: { kind: 'payment', status: 'succeeded', amount: 2500 },
        occurredAt: Date.parse('2026-01-02T10:00:00+01:00'),
      },
    ]);
  });

  it('AUTHORISATION success false → failed; CANCELLATION → canceled (only when it succeeded)', async () => {
    const [failed] = await adapter.parseNotification(notification(signed(authorisation({ success: 'false', reason: 'Refused' }))));
    expect(failed).toMatchObject({ eventId: 'AUTHORISATION:QFQTPCQ8HXSKGK82:false', observed: { kind: 'payment', status: 'failed' } });
    const cancel = authorisation({ eventCode: 'CANCELLATION', pspReference: '8815000000000001', originalReference: 'QFQTPCQ8HXSKGK82' });
    const [canceled] = await adapter.parseNotification(notification(signed(cancel)));
    expect(canceled).toMatchObject({
      type: 'CANCELLATION',
      sessionId: SESSION,
      paymentReference: 'QFQTPCQ8HXSKGK82',
      observed: { kind: 'payment', status: 'canceled', amount: 2500 },
    });
    expect(await adapter.parseNotification(notification(signed({ ...cancel, success: 'false' })))).toEqual([
      expect.objectContaining({ type: 'CANCELLATION', observed: null, ignored: 'unhandled_type' }),
    ]);
  });

  it('REFUND success true/false and REFUND_FAILED → refund outcomes with ids parsed from sessionId:refundId', async () => {
    const refund = (over: Item): Item =>
      authorisation({
        eventCode: 'REFUND',
        pspReference: '9915000000000002',
        originalReference: 'QFQTPCQ8HXSKGK82',
        merchantReference: `${SESSION}:rf_1`,
        amount: { value: 700, currency: 'EUR' },
        ...over,
      });
    const [ok] = await adapter.parseNotification(notification(signed(refund({}))));
    expect(ok).toEqual({
      provider: 'adyen',
      eventId: 'REFUND:9915000000000002:true',
      type: 'REFUND',
      sessionId: SESSION,
      reference: 'CS451F2AB1ED897A94',
      paymentReference: 'QFQTPCQ8HXSKGK82',
      observed: { kind: 'refund', refundReference: '9915000000000002', refundId: 'rf_1', status: 'succeeded', amount: 700 },
      occurredAt: Date.parse('2026-01-02T10:00:00+01:00'),
    });
    const [no] = await adapter.parseNotification(notification(signed(refund({ success: 'false' }))));
    expect(no!.observed).toMatchObject({ kind: 'refund', status: 'failed', refundId: 'rf_1' });
    const [failedLater] = await adapter.parseNotification(notification(signed(refund({ eventCode: 'REFUND_FAILED' }))));
    expect(failedLater!.observed).toMatchObject({ kind: 'refund', status: 'failed' });
    // A refund made in the Customer Area carries the payment's reference only.
    const [external] = await adapter.parseNotification(notification(signed(refund({ merchantReference: SESSION }))));
    expect(external).toMatchObject({ sessionId: SESSION, observed: { refundId: null } });
  });

  it('a batch maps each item; other event codes are ignored; CLP converts from Adyen units', async () => {
    const clp = authorisation({ pspReference: 'AAAAAAAAAAAAAAA1', amount: { value: 500000, currency: 'CLP' } });
    const capture = authorisation({ eventCode: 'CAPTURE', pspReference: 'AAAAAAAAAAAAAAA2' });
    const out = await adapter.parseNotification(notification(signed(clp), signed(capture), signed(authorisation())));
    expect(out.map((x) => [x.eventId, x.observed])).toEqual([
      ['AUTHORISATION:AAAAAAAAAAAAAAA1:true', { kind: 'payment', status: 'succeeded', amount: 5000 }],
      ['CAPTURE:AAAAAAAAAAAAAAA2:true', null],
      ['AUTHORISATION:QFQTPCQ8HXSKGK82:true', { kind: 'payment', status: 'succeeded', amount: 2500 }],
    ]);
    expect(out.map((x) => x.ignored)).toEqual([undefined, 'unhandled_type', undefined]);
  });
});

describe('rejections', () => {
  const reject = (n: InboundNotification) => expect(adapter.parseNotification(n)).rejects.toBeInstanceOf(WebhookVerificationError);

  it('tampered fields, a wrong key, a missing or malformed signature', async () => {
    const good = signed(authorisation());
    await reject(notification({ ...good, amount: { value: 1, currency: 'EUR' } }));
    await reject(notification({ ...good, merchantReference: 'cko-someone-else' }));
    await reject(notification(signed(authorisation(), 'AB'.repeat(32))));
    await reject(notification(authorisation()));
    await reject(notification({ ...good, additionalData: { hmacSignature: 'not base64!' } }));
    await reject(notification({ ...good, additionalData: { hmacSignature: Buffer.alloc(16).toString('base64') } }));
  });

  it('one bad item rejects the whole batch', async () => {
    const bad = { ...signed(authorisation({ pspReference: 'B' })), success: 'false' };
    await reject(notification(signed(authorisation()), bad));
  });

  it('malformed bodies (WebhookPayloadError: an item that is not of the documented shape cannot be verified) and methods', async () => {
    const good = signed(authorisation());
    const malformed = (n: InboundNotification) => expect(adapter.parseNotification(n)).rejects.toBeInstanceOf(WebhookPayloadError);
    await reject({ ...notification(good), method: 'GET' });
    await malformed({ ...notification(good), rawBody: 'not json' });
    await malformed({ ...notification(good), rawBody: '[]' });
    await malformed({ ...notification(good), rawBody: 'null' });
    await malformed({ ...notification(good), rawBody: '{"live":"false"}' });
    await malformed({ ...notification(good), rawBody: '{"live":"false","notificationItems":[]}' });
    await malformed(notification({ ...good, success: true }));
    await malformed(notification(signed({ ...authorisation(), amount: { value: '2500', currency: 'EUR' } })));
    await malformed(notification(signed(authorisation({ pspReference: 'P'.repeat(65) }))));
  });

  it('an amount Adyen units cannot express in ours (an unsupported currency) is rejected, not rounded', async () => {
    await reject(notification(signed(authorisation({ amount: { value: 1000, currency: 'CVE' } }))));
    await reject(notification(signed(authorisation({ amount: { value: 1001, currency: 'CLP' } }))));
  });
});
