import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdyenCheckoutAdapter } from '../../../src/psp/adyen/client.ts';
import { describeAdyenError, refundResponseToResult, sessionResponseToCreated } from '../../../src/psp/adyen/transformers.ts';
import { type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';

/** Adyen answers and notifications of another shape are failure values (or WebhookPayloadError), never a throw or a wrong type let through. */
const unexpected = (at: string) => ({
  ok: false,
  failure: { kind: 'unavailable', retryable: false, code: 'unexpected_response', message: expect.stringContaining(at) },
});

describe('session create response', () => {
  const body = { id: 'CS1', url: 'https://checkoutshopper-test.adyen.com/x', expiresAt: '2026-01-02T10:00:00Z', mode: 'hosted' };

  it('a well-formed answer still maps (unknown fields pass through)', () => {
    expect(sessionResponseToCreated({ ...body, sessionData: 'Ab02b4c0!', extra: { x: 1 } })).toEqual({
      ok: true,
      value: { reference: 'CS1', checkoutUrl: body.url, expiresAt: Date.UTC(2026, 0, 2, 10), details: {} },
    });
  });

  it('null, an array, a string, a missing id and wrong types are unexpected responses', () => {
    expect(sessionResponseToCreated(null)).toEqual(unexpected('cannot read'));
    expect(sessionResponseToCreated(undefined)).toEqual(unexpected('cannot read'));
    expect(sessionResponseToCreated([body])).toEqual(unexpected('cannot read'));
    expect(sessionResponseToCreated('<html>')).toEqual(unexpected('cannot read'));
    expect(sessionResponseToCreated({ ...body, id: undefined })).toEqual(unexpected('at id'));
    expect(sessionResponseToCreated({ ...body, id: '' })).toEqual(unexpected('at id'));
    expect(sessionResponseToCreated({ ...body, id: 42 })).toEqual(unexpected('at id'));
    expect(sessionResponseToCreated({ ...body, url: ['https://x'] })).toEqual(unexpected('at url'));
    expect(sessionResponseToCreated({ ...body, expiresAt: 1767348000000 })).toEqual(unexpected('at expiresAt'));
  });
});

describe('refund response', () => {
  const body = {
    pspReference: 'R1',
    paymentPspReference: 'P',
    merchantAccount: 'M',
    status: 'received',
    amount: { value: 500000, currency: 'CLP' },
  };

  it('a well-formed answer still maps', () => {
    expect(refundResponseToResult(body, 5000)).toEqual({ ok: true, value: { reference: 'R1', status: 'pending', amount: 5000 } });
  });

  it('null, an array, a missing pspReference and wrong types are unexpected responses', () => {
    expect(refundResponseToResult(null, 5000)).toEqual(unexpected('cannot read'));
    expect(refundResponseToResult([body], 5000)).toEqual(unexpected('cannot read'));
    expect(refundResponseToResult({ ...body, pspReference: undefined }, 5000)).toEqual(unexpected('at pspReference'));
    expect(refundResponseToResult({ ...body, pspReference: 7 }, 5000)).toEqual(unexpected('at pspReference'));
    expect(refundResponseToResult({ ...body, status: ['received'] }, 5000)).toEqual(unexpected('at status'));
    expect(refundResponseToResult({ ...body, amount: undefined }, 5000)).toEqual(unexpected('at amount'));
    expect(refundResponseToResult({ ...body, amount: { value: '500000', currency: 'CLP' } }, 5000)).toEqual(unexpected('at amount.value'));
    expect(refundResponseToResult({ ...body, amount: { value: 5000.5, currency: 'CLP' } }, 5000)).toEqual(unexpected('at amount.value'));
    expect(refundResponseToResult({ ...body, amount: { value: 500000, currency: 'clp' } }, 5000)).toEqual(unexpected('at amount.currency'));
  });
});

describe('ServiceError', () => {
  it('an array or a non-object is only the status; a field of the wrong type is left out, not printed', () => {
    expect(describeAdyenError(500, [{ errorCode: '1', message: 'm' }])).toEqual({ message: 'Adyen answered 500' });
    expect(describeAdyenError(500, null)).toEqual({ message: 'Adyen answered 500' });
    expect(describeAdyenError(422, { errorCode: 14030, message: 'Return URL is missing.', errorType: { x: 1 } })).toEqual({
      message: 'Adyen error: Return URL is missing.',
    });
    expect(describeAdyenError(422, { errorCode: '14_030', message: 12 })).toEqual({ code: '14_030', message: 'Adyen answered 422' });
  });
});

describe('notifications', () => {
  const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';
  const adapter = new AdyenCheckoutAdapter({ apiUrl: 'http://127.0.0.1:1/adyen/v71', apiKey: 'unused', hmacKey: KEY, timeoutMs: 100 });
  type Item = Record<string, any>;
  /** Signed independently with node:crypto, so a rejection below is about the shape, not the signature. */
  const signed = (item: Item): Item => {
    const a = item.amount ?? {};
    const values = [item.pspReference, item.originalReference, item.merchantAccountCode, item.merchantReference, a.value, a.currency];
    const data = [...values, item.eventCode, item.success].map((v) => (v === undefined ? '' : String(v))).join(':');
    const hmacSignature = createHmac('sha256', Buffer.from(KEY, 'hex')).update(data, 'utf8').digest('base64');
    return { ...item, additionalData: { ...item.additionalData, hmacSignature } };
  };
  const inbound = (rawBody: string): InboundNotification => ({
    method: 'POST',
    url: 'https://edgepay.example/v1/webhooks/adyen',
    headers: { 'content-type': 'application/json' },
    rawBody,
  });
  const batch = (...wrappers: unknown[]) => inbound(JSON.stringify({ live: 'false', notificationItems: wrappers }));
  const notification = (...items: Item[]) => batch(...items.map((i) => ({ NotificationRequestItem: i })));
  const authorisation = (over: Item = {}): Item => ({
    amount: { value: 2500, currency: 'EUR' },
    eventCode: 'AUTHORISATION',
    eventDate: '2026-01-02T10:00:00+01:00',
    merchantAccountCode: 'EdgepayECOM',
    merchantReference: 'cko0123456789abcdef0123456789abcdef',
    pspReference: 'QFQTPCQ8HXSKGK82',
    success: 'true',
    additionalData: { checkoutSessionId: 'CS451F2AB1ED897A94' },
    ...over,
  });
  const malformed = (n: InboundNotification) => expect(adapter.parseNotification(n)).rejects.toBeInstanceOf(WebhookPayloadError);

  it('a well-formed item still maps', async () => {
    const [n] = await adapter.parseNotification(notification(signed(authorisation())));
    expect(n).toMatchObject({
      eventId: 'AUTHORISATION:QFQTPCQ8HXSKGK82:true',
      sessionId: 'cko0123456789abcdef0123456789abcdef',
      reference: 'CS451F2AB1ED897A94',
      occurredAt: Date.UTC(2026, 0, 2, 9),
      observed: { kind: 'payment', status: 'succeeded', amount: 2500 },
    });
  });

  it('wrappers and items of another shape are WebhookPayloadError, even when signed', async () => {
    await malformed(batch(null));
    await malformed(batch([]));
    await malformed(batch({ NotificationRequestItem: null }));
    await malformed(batch({ NotificationRequestItem: [signed(authorisation())] }));
    await malformed(inbound(JSON.stringify({ notificationItems: 'x' })));
    await malformed(notification(signed(authorisation({ pspReference: undefined }))));
    await malformed(notification(signed(authorisation({ eventCode: 1 }))));
    await malformed(notification(signed(authorisation({ originalReference: null }))));
    await malformed(notification(signed(authorisation({ amount: { value: 2500.5, currency: 'EUR' } }))));
    await malformed(notification(signed(authorisation({ amount: { value: 2500, currency: 'eur' } }))));
    await malformed(notification(signed(authorisation({ eventDate: 1767348000000 }))));
    await malformed(notification(signed(authorisation({ additionalData: { checkoutSessionId: 42 } }))));
    await malformed(notification({ ...signed(authorisation()), additionalData: undefined }));
    await malformed(notification({ ...signed(authorisation()), additionalData: ['x'] }));
  });

  it('the first bad item decides: an unverified item before a malformed one is a verification failure', async () => {
    const unverified = { ...signed(authorisation()), success: 'false' };
    const bad = signed(authorisation({ success: true }));
    await expect(adapter.parseNotification(notification(unverified, bad))).rejects.toBeInstanceOf(WebhookVerificationError);
    await malformed(notification(bad, unverified));
  });

  it('a signature that is not a string is a signature mismatch, as before', async () => {
    const item = { ...authorisation(), additionalData: { hmacSignature: 12 } };
    await expect(adapter.parseNotification(notification(item))).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});
