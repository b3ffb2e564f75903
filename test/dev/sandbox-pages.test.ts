import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatAmount } from '../../dev/sandbox/pages.ts';
import { type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import type { RecordedWebhook } from '../../dev/sandbox/webhooks.ts';
import { sandboxControl } from './sandbox-control.ts';

/**
 * The hosted pages of the PSP sandbox without a browser: every URL an emulator hands out for a person answers
 * 200 HTML with the amount in its currency and the buttons, and pressing a button (a form POST) changes the
 * provider's state and sends the same webhooks as POST /__sandbox/complete, then redirects as the provider would.
 */
let sandbox: Sandbox;
const control = sandboxControl(() => sandbox.url);
const SHOP = 'https://shop.example';

beforeAll(async () => {
  sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1' });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  await control('POST', '/__sandbox/reset');
  await control('POST', '/__sandbox/config', { webhooks: 'manual' });
});

async function api(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string> },
) {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(`${sandbox.url}${path}`, { method, headers, body });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function openPage(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), html: await res.text() };
}

/** Presses a button: the form POST a browser sends, without following the redirect. */
async function press(url: string, action: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action }).toString(),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

const buttons = (html: string) =>
  [...html.matchAll(/<button type="submit" name="action" value="([^"]+)"[^>]*>([^<]+)<\/button>/g)].map((m) => m[2]);
const amountOf = (html: string) => /<h1 class="amount">([^<]+)<\/h1>/.exec(html)?.[1];

async function webhookTypes(since: number): Promise<string[]> {
  const all = (await control('GET', '/__sandbox/webhooks')).body as RecordedWebhook[];
  return all.slice(since).map((w) => `${w.provider}:${w.type}`);
}
const webhookCount = async () => ((await control('GET', '/__sandbox/webhooks')).body as RecordedWebhook[]).length;

// ————— how each provider's object is made through its API, as the app makes it —————

const STRIPE = { authorization: 'Bearer sk_test_pages' };
function stripeLines(name = 'GA ticket') {
  return {
    'line_items[0][price_data][currency]': 'usd',
    'line_items[0][price_data][unit_amount]': '4999',
    'line_items[0][price_data][product_data][name]': name,
    'line_items[0][quantity]': '1',
  };
}
async function stripeSession(name?: string) {
  return api('POST', '/stripe/v1/checkout/sessions', {
    headers: STRIPE,
    form: {
      mode: 'payment',
      success_url: `${SHOP}/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${SHOP}/cancel`,
      ...stripeLines(name),
    },
  });
}
const stripeRead = (path: string) => api('GET', `/stripe/v1/${path}`, { headers: STRIPE });

async function paypalToken() {
  const basic = Buffer.from('pages-client:pages-secret').toString('base64');
  const grant = await api('POST', '/paypal/v1/oauth2/token', {
    headers: { authorization: `Basic ${basic}` },
    form: { grant_type: 'client_credentials' },
  });
  return { authorization: `Bearer ${grant.access_token}` };
}
async function paypalOrder(headers: Record<string, string>) {
  return api('POST', '/paypal/v2/checkout/orders', {
    headers,
    json: {
      intent: 'CAPTURE',
      purchase_units: [{ reference_id: 'cko1', description: 'Concert ticket', amount: { currency_code: 'EUR', value: '12.50' } }],
      payment_source: {
        paypal: {
          experience_context: { return_url: `${SHOP}/paypal/return`, cancel_url: `${SHOP}/paypal/cancel`, user_action: 'PAY_NOW' },
        },
      },
    },
  });
}

async function tilopayOrder(orderNumber: string) {
  const login = await api('POST', '/tilopay/login', { json: { apiuser: 'tilopay_user', password: 'tilopay_password' } });
  return api('POST', '/tilopay/processPayment', {
    headers: { authorization: `bearer ${login.access_token}` },
    json: {
      key: '0000-0000-0000-0000-0000',
      redirect: `${SHOP}/tilopay/return`,
      amount: '15000.00',
      currency: 'CRC',
      orderNumber,
      capture: '1',
      subscription: '0',
      billToEmail: 'payer@example.com',
    },
  });
}

async function qpayInvoice(headers?: Record<string, string>) {
  const auth = headers ?? {
    authorization: `Bearer ${
      (
        await api('POST', '/qpay/v2/auth/token', {
          headers: { authorization: `Basic ${Buffer.from('TEST_MERCHANT:secret').toString('base64')}` },
        })
      ).access_token
    }`,
  };
  const invoice = await api('POST', '/qpay/v2/invoice', {
    headers: auth,
    json: {
      invoice_code: 'TEST_INVOICE',
      sender_invoice_no: 'INV-7',
      invoice_receiver_code: 'terminal',
      invoice_description: 'Ulaanbaatar concert',
      amount: 150000,
      callback_url: `${SHOP}/qpay/callback`,
    },
  });
  return { invoice, auth };
}

describe('formatAmount', () => {
  it('formats minor units with the currency’s own decimals and major units as they are', () => {
    expect(formatAmount({ value: 4999, currency: 'usd', unit: 'minor' })).toBe('$49.99');
    expect(formatAmount({ value: 5000, currency: 'JPY', unit: 'minor' })).toBe('¥5,000');
    expect(formatAmount({ value: 12.5, currency: 'EUR', unit: 'major' })).toBe('€12.50');
    // Codes without a symbol get the code and a no-break space; what Intl cannot read falls back to "amount CODE".
    expect(formatAmount({ value: 1500000, currency: 'CRC', unit: 'minor' })).toBe('CRC\u00a015,000.00');
    expect(formatAmount({ value: 1, currency: 'xx', unit: 'minor' })).toBe('0.01 XX');
  });
});

describe('Stripe Checkout (checkout_url)', () => {
  it('shows the amount, the line and Pay / Decline / Cancel, escaping what the merchant sent', async () => {
    const session = await stripeSession('<script>alert(1)</script> & "GA"');
    const page = await openPage(session.url);
    expect([page.status, page.type]).toEqual([200, 'text/html; charset=utf-8']);
    expect(amountOf(page.html)).toBe('$49.99');
    expect(buttons(page.html)).toEqual(['Pay', 'Decline', 'Cancel']);
    expect(page.html).toContain('1 × &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;GA&quot;');
    expect(page.html).not.toContain('<script>');
  });

  it('Pay completes the session exactly as /__sandbox/complete does, then goes to success_url with the session id', async () => {
    const viaEndpoint = await stripeSession();
    const viaPage = await stripeSession();
    let mark = await webhookCount();
    expect((await control('POST', `/__sandbox/complete/stripe/${viaEndpoint.id}`)).status).toBe(200);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(viaPage.url, 'pay');
    expect(pressed.status).toBe(303);
    expect(pressed.location).toBe(`${SHOP}/success?session_id=${viaPage.id}`);
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    expect(endpointEvents).toContain('stripe:checkout.session.completed');
    const [a, b] = [await stripeRead(`checkout/sessions/${viaEndpoint.id}`), await stripeRead(`checkout/sessions/${viaPage.id}`)];
    expect([b.status, b.payment_status]).toEqual([a.status, a.payment_status]);
    expect([b.status, b.payment_status]).toEqual(['complete', 'paid']);
    // Paid: the page now only informs.
    expect(buttons((await openPage(viaPage.url)).html)).toEqual([]);
  });

  it('Decline leaves the session open on the page; Cancel goes to cancel_url; neither sends anything', async () => {
    const session = await stripeSession();
    const mark = await webhookCount();
    const declined = await press(session.url, 'decline');
    expect(declined.status).toBe(200);
    expect(declined.html).toContain('Your card was declined');
    expect(buttons(declined.html)).toEqual(['Pay', 'Decline', 'Cancel']);
    expect(await press(session.url, 'cancel')).toMatchObject({ status: 303, location: `${SHOP}/cancel` });
    expect(await webhookTypes(mark)).toEqual([]);
    expect((await stripeRead(`checkout/sessions/${session.id}`)).status).toBe('open');
  });

  it('refuses a button the page does not offer, and answers an unknown session with a 404 page', async () => {
    const session = await stripeSession();
    expect((await press(session.url, 'approve')).status).toBe(400);
    expect((await stripeRead(`checkout/sessions/${session.id}`)).status).toBe('open');
    const missing = await openPage(`${sandbox.url}/stripe/checkout/cs_test_nope`);
    expect([missing.status, missing.type]).toEqual([404, 'text/html; charset=utf-8']);
  });
});

describe('Stripe payment link', () => {
  it('Pay pays the link as /__sandbox/complete does and redirects to after_completion with the new session id', async () => {
    const link = await api('POST', '/stripe/v1/payment_links', {
      headers: STRIPE,
      form: {
        ...stripeLines('Recovery'),
        'after_completion[type]': 'redirect',
        'after_completion[redirect][url]': `${SHOP}/thanks?cs={CHECKOUT_SESSION_ID}`,
      },
    });
    const page = await openPage(link.url);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, '$49.99', ['Pay', 'Decline', 'Cancel']]);
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/stripe/${link.id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(link.url, 'pay');
    expect(pressed.status).toBe(303);
    const sessionId = new URL(pressed.location as string).searchParams.get('cs') as string;
    expect(sessionId).toMatch(/^cs_test_/);
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    expect(await stripeRead(`checkout/sessions/${sessionId}`)).toMatchObject({ payment_link: link.id, payment_status: 'paid' });
  });
});

describe('Stripe 3-D Secure (next_action.redirect_to_url)', () => {
  const requiresAction = () =>
    api('POST', '/stripe/v1/payment_intents', {
      headers: STRIPE,
      form: {
        amount: '11845',
        currency: 'usd',
        payment_method: 'pm_card_authenticationRequired',
        confirm: 'true',
        return_url: `${SHOP}/3ds-return`,
        description: 'Tickets for Show',
      },
    });

  it('Complete authentication charges the intent as /__sandbox/complete does and returns to return_url', async () => {
    const viaEndpoint = await requiresAction();
    const intent = await requiresAction();
    const url = intent.next_action.redirect_to_url.url as string;
    const page = await openPage(url);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([
      200,
      '$118.45',
      ['Complete authentication', 'Fail authentication'],
    ]);
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/stripe/${viaEndpoint.id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(url, 'complete');
    expect(pressed.status).toBe(303);
    const back = new URL(pressed.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${SHOP}/3ds-return`);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      payment_intent: intent.id,
      payment_intent_client_secret: intent.client_secret,
      redirect_status: 'succeeded',
    });
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    expect(endpointEvents).toContain('stripe:payment_intent.succeeded');
    expect((await stripeRead(`payment_intents/${intent.id}`)).status).toBe('succeeded');
  });

  it('Fail authentication fails the intent (payment_intent_authentication_failure) and returns with redirect_status=failed', async () => {
    const intent = await requiresAction();
    const mark = await webhookCount();
    const pressed = await press(intent.next_action.redirect_to_url.url, 'fail');
    expect(new URL(pressed.location as string).searchParams.get('redirect_status')).toBe('failed');
    expect(await webhookTypes(mark)).toEqual(['stripe:payment_intent.payment_failed']);
    const after = await stripeRead(`payment_intents/${intent.id}`);
    expect([after.status, after.last_payment_error.code]).toEqual(['requires_payment_method', 'payment_intent_authentication_failure']);
  });
});

describe('Adyen hosted checkout (url of a hosted session)', () => {
  const session = () =>
    api('POST', '/adyen/v71/sessions', {
      headers: { 'x-api-key': 'AQE_pages' },
      json: {
        merchantAccount: 'EdgepayECOM',
        amount: { value: 4999, currency: 'EUR' },
        reference: 'cko-adyen',
        returnUrl: `${SHOP}/adyen/return`,
        mode: 'hosted',
      },
    });

  it('Pay authorises as /__sandbox/complete does and returns with sessionId and sessionResult', async () => {
    const viaEndpoint = await session();
    const s = await session();
    const page = await openPage(s.url);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, '€49.99', ['Pay', 'Decline', 'Cancel']]);
    expect(page.html).toContain('EdgepayECOM');
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/adyen/${viaEndpoint.id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(s.url, 'pay');
    const back = new URL(pressed.location as string);
    expect([pressed.status, `${back.origin}${back.pathname}`, back.searchParams.get('sessionId')]).toEqual([
      303,
      `${SHOP}/adyen/return`,
      s.id,
    ]);
    expect(back.searchParams.get('sessionResult')).toBeTruthy();
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    const result = await api('GET', `/adyen/v71/sessions/${s.id}?sessionResult=x`, { headers: { 'x-api-key': 'AQE_pages' } });
    expect(result.status).toBe('completed');
  });

  it('Decline sends a refused AUTHORISATION and stays on the page', async () => {
    const s = await session();
    const mark = await webhookCount();
    const declined = await press(s.url, 'decline');
    expect([declined.status, buttons(declined.html)]).toEqual([200, ['Pay', 'Decline', 'Cancel']]);
    const [hook] = ((await control('GET', '/__sandbox/webhooks')).body as RecordedWebhook[]).slice(mark);
    expect(JSON.parse(hook?.body ?? '{}').notificationItems[0].NotificationRequestItem).toMatchObject({
      eventCode: 'AUTHORISATION',
      success: 'false',
    });
  });
});

describe('Square payment link', () => {
  const link = async () =>
    (
      await api('POST', '/square/v2/online-checkout/payment-links', {
        headers: { authorization: 'Bearer EAAA-pages' },
        json: {
          idempotency_key: crypto.randomUUID(),
          quick_pay: { name: 'Festival pass', price_money: { amount: 2500, currency: 'USD' }, location_id: 'LSBX0EDGEPAY1' },
          checkout_options: { redirect_url: `${SHOP}/square/return` },
        },
      })
    ).payment_link;

  it('Pay completes a payment as /__sandbox/complete does and redirects to redirect_url', async () => {
    const viaEndpoint = await link();
    const l = await link();
    const page = await openPage(l.url);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, '$25.00', ['Pay', 'Decline', 'Cancel']]);
    expect(page.html).toContain('Festival pass');
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/square/${viaEndpoint.id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(l.long_url, 'pay');
    const back = new URL(pressed.location as string);
    expect([pressed.status, `${back.origin}${back.pathname}`, back.searchParams.get('orderId')]).toEqual([
      303,
      `${SHOP}/square/return`,
      l.order_id,
    ]);
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    expect(endpointEvents).toEqual(['square:payment.created', 'square:payment.updated']);
  });
});

describe('MercadoPago Checkout Pro (init_point, sandbox_init_point)', () => {
  const preference = () =>
    api('POST', '/mercadopago/checkout/preferences', {
      headers: { authorization: 'Bearer APP_USR-pages' },
      json: {
        items: [{ title: 'Ingresso', quantity: 2, unit_price: 75.5, currency_id: 'BRL' }],
        back_urls: { success: `${SHOP}/mp/success`, pending: `${SHOP}/mp/pending`, failure: `${SHOP}/mp/failure` },
        external_reference: 'cko-mp',
      },
    });

  it('Pay approves as /__sandbox/complete does and returns to back_urls.success with the payment', async () => {
    const viaEndpoint = await preference();
    const pref = await preference();
    for (const url of [pref.init_point, pref.sandbox_init_point]) {
      const page = await openPage(url);
      expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, 'R$151.00', ['Pay', 'Decline', 'Cancel']]);
    }
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/mercadopago/${viaEndpoint.id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(pref.sandbox_init_point, 'pay');
    const back = new URL(pressed.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${SHOP}/mp/success`);
    expect(back.searchParams.get('status')).toBe('approved');
    expect(back.searchParams.get('external_reference')).toBe('cko-mp');
    expect(back.searchParams.get('preference_id')).toBe(pref.id);
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    const payment = await api('GET', `/mercadopago/v1/payments/${back.searchParams.get('payment_id')}`, {
      headers: { authorization: 'Bearer APP_USR-pages' },
    });
    expect(payment.status).toBe('approved');
  });

  it('Decline makes a rejected payment and returns to back_urls.failure; Cancel returns there with status null', async () => {
    const pref = await preference();
    const cancelled = new URL((await press(pref.init_point, 'cancel')).location as string);
    expect([cancelled.pathname, cancelled.searchParams.get('status')]).toEqual(['/mp/failure', 'null']);
    const declined = new URL((await press(pref.init_point, 'decline')).location as string);
    expect([declined.pathname, declined.searchParams.get('status')]).toEqual(['/mp/failure', 'rejected']);
  });
});

describe('PayPal approval (the order’s payer-action link)', () => {
  it('shows Approve / Cancel; Approve approves as /__sandbox/complete does and returns with token and PayerID', async () => {
    const headers = await paypalToken();
    const viaEndpoint = await paypalOrder(headers);
    const order = await paypalOrder(headers);
    const url = order.links.find((l: { rel: string }) => l.rel === 'payer-action').href as string;
    const page = await openPage(url);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, '€12.50', ['Approve', 'Cancel']]);
    expect(page.html).toContain('Concert ticket');
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/paypal/${viaEndpoint.id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(url, 'approve');
    const back = new URL(pressed.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${SHOP}/paypal/return`);
    expect(back.searchParams.get('token')).toBe(order.id);
    const read = await api('GET', `/paypal/v2/checkout/orders/${order.id}`, { headers });
    expect(read.status).toBe('APPROVED');
    expect(back.searchParams.get('PayerID')).toBe(read.payer.payer_id);
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    expect(endpointEvents).toEqual(['paypal:CHECKOUT.ORDER.APPROVED']);
  });

  it('Cancel returns to cancel_url with the token and leaves the order unapproved', async () => {
    const headers = await paypalToken();
    const order = await paypalOrder(headers);
    const url = order.links.find((l: { rel: string }) => l.rel === 'payer-action').href as string;
    const pressed = await press(url, 'cancel');
    expect(pressed.location).toBe(`${SHOP}/paypal/cancel?token=${order.id}`);
    expect((await api('GET', `/paypal/v2/checkout/orders/${order.id}`, { headers })).status).toBe('PAYER_ACTION_REQUIRED');
  });
});

describe('Tilopay hosted payment (processPayment url)', () => {
  it('Pay sends the browser to the redirect /__sandbox/complete calls, with the result and OrderHash', async () => {
    await tilopayOrder('ord-endpoint');
    const { url } = await tilopayOrder('ord-page');
    const page = await openPage(url);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, 'CRC\u00a015,000.00', ['Pay', 'Decline', 'Cancel']]);
    let mark = await webhookCount();
    await control('POST', '/__sandbox/complete/tilopay/ord-endpoint');
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(url, 'pay');
    expect(pressed.status).toBe(303);
    const back = new URL(pressed.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${SHOP}/tilopay/return`);
    expect([back.searchParams.get('code'), back.searchParams.get('order')]).toEqual(['1', 'ord-page']);
    expect(back.searchParams.get('OrderHash')).toMatch(/^[0-9a-f]{64}$/);
    const recorded = ((await control('GET', '/__sandbox/webhooks')).body as RecordedWebhook[]).slice(mark);
    expect(recorded.map((w) => `${w.provider}:${w.type}`)).toEqual(endpointEvents);
    // The browser carries it: recorded as sent to the same URL, not called by the sandbox.
    expect(recorded[0]?.url).toBe(pressed.location);
  });

  it('Decline and Cancel return with Tilopay’s declined and cancelled codes', async () => {
    const declined = await tilopayOrder('ord-declined');
    expect(new URL((await press(declined.url, 'decline')).location as string).searchParams.get('code')).toBe('2');
    const cancelled = await tilopayOrder('ord-cancelled');
    expect(new URL((await press(cancelled.url, 'cancel')).location as string).searchParams.get('code')).toBe('8');
  });
});

describe('QPay invoice (qPay_shortUrl)', () => {
  it('Pay pays the invoice as /__sandbox/complete does (callback to the merchant) and says so', async () => {
    const { invoice: viaEndpoint, auth } = await qpayInvoice();
    const { invoice } = await qpayInvoice(auth);
    const page = await openPage(invoice.qPay_shortUrl);
    expect([page.status, amountOf(page.html), buttons(page.html)]).toEqual([200, 'MNT\u00a0150,000.00', ['Pay', 'Decline', 'Cancel']]);
    expect(page.html).toContain('Ulaanbaatar concert');
    let mark = await webhookCount();
    await control('POST', `/__sandbox/complete/qpay/${viaEndpoint.invoice_id}`);
    const endpointEvents = await webhookTypes(mark);
    mark = await webhookCount();
    const pressed = await press(invoice.qPay_shortUrl, 'pay');
    expect([pressed.status, pressed.location]).toEqual([200, null]);
    expect(pressed.html).toContain('Paid.');
    expect(await webhookTypes(mark)).toEqual(endpointEvents);
    expect(endpointEvents).toEqual(['qpay:callback']);
    const read = await api('GET', `/qpay/v2/invoice/${invoice.invoice_id}`, { headers: auth });
    expect(read.invoice_status).toBe('CLOSED');
  });
});

describe('inspection endpoints', () => {
  it('do not record page views as provider requests', async () => {
    const session = await stripeSession();
    const before = (await control('GET', '/__sandbox/requests')).body.length;
    await openPage(session.url);
    await press(session.url, 'decline');
    expect((await control('GET', '/__sandbox/requests')).body.length).toBe(before);
  });
});
