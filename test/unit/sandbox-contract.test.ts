import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ContractRequest, createContractValidator } from '../../dev/sandbox/contract.ts';
import { type RecordedRequest, type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import type { SandboxProvider } from '../../dev/sandbox/types.ts';
import { sandboxControl } from '../dev/sandbox-control.ts';

/** The sandbox's OpenAPI contract validator against the four official extracts, directly and through a running sandbox. */
const validator = createContractValidator();
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

function req(provider: string, method: string, path: string, over: Partial<ContractRequest> = {}): ContractRequest {
  return { provider, method, path, query: {}, headers: {}, rawBody: '', ...over };
}
const json = (provider: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  validator.validate(req(provider, method, path, { rawBody: JSON.stringify(body), contentType: JSON_TYPE, headers }));
const form = (method: string, path: string, body: string) =>
  validator.validate(req('stripe', method, path, { rawBody: body, contentType: `${FORM}; charset=utf-8` }));

const STRIPE_SESSION = [
  'mode=payment',
  `success_url=${encodeURIComponent('https://app.example/ok?s={CHECKOUT_SESSION_ID}')}`,
  'line_items[0][price_data][currency]=usd',
  'line_items[0][price_data][unit_amount]=2000',
  'line_items[0][price_data][product_data][name]=Ticket',
  'line_items[0][quantity]=2',
  'line_items[1][price]=price_123',
  'line_items[1][quantity]=1',
  'payment_method_types[0]=card',
  'metadata[session_id]=cko0123456789abcdef0123456789abcdef',
  'automatic_tax[enabled]=false',
  'expires_at=1893456000',
].join('&');

describe('Stripe (form bodies, OpenAPI 3.0)', () => {
  it('a checkout session with nested objects, arrays and numbers in bracket notation is valid', () => {
    expect(form('POST', '/v1/checkout/sessions', STRIPE_SESSION)).toEqual({ operation: 'POST /v1/checkout/sessions', errors: [] });
  });

  it('decodes arrays and nested objects before validating, and coerces only what parses', () => {
    const res = form(
      'POST',
      '/v1/checkout/sessions',
      STRIPE_SESSION.replace('line_items[0][quantity]=2', 'line_items[0][quantity]=two').replace(
        'automatic_tax[enabled]=false',
        'automatic_tax[enabled]=maybe',
      ),
    );
    expect(res.errors).toEqual(['body/automatic_tax/enabled: must be boolean', 'body/line_items/0/quantity: must be integer']);
    // line_items given as an object instead of an indexed array
    expect(form('POST', '/v1/checkout/sessions', 'success_url=https%3A%2F%2Fx.example&line_items[price]=p_1').errors).toContain(
      'body/line_items: must be array',
    );
  });

  it('reports a missing required field, a bad enum and an unknown parameter', () => {
    const res = form('POST', '/v1/checkout/sessions', 'mode=bogus&line_items[0][price]=p&colour=red');
    expect(res.operation).toBe('POST /v1/checkout/sessions');
    expect(res.errors).toEqual([
      'body: missing required property "success_url"',
      'body: unknown property "colour"',
      'body/mode: must be equal to one of the allowed values ("payment", "setup", "subscription")',
    ]);
  });

  it('matches path templates and validates query parameters in bracket notation', () => {
    expect(
      validator.validate(req('stripe', 'GET', '/v1/checkout/sessions/cs_test_a1B2', { query: { 'expand[0]': 'line_items' } })),
    ).toEqual({
      operation: 'GET /v1/checkout/sessions/{session}',
      errors: [],
    });
    expect(form('POST', '/v1/checkout/sessions/cs_test_a1B2/expire', '')).toEqual({
      operation: 'POST /v1/checkout/sessions/{session}/expire',
      errors: [],
    });
    expect(validator.validate(req('stripe', 'GET', '/v1/refunds/re_1', { query: { 'expand[0]': ['a', 'b'] } })).operation).toBe(
      'GET /v1/refunds/{refund}',
    );
  });

  it('refuses a JSON body where Stripe takes a form', () => {
    expect(json('stripe', 'POST', '/v1/refunds', { payment_intent: 'pi_1' }).errors).toEqual([
      `body: content-type "${JSON_TYPE}" is not one the operation accepts (${FORM})`,
    ]);
  });
});

describe('Adyen Checkout v71 (JSON, OpenAPI 3.1)', () => {
  const session = {
    merchantAccount: 'EdgepayECOM',
    amount: { value: 1050, currency: 'EUR' },
    reference: 'cko1',
    returnUrl: 'https://app.example/r',
  };

  it('strips the version prefix: /v71/sessions is the extract’s POST /sessions', () => {
    expect(json('adyen', 'POST', '/v71/sessions', session, { 'idempotency-key': 'k-1' })).toEqual({
      operation: 'POST /sessions',
      errors: [],
    });
    expect(json('adyen', 'POST', '/v72/sessions', session).operation).toBe('POST /sessions');
  });

  it('reports a missing required field and a wrong type', () => {
    const { merchantAccount: _, ...noMerchant } = session;
    expect(json('adyen', 'POST', '/v71/sessions', { ...noMerchant, amount: { value: '1050', currency: 'EUR' } }).errors).toEqual([
      'body: missing required property "merchantAccount"',
      'body/amount/value: must be integer',
    ]);
  });

  it('requires the sessionResult query parameter on GET /sessions/{sessionId}', () => {
    expect(validator.validate(req('adyen', 'GET', '/v71/sessions/CS1234'))).toEqual({
      operation: 'GET /sessions/{sessionId}',
      errors: ['query parameter "sessionResult": required but missing'],
    });
    expect(validator.validate(req('adyen', 'GET', '/v71/sessions/CS1234', { query: { sessionResult: 'Ab02' } })).errors).toEqual([]);
  });

  it('validates refunds under a templated payment reference', () => {
    const path = '/v71/payments/QFQTPCQ8HXSKGK82/refunds';
    expect(json('adyen', 'POST', path, { merchantAccount: 'M', amount: { value: 500, currency: 'EUR' }, reference: 'r1' })).toEqual({
      operation: 'POST /payments/{paymentPspReference}/refunds',
      errors: [],
    });
    expect(json('adyen', 'POST', path, { merchantAccount: 'M' }).errors).toEqual(['body: missing required property "amount"']);
  });
});

describe('Square (JSON, OpenAPI 3.0 with nullable)', () => {
  const link = { idempotency_key: 'k-1', quick_pay: { name: 'Ticket', price_money: { amount: 1050, currency: 'USD' }, location_id: 'L1' } };

  it('a quick-pay payment link is valid; null where the spec says nullable is accepted', () => {
    expect(json('square', 'POST', '/v2/online-checkout/payment-links', link)).toEqual({
      operation: 'POST /v2/online-checkout/payment-links',
      errors: [],
    });
    const nulls = { ...link, checkout_options: { redirect_url: null, app_fee_money: null } };
    expect(json('square', 'POST', '/v2/online-checkout/payment-links', nulls).errors).toEqual([]);
    expect(
      json('square', 'POST', '/v2/refunds', { idempotency_key: 'r-1', amount_money: { amount: 5, currency: 'USD' }, reason: null }).errors,
    ).toEqual([]);
    // null only where the spec allows it
    expect(json('square', 'POST', '/v2/online-checkout/payment-links', { ...link, description: null }).errors).toEqual([
      'body/description: must be string',
    ]);
  });

  it('reports a wrong type, a missing required nested field and a bad enum', () => {
    const res = json('square', 'POST', '/v2/online-checkout/payment-links', {
      idempotency_key: 5,
      quick_pay: { name: 'Ticket', price_money: { amount: 1050, currency: 'DOLLARS' } },
    });
    expect(res.errors).toContain('body/idempotency_key: must be string');
    expect(res.errors).toContain('body/quick_pay: missing required property "location_id"');
    expect(res.errors.some((e) => e.startsWith('body/quick_pay/price_money/currency: must be equal to one of the allowed values'))).toBe(
      true,
    );
  });

  it('an endpoint the extract does not hold (CreatePayment) has no operation and no errors', () => {
    expect(json('square', 'POST', '/v2/payments', { anything: true })).toEqual({ operation: null, errors: [] });
    expect(json('square', 'GET', '/v2/online-checkout/payment-links', {})).toEqual({ operation: null, errors: [] });
  });

  it('reports a body that is not JSON', () => {
    const res = validator.validate(req('square', 'POST', '/v2/refunds', { rawBody: '{"idempotency_key":', contentType: JSON_TYPE }));
    expect(res).toEqual({ operation: 'POST /v2/refunds', errors: ['body: not valid JSON'] });
  });
});

describe('PayPal Orders v2 (JSON, OpenAPI 3.0.3)', () => {
  const order = { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value: '10.50' }, custom_id: 'cko1' }] };

  it('an order is valid; header parameters are matched case-insensitively and checked', () => {
    expect(json('paypal', 'POST', '/v2/checkout/orders', order, { 'PayPal-Request-Id': 'req-1' })).toEqual({
      operation: 'POST /v2/checkout/orders',
      errors: [],
    });
    expect(json('paypal', 'POST', '/v2/checkout/orders', order, { 'paypal-request-id': 'x'.repeat(109) }).errors).toEqual([
      'header parameter "PayPal-Request-Id": must NOT have more than 108 characters',
    ]);
  });

  it('reports a bad enum, a number where the spec wants a decimal string, and a missing required field', () => {
    const res = json('paypal', 'POST', '/v2/checkout/orders', {
      intent: 'BUY',
      purchase_units: [{ amount: { currency_code: 'USD', value: 10.5 } }],
    });
    expect(res.errors).toEqual([
      'body/intent: must be equal to one of the allowed values ("CAPTURE", "AUTHORIZE")',
      'body/purchase_units/0/amount/value: must be string',
    ]);
    expect(json('paypal', 'POST', '/v2/checkout/orders', { intent: 'CAPTURE' }).errors).toEqual([
      'body: missing required property "purchase_units"',
    ]);
  });

  it('checks path parameters against their schema: order ids are upper-case alphanumerics', () => {
    expect(validator.validate(req('paypal', 'POST', '/v2/checkout/orders/5O190127TN364715T/capture', { contentType: JSON_TYPE }))).toEqual({
      operation: 'POST /v2/checkout/orders/{id}/capture',
      errors: [],
    });
    expect(validator.validate(req('paypal', 'GET', '/v2/checkout/orders/not-an-id')).errors).toEqual([
      'path parameter "id": must match pattern "^[A-Z0-9]+$"',
    ]);
  });
});

it('providers without an extract are not covered and never checked', () => {
  expect(validator.covers('qpay')).toBe(false);
  expect(validator.covers('stripe')).toBe(true);
  expect(json('qpay', 'POST', '/v2/invoice', { nonsense: true })).toEqual({ operation: null, errors: [] });
});

describe('through a running sandbox', () => {
  const ok = (name: string): SandboxProvider => ({ name, handle: async () => ({ status: 200, body: { ok: true } }) });
  let sandbox: Sandbox;
  const control = sandboxControl(() => sandbox.url);

  beforeEach(async () => {
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [ok('stripe'), ok('paypal'), ok('qpay')] });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  const send = (path: string, body: string, contentType: string) =>
    fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('records contract results and lists only the violating requests at /__sandbox/contract-violations', async () => {
    await send('/stripe/v1/checkout/sessions', STRIPE_SESSION, FORM);
    await send('/stripe/v1/checkout/sessions', 'mode=bogus', FORM);
    await send('/paypal/v2/checkout/orders', JSON.stringify({ intent: 'CAPTURE' }), JSON_TYPE);
    await send('/qpay/v2/invoice', JSON.stringify({ amount: 1 }), JSON_TYPE);

    const all = (await control('GET', '/__sandbox/requests')).body as RecordedRequest[];
    expect(all.map((r) => [r.provider, r.contract?.operation ?? null, r.contract?.errors.length ?? null])).toEqual([
      ['stripe', 'POST /v1/checkout/sessions', 0],
      ['stripe', 'POST /v1/checkout/sessions', 2],
      ['paypal', 'POST /v2/checkout/orders', 1],
      ['qpay', null, null],
    ]);
    expect(all[0]?.rawBody).toBe(STRIPE_SESSION);
    expect(all[3]).not.toHaveProperty('contract');

    const violations = (await control('GET', '/__sandbox/contract-violations')).body as RecordedRequest[];
    expect(violations.map((r) => [r.provider, r.rawBody, r.contract])).toEqual([
      [
        'stripe',
        'mode=bogus',
        {
          operation: 'POST /v1/checkout/sessions',
          errors: [
            'body: missing required property "success_url"',
            'body/mode: must be equal to one of the allowed values ("payment", "setup", "subscription")',
          ],
        },
      ],
      [
        'paypal',
        '{"intent":"CAPTURE"}',
        { operation: 'POST /v2/checkout/orders', errors: ['body: missing required property "purchase_units"'] },
      ],
    ]);
  });

  it('checks requests that an injected failure answered, and forgets them on reset', async () => {
    await control('POST', '/__sandbox/config', { provider: 'stripe', failRate: 1, failStatus: 503 });
    const res = await send('/stripe/v1/checkout/sessions', 'mode=bogus', FORM);
    expect(res.status).toBe(503);
    expect((await control('GET', '/__sandbox/contract-violations')).body).toHaveLength(1);
    await control('POST', '/__sandbox/reset');
    expect((await control('GET', '/__sandbox/contract-violations')).body).toEqual([]);
  });
});
