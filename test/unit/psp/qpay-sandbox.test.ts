import { crc32, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callbackUrl } from '../../../dev/sandbox/qpay/invoices.ts';
import { emvCrc16 } from '../../../dev/sandbox/qpay/qr.ts';
import { createQpayProvider, QPAY_TEST_INVOICE_CODE } from '../../../dev/sandbox/qpay.ts';
import { type Sandbox, startSandbox } from '../../../dev/sandbox/server.ts';
import { sandboxControl } from '../../dev/sandbox-control.ts';

/** The QPay emulator over plain HTTP: auth, validation errors, the invoice/payment shapes QPay documents, and its knobs. */
let sandbox: Sandbox;
const control = sandboxControl(() => sandbox.url);

beforeEach(async () => {
  sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [createQpayProvider()] });
  await control('POST', '/__sandbox/config', { webhooks: 'manual' });
});

afterEach(async () => {
  await sandbox.close();
});

async function qpay(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${sandbox.url}/qpay/v2${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function login(clientId = 'EDGEPAY_TEST', secret = 'secret') {
  const res = await fetch(`${sandbox.url}/qpay/v2/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
  });
  return (await res.json()) as { access_token: string; expires_in: number; refresh_token: string };
}

const invoiceBody = (over: Record<string, unknown> = {}) => ({
  invoice_code: QPAY_TEST_INVOICE_CODE,
  sender_invoice_no: 'cko0123456789abcdef0123456789abcdef',
  invoice_receiver_code: 'terminal',
  invoice_description: 'Ticket',
  amount: 10_000,
  callback_url: 'https://app.example/v1/webhooks/qpay?session=cko0123456789abcdef0123456789abcdef',
  ...over,
});

describe('auth', () => {
  it('issues tokens with expires_in as epoch seconds by default, or as a lifetime with expiresInStyle duration', async () => {
    const epoch = await login();
    expect(epoch.expires_in).toBeGreaterThan(Date.now() / 1000 + 86_000);
    await control('POST', '/__sandbox/config', { provider: 'qpay', expiresInStyle: 'duration', tokenTtlSeconds: 600 });
    const ttl = await login();
    expect(ttl.expires_in).toBe(600);
  });

  it('every other endpoint needs a Bearer token this emulator issued: 401 AUTHENTICATION_FAILED otherwise', async () => {
    for (const token of [undefined, 'qpay_at_made-up']) {
      const res = await qpay('POST', '/invoice', invoiceBody(), token);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'AUTHENTICATION_FAILED', error_code: 'AUTHENTICATION_FAILED' });
    }
    const noBasic = await fetch(`${sandbox.url}/qpay/v2/auth/token`, { method: 'POST' });
    expect(noBasic.status).toBe(401);
  });

  it('a refreshed token works and the refresh token is single-use', async () => {
    const first = await login();
    const refresh = () =>
      fetch(`${sandbox.url}/qpay/v2/auth/refresh`, { method: 'POST', headers: { authorization: `Bearer ${first.refresh_token}` } });
    const again = (await (await refresh()).json()) as { access_token: string };
    expect((await qpay('POST', '/invoice', invoiceBody(), again.access_token)).status).toBe(200);
    expect((await refresh()).status).toBe(401);
  });
});

describe('invoices', () => {
  it('validates the create request with QPay error codes', async () => {
    const { access_token: token } = await login();
    const cases: Array<[Record<string, unknown>, number, string, string?]> = [
      [{ invoice_code: 'OTHER_INVOICE' }, 400, 'INVOICE_CODE_INVALID'],
      [{ invoice_code: undefined }, 400, 'INVOICE_CODE_INVALID'],
      [{ sender_invoice_no: undefined }, 400, 'VALIDATION_ERROR', 'sender_invoice_no is required'],
      [{ sender_invoice_no: 'x'.repeat(46) }, 400, 'VALIDATION_ERROR', 'sender_invoice_no must be at most 45 characters'],
      [{ invoice_receiver_code: '' }, 400, 'VALIDATION_ERROR', 'invoice_receiver_code is required'],
      [{ invoice_description: undefined }, 400, 'VALIDATION_ERROR', 'invoice_description is required'],
      [{ amount: undefined }, 400, 'INVALID_AMOUNT'],
      [{ amount: '10000' }, 400, 'INVALID_AMOUNT'],
      [{ amount: 100.5 }, 400, 'INVALID_AMOUNT'],
      [{ amount: 0 }, 400, 'INVALID_AMOUNT'],
      [{ callback_url: undefined }, 400, 'VALIDATION_ERROR', 'callback_url is required'],
      [{ callback_url: 'ftp://x' }, 400, 'VALIDATION_ERROR', 'callback_url must be an http(s) URL'],
      [{ expiry_date: 'tomorrow' }, 400, 'VALIDATION_ERROR'],
    ];
    for (const [over, status, code, message] of cases) {
      const res = await qpay('POST', '/invoice', invoiceBody(over), token);
      expect([over, res.status, res.body.error_code]).toEqual([over, status, code]);
      expect(res.body.error).toBe(code);
      if (message) expect(res.body.message).toBe(message);
    }
  });

  it('returns a well-formed EMVCo qr_text and a real PNG without a data: prefix', async () => {
    const { access_token: token } = await login();
    const { body } = await qpay('POST', '/invoice', invoiceBody(), token);
    expect(emvCrc16('123456789')).toBe('29B1'); // the CRC-16/CCITT-FALSE check value
    const qr = body.qr_text as string;
    expect(qr.slice(-4)).toBe(emvCrc16(qr.slice(0, -4)));
    expect(qr).toContain('5303496'); // currency MNT
    expect(qr).toContain('540510000'); // amount 10000

    const png = Buffer.from(body.qr_image as string, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    let at = 8;
    const chunks: Record<string, Buffer> = {};
    while (at < png.length) {
      const length = png.readUInt32BE(at);
      const typed = png.subarray(at + 4, at + 8 + length);
      expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(typed));
      chunks[typed.subarray(0, 4).toString('ascii')] = typed.subarray(4);
      at += 12 + length;
    }
    expect(Object.keys(chunks)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([chunks.IHDR!.readUInt32BE(0), chunks.IHDR!.readUInt32BE(4)]).toEqual([21, 21]);
    expect(inflateSync(chunks.IDAT!).length).toBe(21 * 22);
  });

  it('answers GET with total_amount as a string and gross_amount as a number; another merchant cannot see it', async () => {
    const { access_token: token } = await login();
    const created = await qpay('POST', '/invoice', invoiceBody({ enable_expiry: true, expiry_date: '2031-01-01 08:00:00' }), token);
    const read = await qpay('GET', `/invoice/${created.body.invoice_id}`, undefined, token);
    expect(read.body).toMatchObject({
      invoice_id: created.body.invoice_id,
      invoice_status: 'OPEN',
      sender_invoice_no: 'cko0123456789abcdef0123456789abcdef',
      total_amount: '10000.00',
      gross_amount: 10_000,
      enable_expiry: true,
      // YYYY-MM-DD HH:mm:ss is read in Ulaanbaatar time (UTC+8)
      expiry_date: '2031-01-01T00:00:00.000Z',
      minimum_amount: null,
    });
    const other = await login('OTHER_MERCHANT');
    expect(await qpay('GET', `/invoice/${created.body.invoice_id}`, undefined, other.access_token)).toMatchObject({
      status: 422,
      body: { error_code: 'INVOICE_NOTFOUND' },
    });
  });

  it('after payment: rows and paid_amount, GET payment, refund and card cancel of a refunded payment', async () => {
    const { access_token: token } = await login();
    const { body } = await qpay('POST', '/invoice', invoiceBody(), token);
    const check = () =>
      qpay(
        'POST',
        '/payment/check',
        { object_type: 'INVOICE', object_id: body.invoice_id, offset: { page_number: 1, page_limit: 100 } },
        token,
      );
    expect((await check()).body).toEqual({ count: 0, rows: [] });

    await control('POST', `/__sandbox/complete/qpay/${body.invoice_id}`);
    const paid = (await check()).body;
    expect(paid).toMatchObject({ count: 1, paid_amount: 10_000 });
    const paymentId = paid.rows[0].payment_id as string;
    expect(await qpay('GET', `/payment/${paymentId}`, undefined, token)).toMatchObject({
      status: 200,
      body: {
        payment_id: paymentId,
        payment_status: 'PAID',
        payment_amount: '10000.00',
        object_type: 'INVOICE',
        object_id: body.invoice_id,
      },
    });

    expect(await qpay('DELETE', `/payment/refund/${paymentId}`, { note: 'refund' }, token)).toEqual({ status: 200, body: {} });
    const refunded = (await check()).body;
    expect(refunded).toMatchObject({ count: 1, rows: [{ payment_status: 'REFUNDED' }] });
    expect(refunded).not.toHaveProperty('paid_amount');
    expect((await qpay('DELETE', `/payment/cancel/${paymentId}`, {}, token)).body).toMatchObject({
      error_code: 'PAYMENT_ALREADY_CANCELED',
    });
    expect((await qpay('GET', '/payment/999', undefined, token)).status).toBe(422);
  });

  it('validates the payment check request', async () => {
    const { access_token: token } = await login();
    expect((await qpay('POST', '/payment/check', { object_type: 'ORDER', object_id: 'x' }, token)).body.error_code).toBe(
      'INVALID_OBJECT_TYPE',
    );
    expect((await qpay('POST', '/payment/check', { object_type: 'INVOICE' }, token)).body.error_code).toBe('VALIDATION_ERROR');
    const badPage = await qpay(
      'POST',
      '/payment/check',
      { object_type: 'INVOICE', object_id: 'x', offset: { page_number: 0, page_limit: 100 } },
      token,
    );
    expect(badPage.body.message).toBe('offset.page_number must be an integer in [1, 10000]');
  });

  it('injected failures use the QPay error body', async () => {
    const { access_token: token } = await login();
    await control('POST', '/__sandbox/config', { provider: 'qpay', failRate: 1, failStatus: 503 });
    expect(await qpay('POST', '/invoice', invoiceBody(), token)).toEqual({
      status: 503,
      body: { error: 'INTERNAL_ERROR', error_code: 'INTERNAL_ERROR', message: 'sandbox injected failure' },
    });
  });

  it('reset() forgets invoices and tokens', async () => {
    const { access_token: token } = await login();
    await qpay('POST', '/invoice', invoiceBody(), token);
    await control('POST', '/__sandbox/reset');
    expect((await qpay('POST', '/invoice', invoiceBody(), token)).status).toBe(401);
  });
});

describe('callback URL', () => {
  it.each([
    ['https://app.example/cb?session=cko1', 'https://app.example/cb?session=cko1&qpay_payment_id=77'],
    ['https://app.example/cb', 'https://app.example/cb?qpay_payment_id=77'],
    ['https://app.example/cb?', 'https://app.example/cb?qpay_payment_id=77'],
    ['https://app.example/cb?a=1%202&b=x#frag', 'https://app.example/cb?a=1%202&b=x&qpay_payment_id=77#frag'],
  ])('%s → %s', (given, expected) => {
    expect(callbackUrl(given, '77')).toBe(expected);
  });
});
