import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CheckoutInput, type CheckoutRef, WebhookPayloadError, WebhookVerificationError } from '../../../src/psp/checkout.ts';
import { TilopayCheckoutAdapter } from '../../../src/psp/tilopay/client.ts';
import { requestTilopayToken, TILOPAY_DEFAULT_TOKEN_LIFETIME_SECONDS } from '../../../src/psp/tilopay/token.ts';
import {
  describeTilopayError,
  readTilopayConsult,
  tilopayBodyFailure,
  tilopayModificationToRefund,
  tilopayRowsToSnapshot,
} from '../../../src/psp/tilopay/transformers.ts';
import { parseTilopayRedirect } from '../../../src/psp/tilopay/webhook.ts';
import { TokenRequestError } from '../../../src/psp/tokens.ts';
import type { PspResult } from '../../../src/psp/types.ts';

/** Tilopay answers of another shape than the wire schemas: each is a failure value, never a throw or a wrong type. */

afterEach(() => vi.unstubAllGlobals());

const unexpected = { ok: false, failure: { kind: 'unavailable', retryable: false, code: 'unexpected_response' } };
const goodRow = { orderNumber: 'cko1', tpt: '9876543', amount: '10.50', currency: 'USD', code: '1', auth: '1', email: 'a@example.cr' };

/** Every fetch answers `body` as JSON with `status`. */
function answer(body: unknown, status = 200) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

const tokens = { token: async () => 'tok', invalidate: async () => {} };
const adapter = () =>
  new TilopayCheckoutAdapter(
    { apiUrl: 'https://tilopay.test/api/v1', apiKey: 'k', apiUser: 'u', apiPassword: 'p', timeoutMs: 5000 },
    tokens,
  );

describe('consult answer', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [goodRow]],
    ['a string', 'rows'],
    ['rows that are not an array', { type: '200', response: 'x' }],
    ['a row that is not an object', { type: '200', response: [null] }],
    ['a row whose amount is an object', { type: '200', response: [{ ...goodRow, amount: { value: 10.5 } }] }],
    ['a row whose tpt is a boolean', { type: '200', response: [{ ...goodRow, tpt: true }] }],
    ['a row whose currency is a number', { type: '200', response: [{ ...goodRow, currency: 840 }] }],
  ])('%s → unexpected_response', (_, body) => {
    expect(readTilopayConsult(body)).toMatchObject(unexpected);
  });

  it('a well-formed answer still maps; no rows (absent or null) is no attempt yet', () => {
    const rows = readTilopayConsult({ type: '200', response: [goodRow] });
    expect(rows).toEqual({ ok: true, value: [goodRow] });
    expect(rows.ok && tilopayRowsToSnapshot(rows.value, { amount: 1050, currency: 'USD' })).toEqual({
      ok: true,
      value: { status: 'succeeded', paymentReference: '9876543', amountPaid: 1050, amountRefunded: 0 },
    });
    expect(readTilopayConsult({ type: '200', response: null })).toEqual({ ok: true, value: [] });
  });

  it('a null field is read as absent: no "null" reference, no crash on a null amount', () => {
    const rows = readTilopayConsult({ response: [{ ...goodRow, tpt: null, refunded: null }] });
    expect(rows.ok && tilopayRowsToSnapshot(rows.value, { amount: 1050, currency: 'USD' })).toMatchObject({
      ok: true,
      value: { status: 'succeeded', paymentReference: null, amountRefunded: 0 },
    });
    const noAmount = readTilopayConsult({ response: [{ ...goodRow, amount: null }] });
    expect(noAmount.ok && tilopayRowsToSnapshot(noAmount.value, { amount: 1050, currency: 'USD' })).toMatchObject(unexpected);
  });

  it('through the adapter: an array body is an unexpected response, not an open session', async () => {
    answer([]);
    const ref: CheckoutRef = {
      sessionId: 'cko1',
      reference: 'cko1',
      merchantAccount: '',
      amount: 1050,
      currency: 'USD',
      paymentReference: null,
    };
    expect(await adapter().retrieveSession(ref)).toMatchObject(unexpected);
  });
});

describe('processPayment answer', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ url: 'https://x' }]],
    ['no url', { type: '200' }],
    ['a url that is not a string', { url: 5 }],
  ])('%s → unexpected_response', async (_, body) => {
    answer(body);
    const input: CheckoutInput = {
      sessionId: 'cko1',
      tenantId: 't1',
      amount: 1050,
      currency: 'USD',
      merchantAccount: '',
      description: 'order',
      metadata: {},
      successUrl: 'https://shop.test/ok',
      cancelUrl: 'https://shop.test/no',
      expiresAt: Date.now() + 3_600_000,
      notificationUrl: 'https://edgepay.test/v1/webhooks/tilopay',
      idempotencyKey: 'idem1',
      customerEmail: 'a@example.cr',
    };
    const created = await adapter().createSession(input);
    expect(created).toMatchObject(unexpected);
  });
});

describe('processModification answer', () => {
  const fallback = { reference: 'cko1:rf_1', amount: 300, currency: 'USD' };
  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ type: '200', response: '1' }]],
    ['a string', 'ok'],
    ['a type that is an object', { type: { code: 200 }, response: '1' }],
    ['a tpt that is an array', { type: '200', response: '1', tpt: ['555'] }],
    ['an amount that is a boolean', { type: '200', response: '1', amount: true }],
  ])('%s → unexpected_response', (_, body) => {
    expect(tilopayModificationToRefund(body, fallback)).toMatchObject(unexpected);
  });

  it('a well-formed answer still maps', () => {
    expect(tilopayModificationToRefund({ type: 200, response: 1, tpt: 555, amount: '3.00' }, fallback)).toEqual({
      ok: true,
      value: { reference: '555', status: 'succeeded', amount: 300 },
    });
  });
});

describe('error bodies', () => {
  it('a field of another type is dropped: the failure keeps its generic text, never "[object Object]"', () => {
    expect(describeTilopayError(422, { type: '422', message: { errors: ['x'] } })).toEqual({
      code: 'tilopay_422',
      message: 'Tilopay: answered 422',
    });
    expect(describeTilopayError(500, { type: { nested: 1 }, message: 'boom' })).toEqual({ code: 'tilopay_500', message: 'Tilopay: boom' });
    expect(describeTilopayError(502, ['x'])).toEqual({ message: 'Tilopay answered 502' });
    expect(tilopayBodyFailure({ type: '401', message: 5 })).toMatchObject({ kind: 'authentication', message: 'Tilopay: type 401' });
    expect(tilopayBodyFailure([{ type: '500' }])).toBeNull();
    expect(tilopayBodyFailure(null)).toBeNull();
  });
});

describe('login answer', () => {
  const creds = { provider: 'tilopay', baseUrl: 'https://tilopay.test/api/v1', clientId: 'u', clientSecret: 'p', timeoutMs: 2000 } as const;
  const now = () => 1_000_000;

  it.each<[string, unknown, RegExp]>([
    ['null', null, /without access_token/],
    ['an array', [{ access_token: 't' }], /without access_token/],
    ['a numeric access_token', { access_token: 5 }, /without access_token/],
    ['an empty access_token', { access_token: '' }, /without access_token/],
    ['an expires_in that is not a number', { access_token: 't', expires_in: 'soon' }, /unreadable expires_in/],
    ['an expires_in that is an object', { access_token: 't', expires_in: { s: 1 } }, /unreadable expires_in/],
    ['a negative expires_in', { access_token: 't', expires_in: -5 }, /unreadable expires_in/],
    ['an empty expires_in', { access_token: 't', expires_in: '' }, /unreadable expires_in/],
  ])('%s → TokenRequestError, not a TypeError', async (_, body, message) => {
    answer(body);
    const err = await requestTilopayToken(creds, now).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRequestError);
    expect((err as Error).message).toMatch(message);
  });

  it('a well-formed answer still maps (expires_in as text or number; null or absent → the default lifetime)', async () => {
    answer({ access_token: 't', token_type: 'bearer', expires_in: '600' });
    expect(await requestTilopayToken(creds, now)).toEqual({
      accessToken: 't',
      expiresAt: 1_600_000,
      refreshToken: null,
      refreshExpiresAt: null,
    });
    answer({ access_token: 't', expires_in: 600 });
    expect((await requestTilopayToken(creds, now)).expiresAt).toBe(1_600_000);
    answer({ access_token: 't', expires_in: null });
    expect((await requestTilopayToken(creds, now)).expiresAt).toBe(1_000_000 + TILOPAY_DEFAULT_TOKEN_LIFETIME_SECONDS * 1000);
  });
});

describe('redirect query', () => {
  const consult = vi.fn(async (): Promise<PspResult<never[]>> => ({ ok: true, value: [] }));
  const deps = { consult, apiKey: 'k', apiUser: 'u', apiPassword: 'p' };
  const redirect = (query: string) =>
    parseTilopayRedirect({ method: 'GET', url: `https://edgepay.test/v1/webhooks/tilopay?${query}`, headers: {}, rawBody: '' }, deps);

  it('no order or code, or blanks → verification error; an overlong parameter → payload error; nothing consulted', async () => {
    await expect(redirect('order=cko1')).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(redirect('order=%20%20&code=1')).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(redirect(`order=${'a'.repeat(65)}&code=1`)).rejects.toBeInstanceOf(WebhookPayloadError);
    await expect(redirect(`order=cko1&code=1&tpt=${'9'.repeat(256)}`)).rejects.toBeInstanceOf(WebhookPayloadError);
    await expect(redirect(`order=cko1&code=1&OrderHash=${'f'.repeat(256)}`)).rejects.toBeInstanceOf(WebhookPayloadError);
    expect(consult).not.toHaveBeenCalled();
  });

  it('a well-formed redirect is still consulted (trimmed order)', async () => {
    await expect(redirect('order=%20cko1%20&code=1&tpt=42')).rejects.toThrow('Tilopay has no such transaction for this order');
    expect(consult).toHaveBeenCalledWith('cko1');
  });
});
