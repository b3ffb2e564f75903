import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSensitiveKey, maskPii, REDACTED, redact } from '../../src/lib/redact';

describe('redact', () => {
  it('replaces secrets, tokens, factor values, card data and PII at any depth', () => {
    const out = redact({
      authorization: 'Bearer abc',
      headers: { 'x-internal-signature': 'ff00', cookie: 'a=b' },
      card: { number: '4242424242424242', cvc: '123' },
      cardNumber: '4242424242424242',
      user: { email: 'a@b.c', phone: '+1555', address: { city: 'Nashville' } },
      factors: [{ type: 'pin', value: '1234' }],
      stripeWebhookSecret: 'whsec_x',
      idempotencyKey: '9b7e…',
    }) as Record<string, any>;
    expect(out.authorization).toBe(REDACTED);
    expect(out.headers['x-internal-signature']).toBe(REDACTED);
    expect(out.headers.cookie).toBe(REDACTED);
    expect(out.card).toBe(REDACTED);
    expect(out.cardNumber).toBe(REDACTED);
    expect(out.user.email).toBe(REDACTED);
    expect(out.user.phone).toBe(REDACTED);
    expect(out.user.address).toBe(REDACTED);
    expect(out.factors).toBe(REDACTED);
    expect(out.stripeWebhookSecret).toBe(REDACTED);
    expect(out.idempotencyKey).toBe(REDACTED);
  });

  it('keeps the fields a request log needs and words that merely contain a sensitive word', () => {
    const fields = {
      requestId: 'r1',
      method: 'GET',
      path: '/health',
      status: 200,
      ms: 3,
      tenant: 't1',
      shipping: 'x',
      routing: 'y',
      mapping: 'z',
      pending: 1,
    };
    expect(redact(fields)).toEqual(fields);
  });

  it('replaces bearer credentials wherever they appear as values', () => {
    expect(redact({ note: 'Bearer eyJhbGciOi' })).toEqual({ note: REDACTED });
  });

  it('describes errors by name and message only (no stack), with their cause', () => {
    expect(redact({ err: new TypeError('boom') })).toEqual({ err: { name: 'TypeError', message: 'boom' } });
    const wrapped = new Error('Failed query: insert …', { cause: new Error('duplicate key value violates unique constraint') });
    expect(redact({ err: wrapped })).toEqual({
      err: {
        name: 'Error',
        message: 'Failed query: insert …',
        cause: { name: 'Error', message: 'duplicate key value violates unique constraint' },
      },
    });
  });

  it('never lets a value under a sensitive key through, whatever its shape', () => {
    const sensitive = fc.constantFrom('password', 'apiKey', 'client_secret', 'accessToken', 'pan', 'cvv', 'tin', 'ssn');
    fc.assert(
      fc.property(sensitive, fc.jsonValue(), (key, value) => {
        expect(isSensitiveKey(key)).toBe(true);
        expect(JSON.stringify(redact({ nested: { [key]: value } }))).toBe(JSON.stringify({ nested: { [key]: REDACTED } }));
      }),
    );
  });

  it('masks e-mail addresses, phone numbers, JWTs and card numbers inside any string value', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJidXllci0xIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const out = redact({
      note: 'reminder to Pat.Customer+vip@mail.example.co.uk failed',
      sms: 'sent to +1 (415) 555-0123 and 415-555-0199',
      intl: 'whatsapp +44 20 7946 0958',
      link: `https://pay.example/verify?t=${jwt}`,
      path: '/v1/cards/4242424242424242/charge',
      spaced: 'card 4000 0566 5566 5556 declined',
      nested: ['5555-5555-5555-4444'],
    });
    const text = JSON.stringify(out);
    for (const leaked of ['Pat.Customer', 'mail.example', '555-0123', '555-0199', '7946', jwt, '4242424242424242', '5556', '4444']) {
      expect(text).not.toContain(leaked);
    }
    expect(out).toEqual({
      note: 'reminder to [EMAIL] failed',
      sms: 'sent to [PHONE] and [PHONE]',
      intl: 'whatsapp [PHONE]',
      link: 'https://pay.example/verify?t=[JWT]',
      path: '/v1/cards/[CARD]/charge',
      spaced: 'card [CARD] declined',
      nested: ['[CARD]'],
    });
  });

  it('leaves ids, timestamps, amounts and numbers that fail the Luhn check alone', () => {
    const kept = [
      '9edf61d2-4c1b-4e3a-9a51-0f2d7c1b9e11',
      '2026-11-22T01:40:03.591Z',
      'amount 2599 USD, fee 820',
      'order 4242424242424241',
      'SQLSTATE 23505',
      '/v1/users/:handle/factors',
      'v4.156.2 on 127.0.0.1:8787',
      'cko_01HZX3K6W8',
    ];
    for (const value of kept) expect(maskPii(value)).toBe(value);
  });
});
