import { describe, expect, it } from 'vitest';
import { call, json } from '../helpers/app';
import { deliver, deliverNew, lastWebhookIndex, recordedWebhooks } from '../helpers/checkout';
import { eventually, rows, sql } from '../helpers/db';
import { sandbox } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

/** The QPay flow: invoice → unsigned callback → trusted only after /v2/payment/check → paid, in Postgres. */
async function userHeaders(tenant: string, sub = 'buyer-1') {
  return { ...bearer(await signToken({ sub, tenant_id: tenant, role: 'user' })), 'content-type': 'application/json' };
}

type Invoice = {
  invoice_id: string;
  qr_text: string;
  qr_image: string;
  short_url: string;
  urls: { link?: string }[];
  session_id: string;
  status: string;
};

async function createInvoice(headers: Record<string, string>, body: unknown) {
  const res = await call('/api/create-payment-session', { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await json<Invoice & { code?: string; errors?: { field: string }[] }>(res) };
}

async function status(headers: Record<string, string>, invoiceId: string) {
  const res = await call(`/api/payment-sessions/${invoiceId}`, { headers });
  return {
    status: res.status,
    body: await json<{ paid: boolean; status: string; payments: { payment_id: string; amount: number }[] }>(res),
  };
}

describe('QPay invoices', () => {
  it('creates an invoice, is unpaid until QPay confirms, and the callback marks it paid and projected', async () => {
    const tenant = `t-qpay-${crypto.randomUUID().slice(0, 8)}`;
    const headers = await userHeaders(tenant);
    const created = await createInvoice(headers, {
      amount: 2_500_000,
      description: 'Concert ticket',
      orderId: `order-${crypto.randomUUID()}`,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const inv = created.body;
    expect(inv.invoice_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(inv.qr_image).not.toMatch(/^data:/);
    expect(Buffer.from(inv.qr_image, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(inv.urls.length).toBeGreaterThan(0);
    expect(inv.short_url).toMatch(/^http/);
    // QPay saw whole tugrik (2,500,000 minor units = ₮25,000) and our callback URL.
    const request = ((await sandbox('/__sandbox/requests')) as { path: string; body: any; response: any }[]).find(
      (r) => r.path === '/v2/invoice' && r.response?.invoice_id === inv.invoice_id,
    );
    expect(request?.body).toMatchObject({ amount: 25_000, sender_invoice_no: inv.session_id, invoice_code: 'TEST_INVOICE' });
    expect(request?.body.callback_url).toBe(`http://edgepay.test/v1/webhooks/qpay?session=${inv.session_id}`);

    expect((await status(headers, inv.invoice_id)).body).toMatchObject({ paid: false, status: 'open', payments: [] });

    // A callback before payment (anyone can call the unsigned URL) changes nothing: QPay says unpaid.
    const spoof = await call(`/v1/webhooks/qpay?session=${inv.session_id}&qpay_payment_id=123456789012345`);
    expect(spoof.status).toBe(200);
    expect(await spoof.text()).toBe('SUCCESS');
    expect((await status(headers, inv.invoice_id)).body.paid).toBe(false);

    const mark = await lastWebhookIndex();
    await sandbox(`/__sandbox/complete/qpay/${inv.invoice_id}`, { method: 'POST' });
    const delivered = await deliverNew('qpay', mark);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.webhook.method).toBe('GET');
    expect(delivered[0]?.status).toBe(200);
    expect(delivered[0]?.text).toBe('SUCCESS');

    const paid = await status(headers, inv.invoice_id);
    expect(paid.body).toMatchObject({ paid: true, status: 'succeeded' });
    expect(paid.body.payments).toEqual([expect.objectContaining({ amount: 2_500_000 })]);
    await eventually(async () => {
      const [r] = await rows<{ status: string; purpose: string }>(
        sql`SELECT status, purpose FROM checkout_sessions WHERE id = ${inv.session_id}`,
      );
      return r?.status === 'succeeded' ? r : undefined;
    });
    const [row] = await rows<{ purpose: string; currency: string }>(
      sql`SELECT purpose, currency FROM checkout_sessions WHERE id = ${inv.session_id}`,
    );
    expect(row).toEqual({ purpose: 'qpay_invoice', currency: 'MNT' });

    // The same callback again (QPay retries) and a POST variant are acknowledged and change nothing.
    const again = await deliver(delivered[0]!.webhook);
    expect(again.status).toBe(200);
    const post = await call(`/v1/webhooks/qpay?session=${inv.session_id}`, { method: 'POST', body: '{}' });
    expect(await post.text()).toBe('SUCCESS');
  });

  it('the same orderId returns the same invoice; another tenant cannot see it', async () => {
    const tenant = `t-qpay-${crypto.randomUUID().slice(0, 8)}`;
    const headers = await userHeaders(tenant);
    const orderId = `order-${crypto.randomUUID().slice(0, 8)}`;
    const first = await createInvoice(headers, { amount: 1_000_000, orderId });
    const second = await createInvoice(headers, { amount: 1_000_000, orderId });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.invoice_id).toBe(first.body.invoice_id);
    const stranger = await userHeaders(`t-other-${crypto.randomUUID().slice(0, 8)}`);
    expect((await status(stranger, first.body.invoice_id)).status).toBe(404);
    expect((await status(headers, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('refuses amounts that are not whole tugrik, and bad callbacks', async () => {
    const headers = await userHeaders('t-qpay-bad');
    const bad = await createInvoice(headers, { amount: 1050 });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.map((e) => e.field)).toContain('amount');
    expect((await call('/api/create-payment-session', { method: 'POST', body: JSON.stringify({ amount: 100 }) })).status).toBe(401);
    const unknown = await call('/v1/webhooks/qpay?session=not-ours');
    expect(unknown.status).toBe(400);
    expect((await json<{ code: string }>(unknown)).code).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('no QPay token or client secret appears in what the app answered or recorded', async () => {
    const hooks = await recordedWebhooks('qpay');
    const requests = (await sandbox('/__sandbox/requests')) as { provider: string; path: string; response: any }[];
    const tokens = requests.filter((r) => r.provider === 'qpay' && r.path.startsWith('/v2/auth/')).map((r) => r.response?.access_token);
    const rowsText = JSON.stringify(await rows(sql`SELECT * FROM checkout_sessions WHERE provider = 'qpay'`));
    for (const secret of [...tokens.filter(Boolean), 'qpay-secret-do-not-log']) {
      expect(rowsText).not.toContain(secret);
      expect(JSON.stringify(hooks)).not.toContain(secret);
    }
  });
});
