import { describe, expect, it } from 'vitest';
import {
  completeAtSandbox,
  createSession,
  deliverNew,
  getSession,
  lastWebhookIndex,
  merchantHeaders,
  refundSession,
  type SessionBody,
} from '../helpers/checkout';
import { eventually, rows, sql } from '../helpers/db';
import { sandbox } from '../helpers/sandbox';

/**
 * Issue 4 acceptance, per provider, through the deployed Worker and the PSP sandbox: create a session →
 * the sandbox's customer pays → the provider's signed webhook (or callback/redirect) reaches the app →
 * the session is succeeded → a Postgres row with a balanced ledger → a refund (partial where the
 * provider has them) → refunded amounts in the object and in Postgres. Every outbound request is
 * checked against the provider's OpenAPI extract by the sandbox (see the last test).
 */
type Case = { psp: string; currency: string; merchant: string; amount: number; refund: number; metadata?: Record<string, string> };

const CASES: Case[] = [
  { psp: 'stripe', currency: 'USD', merchant: 'acct_1234567890', amount: 4999, refund: 1000 },
  { psp: 'adyen', currency: 'EUR', merchant: 'EdgepayECOM', amount: 2500, refund: 500 },
  { psp: 'square', currency: 'USD', merchant: 'LSBX0EDGEPAY1', amount: 3100, refund: 1100 },
  { psp: 'mercadopago', currency: 'BRL', merchant: '123456789', amount: 10050, refund: 50 },
  { psp: 'paypal', currency: 'USD', merchant: 'MERCHANT1234A', amount: 1999, refund: 999 },
  {
    psp: 'tilopay',
    currency: 'CRC',
    merchant: 'merchant_123',
    amount: 500000,
    refund: 100000,
    metadata: { customer_email: 'payer@example.com' },
  },
  { psp: 'qpay', currency: 'MNT', merchant: 'TEST_INVOICE', amount: 1_000_000, refund: 1_000_000 },
];

async function settle(headers: Record<string, string>, c: Case, s: SessionBody, mark: number, want: (b: SessionBody) => boolean) {
  let after = mark;
  let current = s;
  for (let round = 0; round < 6 && !want(current); round++) {
    const delivered = await deliverNew(c.psp, after);
    for (const d of delivered) {
      expect(d.status, `${d.webhook.type} answered ${d.status}: ${d.text}`).toBeLessThan(400);
      after = Math.max(after, d.webhook.index);
    }
    current = (await getSession(headers, s.session_id)).body;
    if (!want(current) && delivered.length === 0) await new Promise((r) => setTimeout(r, 500));
  }
  return { session: current, after };
}

describe.each(CASES)('checkout session at $psp', (c) => {
  it('create → pay at the sandbox → notification → succeeded → Postgres row → refund', async () => {
    const tenant = `t-co-${c.psp}-${crypto.randomUUID().slice(0, 8)}`;
    const headers = await merchantHeaders(tenant);
    const created = await createSession(headers, {
      amount: c.amount,
      description: `Order for ${c.psp}`,
      psp_config: {
        psp: c.psp,
        psp_merchant_id: c.merchant,
        currency: c.currency,
        merchant_id: 'merchant_xyz',
        metadata: {
          order_id: `order-${c.psp}`,
          success_url: 'https://merchant.example/success',
          cancel_url: 'https://merchant.example/cancel',
          ...c.metadata,
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const s = created.body;
    expect(s).toMatchObject({ provider: c.psp, status: 'open', amount: c.amount, currency: c.currency, amount_paid: 0 });
    expect(s.session_id).toMatch(/^cko[0-9a-f]{32}$/);
    expect(s.checkout_url).toMatch(/^https?:\/\//);

    const mark = await lastWebhookIndex();
    const completed = (await completeAtSandbox(c.psp, s.provider_session_id)).body as { completed?: boolean };
    expect(completed.completed).toBe(true);
    const paid = await settle(headers, c, s, mark, (b) => b.status === 'succeeded');
    expect(paid.session).toMatchObject({ status: 'succeeded', amount_paid: c.amount });

    const row = await eventually(async () => {
      const [r] = await rows<{ status: string; amount_paid: string; provider_session_id: string; tenant_id: string }>(
        sql`SELECT status, amount_paid, provider_session_id, tenant_id FROM checkout_sessions WHERE id = ${s.session_id}`,
      );
      return r?.status === 'succeeded' ? r : undefined;
    });
    expect(row).toMatchObject({ provider_session_id: s.provider_session_id, tenant_id: tenant });
    expect(Number(row.amount_paid)).toBe(c.amount);

    const refunded = await refundSession(headers, s.session_id, c.refund);
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    const full = c.refund === c.amount;
    const target = full ? 'refunded' : 'partially_refunded';
    const after = await settle(headers, c, refunded.body, paid.after, (b) => b.status === target);
    expect(after.session).toMatchObject({ status: target, amount_refunded: c.refund });
    // A second refund of more than what is left is refused, and changes nothing.
    const over = await refundSession(headers, s.session_id, c.amount);
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('REFUND_EXCEEDS_ORIGINAL');

    await eventually(async () => {
      const [r] = await rows<{ status: string; amount_refunded: string }>(
        sql`SELECT status, amount_refunded FROM checkout_sessions WHERE id = ${s.session_id}`,
      );
      return r?.status === target && Number(r.amount_refunded) === c.refund ? r : undefined;
    });
    const ledger = await rows<{ sum: string; lines: string }>(
      sql`SELECT COALESCE(SUM(amount), 0) AS sum, COUNT(*) AS lines FROM ledger_entries WHERE transaction_id = ${s.session_id}`,
    );
    expect(Number(ledger[0]?.sum)).toBe(0);
    expect(Number(ledger[0]?.lines)).toBe(4);
    const clearing = await rows<{ sum: string }>(
      sql`SELECT SUM(amount) AS sum FROM ledger_entries WHERE transaction_id = ${s.session_id} AND account = ${`psp:${c.psp}:clearing`}`,
    );
    expect(Number(clearing[0]?.sum)).toBe(c.amount - c.refund);
  });
});

describe('outbound requests and the OpenAPI extracts', () => {
  it('no request any adapter sent violates its provider’s OpenAPI extract', async () => {
    const violations = (await sandbox('/__sandbox/contract-violations')) as {
      provider: string;
      method: string;
      path: string;
      contract: { errors: string[] };
    }[];
    expect(violations.map((v) => `${v.provider} ${v.method} ${v.path}: ${v.contract.errors.join('; ')}`)).toEqual([]);
    const checked = ((await sandbox('/__sandbox/requests')) as { provider: string; contract?: { operation: string | null } }[]).filter(
      (r) => r.contract?.operation,
    );
    expect(new Set(checked.map((r) => r.provider))).toEqual(new Set(['stripe', 'adyen', 'square', 'paypal']));
  });
});
