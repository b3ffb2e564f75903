import { afterEach, describe, expect, it, vi } from 'vitest';
import { type InboundNotification, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { QpayCheckoutAdapter } from '../../../src/psp/qpay/client.ts';
import { parseQpayCallback } from '../../../src/psp/qpay/webhook.ts';

/**
 * QPay's callback is unsigned: there is no signature to verify, so the parser accepts
 * only our own callback shape and turns it into a trigger; the session's object checks with QPay.
 */
const SESSION = 'cko0123456789abcdef0123456789abcdef';
const BASE = 'https://edgepay.example/v1/webhooks/qpay';
const callback = (url: string, method: 'GET' | 'POST' = 'GET', rawBody = ''): InboundNotification => ({
  method,
  url,
  headers: {},
  rawBody,
});
const adapter = new QpayCheckoutAdapter(
  { baseUrl: 'http://127.0.0.1:1/qpay/v2', invoiceCode: 'TEST_INVOICE', timeoutMs: 100 },
  { token: async () => 'unused', invalidate: async () => {} },
);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseNotification (QPay callback)', () => {
  it('a GET with session and qpay_payment_id is one trigger naming both, without any network call', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const [n, ...rest] = await adapter.parseNotification(callback(`${BASE}?session=${SESSION}&qpay_payment_id=593436163794931`));
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      provider: 'qpay',
      eventId: `qpay:${SESSION}:593436163794931`,
      type: 'callback',
      sessionId: SESSION,
      reference: null,
      paymentReference: '593436163794931',
      observed: null,
    });
    expect(typeof n!.occurredAt).toBe('number');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('without qpay_payment_id the event is the session callback, and POST is accepted like GET', async () => {
    const [n] = await adapter.parseNotification(callback(`${BASE}?session=${SESSION}`, 'POST', '{"payment_id":"ignored"}'));
    expect(n).toMatchObject({ eventId: `qpay:${SESSION}:callback`, sessionId: SESSION, paymentReference: null, observed: null });
  });

  it('uses the injected clock for occurredAt', () => {
    const [n] = parseQpayCallback(callback(`${BASE}?session=${SESSION}`), () => 1_700_000_000_000);
    expect(n?.occurredAt).toBe(1_700_000_000_000);
  });

  it.each([
    ['no session', `${BASE}?qpay_payment_id=1`],
    ['a session that is not ours', `${BASE}?session=order-42`],
    ['an upper-case session id', `${BASE}?session=${SESSION.toUpperCase()}`],
    ['a session id one character short', `${BASE}?session=${SESSION.slice(0, -1)}`],
    ['two sessions', `${BASE}?session=${SESSION}&session=${SESSION}`],
  ])('%s → WebhookVerificationError "unknown callback"', async (_, url) => {
    await expect(adapter.parseNotification(callback(url))).rejects.toThrow(new WebhookVerificationError('unknown callback'));
  });

  it.each([
    ['a payment id with other characters', `${BASE}?session=${SESSION}&qpay_payment_id=1%3B2`],
    ['an empty payment id', `${BASE}?session=${SESSION}&qpay_payment_id=`],
    ['two payment ids', `${BASE}?session=${SESSION}&qpay_payment_id=1&qpay_payment_id=2`],
  ])('%s → WebhookVerificationError', async (_, url) => {
    await expect(adapter.parseNotification(callback(url))).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it('a URL that does not parse or an unexpected method → WebhookVerificationError', async () => {
    await expect(adapter.parseNotification(callback('not a url'))).rejects.toBeInstanceOf(WebhookVerificationError);
    const put = { ...callback(`${BASE}?session=${SESSION}`), method: 'PUT' } as unknown as InboundNotification;
    await expect(adapter.parseNotification(put)).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});
