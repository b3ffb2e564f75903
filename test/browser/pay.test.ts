import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, CHROMIUM_PATH, chromiumPresent, launchChromium, screenshot } from './chromium.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';

/**
 * A person pays in a real browser: Chromium opens the URLs our API hands out (the PSP sandbox's hosted pages),
 * clicks the provider's button and follows its redirect, against the local stack over HTTP — so the sandbox's
 * webhooks reach the app and our state moves as it would in production. Checkout sessions return to our own
 * return page (no success_url given); the ticket payment returns to a stand-in merchant site on 127.0.0.1.
 * (Chromium routes a redirect's target past Playwright's request interception, and checkout success URLs must
 * be https, so the merchant's https pages cannot be answered inside the browser.)
 */
if (!chromiumPresent) {
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! SKIPPING the browser tests: no Chromium at ${CHROMIUM_PATH}.\n` +
      '!! Install it (as root: apt-get install -y chromium) or set CHROMIUM_PATH; .ci/run installs it.\n' +
      `${line}\n`,
  );
}

const tenant = `browser-${randomUUID().slice(0, 8)}`;
let stack: LocalStack;
let browser: Browser;
let shop: http.Server;
let shopUrl: string;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `read` until `done` holds (the provider's webhook is asynchronous), then returns the last value. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function headers(sub: string, role: 'user' | 'merchant' | 'admin', extra: Record<string, string> = {}) {
  return {
    authorization: `Bearer ${await stack.sign({ sub, tenant, role })}`,
    'content-type': 'application/json',
    ...extra,
  };
}

async function api(method: string, path: string, h: Record<string, string>, body?: unknown) {
  const res = await fetch(`${stack.baseUrl}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

/** The merchant's site the payer returns to: one small page for any path. */
async function startShop(): Promise<void> {
  shop = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Merchant</title><h1>Back at the merchant</h1>');
  });
  await new Promise<void>((resolve, reject) => {
    shop.once('error', reject);
    shop.listen(0, '127.0.0.1', resolve);
  });
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
}

const usd = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);

describe.skipIf(!chromiumPresent)('a person pays in a browser', () => {
  beforeAll(async () => {
    await startShop();
    stack = await startLocalStack();
    try {
      browser = await launchChromium();
    } catch (err) {
      await stack.stop();
      throw err;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    shop?.closeAllConnections();
    await new Promise((resolve) => (shop ? shop.close(resolve) : resolve(undefined)));
  });

  async function createSession(psp: string, pspConfig: Record<string, unknown>, amount: number) {
    const res = await api('POST', '/v1/checkout-sessions', await headers('merchant-1', 'merchant', { 'idempotency-key': randomUUID() }), {
      amount,
      description: `Browser test (${psp})`,
      psp_config: { psp, currency: 'USD', ...pspConfig },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { session_id: string; checkout_url: string; provider_session_id: string; status: string };
  }

  const readSession = async (id: string) =>
    (await api('GET', `/v1/checkout-sessions/${id}`, await headers('merchant-1', 'merchant'))).body as { status: string };

  it('Stripe Checkout: Pay lands on success_url (our return page), and our session succeeds', async () => {
    const session = await createSession('stripe', { psp_merchant_id: 'acct_browser' }, 4999);
    const page = await browser.newPage();
    expect((await page.goto(session.checkout_url))?.status()).toBe(200);
    await expect(page.locator('h1.amount').textContent()).resolves.toBe('$49.99');
    await screenshot(page, 'stripe-checkout');
    await Promise.all([
      page.waitForURL(`${stack.baseUrl}/v1/checkout/return**`),
      page.getByRole('button', { name: 'Pay', exact: true }).click(),
    ]);
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ session: session.session_id, result: 'success' });
    expect(JSON.parse((await page.locator('body').textContent()) ?? '{}')).toEqual({ session_id: session.session_id, result: 'success' });
    await screenshot(page, 'stripe-success');
    await page.close();
    const after = await eventually(
      () => readSession(session.session_id),
      (s) => s.status === 'succeeded',
      'the Stripe session',
    );
    expect(after).toMatchObject({ status: 'succeeded', amount_paid: 4999 });
  });

  it('PayPal: Approve returns to our return page with token and PayerID, and our session succeeds once we capture', async () => {
    const session = await createSession('paypal', { psp_merchant_id: 'MERCHANT1234A' }, 2500);
    const page = await browser.newPage();
    expect((await page.goto(session.checkout_url))?.status()).toBe(200);
    await expect(page.locator('h1.amount').textContent()).resolves.toBe('$25.00');
    await screenshot(page, 'paypal-approval');
    await Promise.all([
      page.waitForURL(`${stack.baseUrl}/v1/checkout/return**`),
      page.getByRole('button', { name: 'Approve', exact: true }).click(),
    ]);
    const back = new URL(page.url());
    expect(Object.fromEntries(back.searchParams)).toMatchObject({
      session: session.session_id,
      result: 'success',
      token: session.provider_session_id,
      PayerID: expect.stringMatching(/^[A-Z0-9]{13}$/),
    });
    // Our own return page answered the browser.
    expect(JSON.parse((await page.locator('body').textContent()) ?? '{}')).toEqual({ session_id: session.session_id, result: 'success' });
    await screenshot(page, 'paypal-return');
    await page.close();
    const after = await eventually(
      () => readSession(session.session_id),
      (s) => s.status === 'succeeded',
      'the PayPal session',
    );
    expect(after).toMatchObject({ status: 'succeeded', amount_paid: 2500 });
  });

  it('3-D Secure on a ticket payment: Complete authentication returns to returnUrl and the transaction completes', async () => {
    const admin = await headers('boss', 'admin');
    const venue = { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' } };
    expect((await api('PUT', '/api/v1/venues/knox', admin, venue)).status).toBe(201);
    const show = { venueId: 'knox', name: 'Show', startsAt: '2027-01-01T20:00:00Z', ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }] };
    expect((await api('PUT', '/api/v1/events/show', admin, show)).status).toBe(201);
    const buyer = await headers('buyer-3ds', 'user');
    // Sent as the shop's checkout page sends it: the browser's user agent and what the page recorded.
    const pageHeaders = {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    };
    const sessionData = {
      actions: [
        { type: 'mousemove', t: 120, x: 200, y: 310 },
        { type: 'mousemove', t: 410, x: 362, y: 355 },
        { type: 'mousemove', t: 530, x: 501, y: 402 },
        { type: 'click', t: 980, x: 503, y: 404 },
      ],
      browserFeatures: { languages: ['en-US'], screen: { w: 1920, h: 1080 } },
    };
    const res = await api(
      'POST',
      '/api/v1/payments/process',
      { ...buyer, ...pageHeaders, 'idempotency-key': randomUUID() },
      {
        venueId: 'knox',
        eventId: 'show',
        tickets: [{ ticketTypeId: 'ga', quantity: 2, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_authenticationRequired' },
        returnUrl: `${shopUrl}/tickets/return`,
        sessionData,
      },
    );
    expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([402, 'PAYMENT_REQUIRES_ACTION']);
    const { transactionId, nextAction } = res.body as { transactionId: string; nextAction: { type: string; url: string } };
    expect(nextAction.type).toBe('redirect_to_url');
    const readTransaction = async () =>
      (await api('GET', `/api/v1/payments/transaction/${transactionId}`, buyer)).body.transaction as { status: string; amount: number };
    const before = await readTransaction();
    expect(before.status).toBe('processing');

    const page = await browser.newPage();
    expect((await page.goto(nextAction.url))?.status()).toBe(200);
    await expect(page.locator('h1.amount').textContent()).resolves.toBe(usd(before.amount));
    await screenshot(page, '3ds-challenge');
    await Promise.all([
      page.waitForURL(`${shopUrl}/tickets/return**`),
      page.getByRole('button', { name: 'Complete authentication', exact: true }).click(),
    ]);
    const back = new URL(page.url());
    expect(back.searchParams.get('redirect_status')).toBe('succeeded');
    expect(back.searchParams.get('payment_intent')).toMatch(/^pi_/);
    await screenshot(page, '3ds-return');
    await page.close();
    // The sandbox's payment_intent.succeeded reaches our webhook; the transaction completes.
    const after = await eventually(readTransaction, (t) => t.status === 'completed', 'the 3-D Secure transaction');
    expect(after.status).toBe('completed');
  });
});
