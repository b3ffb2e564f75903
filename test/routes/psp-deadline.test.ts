import { afterEach, describe, expect, it } from 'vitest';
import { createSession, merchantHeaders } from '../helpers/checkout';
import { shopFixture } from '../helpers/payments';
import { configureSandbox } from '../helpers/sandbox';

/**
 * PSP_TIMEOUT_MS bounds a whole PSP operation, retries and token calls included: with the provider never
 * answering, the API answers within PSP_TIMEOUT_MS plus a second (routing, objects) with the usual error,
 * instead of once per attempt. The sandbox holds the scoped requests longer than the operation may last.
 */
const PSP_TIMEOUT_MS = 5_000;
const BOUND_MS = PSP_TIMEOUT_MS + 1_000;

/** The sandbox answers nothing, for requests carrying `marker` only (other test files share it). */
async function hang(provider: string, marker: string) {
  await configureSandbox({ providers: { [provider]: { timeoutRate: 1, timeoutMs: PSP_TIMEOUT_MS * 4, match: marker } } });
}

const touched = new Set<string>();
afterEach(async () => {
  for (const provider of touched) await configureSandbox({ providers: { [provider]: { timeoutRate: 0, timeoutMs: 30_000, match: null } } });
  touched.clear();
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await run();
  return { value, ms: Date.now() - started };
}

function sessionBody(psp: string, merchant: string, currency: string, description: string) {
  return {
    amount: 2500,
    description,
    psp_config: {
      psp,
      psp_merchant_id: merchant,
      currency,
      metadata: { success_url: 'https://merchant.example/success', cancel_url: 'https://merchant.example/cancel' },
    },
  };
}

describe('one deadline per PSP operation', () => {
  it('checkout create at Stripe (retried SDK calls) answers 502 PSP_UNAVAILABLE within PSP_TIMEOUT_MS + 1 s', async () => {
    const marker = `deadline-stripe-${crypto.randomUUID().slice(0, 8)}`;
    const headers = await merchantHeaders(`t-${marker}`);
    touched.add('stripe');
    await hang('stripe', marker);
    const { value, ms } = await timed(() => createSession(headers, sessionBody('stripe', 'acct_1234567890', 'USD', marker)));
    expect(value.status, JSON.stringify(value.body)).toBe(502);
    expect((value.body as unknown as { code: string }).code).toBe('PSP_UNAVAILABLE');
    expect(ms).toBeGreaterThanOrEqual(PSP_TIMEOUT_MS - 100);
    expect(ms).toBeLessThanOrEqual(BOUND_MS);
  }, 40_000);

  it('checkout create at PayPal (brokered token, retried HTTP calls) answers 502 PSP_UNAVAILABLE within PSP_TIMEOUT_MS + 1 s', async () => {
    const marker = `deadline-paypal-${crypto.randomUUID().slice(0, 8)}`;
    const headers = await merchantHeaders(`t-${marker}`);
    touched.add('paypal');
    await hang('paypal', marker);
    const { value, ms } = await timed(() => createSession(headers, sessionBody('paypal', 'MERCHANT1234A', 'USD', marker)));
    expect(value.status, JSON.stringify(value.body)).toBe(502);
    expect((value.body as unknown as { code: string }).code).toBe('PSP_UNAVAILABLE');
    expect(ms).toBeGreaterThanOrEqual(PSP_TIMEOUT_MS - 100);
    expect(ms).toBeLessThanOrEqual(BOUND_MS);
  }, 40_000);

  it('a ticket payment with Stripe not answering gets 502 PSP_UNAVAILABLE within PSP_TIMEOUT_MS + 1 s', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('buyer-deadline');
    touched.add('stripe');
    // The tenant is in the PaymentIntent's metadata, so only this shop's charge meets the knob.
    await hang('stripe', shop.tenant);
    const { value, ms } = await timed(() => shop.pay(buyer));
    expect(value.status, JSON.stringify(value.body)).toBe(502);
    expect(value.body).toMatchObject({ code: 'PSP_UNAVAILABLE' });
    expect(ms).toBeGreaterThanOrEqual(PSP_TIMEOUT_MS - 100);
    expect(ms).toBeLessThanOrEqual(BOUND_MS);
  }, 40_000);
});
