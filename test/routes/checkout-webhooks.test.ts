import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { checkoutStub } from '../../src/lib/stubs';
import {
  completeAtSandbox,
  createSession,
  deliver,
  getSession,
  lastWebhookIndex,
  merchantHeaders,
  recordedWebhooks,
} from '../helpers/checkout';
import { eventually, rows, sql } from '../helpers/db';

/**
 * The verify → deduplicate → object flow for the providers whose notifications arrive only here
 * (Adyen, MercadoPago, PayPal, Tilopay): a notification altered in transit is refused with 400 and
 * changes nothing; the real one applies once; a redelivery is acknowledged without a second effect.
 */
type Tamper = (w: { url: string; headers: Record<string, string>; body: string }) => {
  url: string;
  headers: Record<string, string>;
  body: string;
};

const CASES: Array<{ psp: string; currency: string; merchant: string; amount: number; metadata?: Record<string, string>; tamper: Tamper }> =
  [
    {
      psp: 'adyen',
      currency: 'EUR',
      merchant: 'EdgepayECOM',
      amount: 1200,
      tamper: (w) => ({ ...w, body: w.body.replace(/"value":\s*1200/, '"value":1') }),
    },
    {
      psp: 'mercadopago',
      currency: 'BRL',
      merchant: '123456789',
      amount: 1200,
      // Another payment id in the query than the one signed.
      tamper: (w) => ({ ...w, url: w.url.replace(/data\.id=(\d+)/, (_m, id) => `data.id=${Number(id) + 1}`) }),
    },
    {
      psp: 'paypal',
      currency: 'USD',
      merchant: 'MERCHANT1234A',
      amount: 1200,
      tamper: (w) => ({ ...w, body: w.body.replace('"APPROVED"', '"COMPLETED"') }),
    },
    {
      psp: 'tilopay',
      currency: 'USD',
      merchant: 'merchant_123',
      amount: 1200,
      metadata: { customer_email: 'payer@example.com' },
      tamper: (w) => ({ ...w, url: w.url.replace(/OrderHash=([0-9a-f])/, (_m, c) => `OrderHash=${c === 'a' ? 'b' : 'a'}`) }),
    },
  ];

function send(w: { url: string; headers: Record<string, string>; body: string }, method: 'GET' | 'POST') {
  return exports.default.fetch(
    new Request(w.url, { method, headers: w.headers, redirect: 'manual', ...(method === 'GET' ? {} : { body: w.body }) }),
  );
}

/** The session object's version and status, and every event its outbox holds (sent or not). */
function objectState(sessionId: string) {
  return runInDurableObject(checkoutStub(env, sessionId), (_instance, state) => {
    const { data } = state.storage.sql.exec<{ data: string }>('SELECT data FROM session WHERE id = 1').one();
    const { version, status } = JSON.parse(data) as { version: number; status: string };
    const events = state.storage.sql.exec<{ seq: number }>('SELECT seq FROM outbox ORDER BY seq').toArray();
    return { version, status, events: events.map((e) => e.seq) };
  });
}

async function projectedVersion(sessionId: string): Promise<number | undefined> {
  const [r] = await rows<{ version: number }>(sql`SELECT version FROM checkout_sessions WHERE id = ${sessionId}`);
  return r?.version;
}

describe.each(CASES)('webhooks from $psp', (c) => {
  it('a tampered notification is 400 and changes nothing; the real one applies once; a redelivery is a no-op', async () => {
    const headers = await merchantHeaders(`t-wh-${c.psp}-${crypto.randomUUID().slice(0, 6)}`);
    const created = await createSession(headers, {
      amount: c.amount,
      psp_config: { psp: c.psp, psp_merchant_id: c.merchant, currency: c.currency, ...(c.metadata ? { metadata: c.metadata } : {}) },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const s = created.body;
    const mark = await lastWebhookIndex();
    await completeAtSandbox(c.psp, s.provider_session_id);
    const [first] = (await recordedWebhooks(c.psp)).filter((w) => w.index > mark);
    expect(first).toBeDefined();
    const method = first?.method ?? 'POST';

    const forged = await send(c.tamper(first!), method);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { code: string }).code).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect((await getSession(headers, s.session_id)).body.status).toBe('open');

    const real = await deliver(first!);
    expect(real.status).toBeLessThan(400);
    if (c.psp === 'tilopay')
      expect(real.headers.get('location')).toBe(`http://edgepay.test/v1/checkout/return?session=${s.session_id}&result=success`);
    const after = (await getSession(headers, s.session_id)).body;
    expect(['processing', 'succeeded']).toContain(after.status);
    // The object's state after the notification (PayPal: approved → captured is two changes, both made before
    // it answered); the projection catches up with exactly that version.
    const settled = await objectState(s.session_id);
    expect(settled.status).toBe(after.status);
    expect(settled.version).toBeGreaterThan(1);
    await eventually(async () => ((await projectedVersion(s.session_id)) === settled.version ? true : undefined));

    const again = await deliver(first!);
    expect(again.status).toBeLessThan(400);
    expect((await getSession(headers, s.session_id)).body).toMatchObject({ status: after.status, amount_paid: after.amount_paid });
    // A redelivery moves no version and appends no event: nothing is on its way to the projection.
    expect(await objectState(s.session_id)).toEqual(settled);
    expect(await projectedVersion(s.session_id)).toBe(settled.version);
  });
});

describe('notifications for sessions we do not own', () => {
  it('a correctly signed Adyen notification for an unknown session is acknowledged and kept as unmatched', async () => {
    const hexKey = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'; // ADYEN_HMAC_KEY in the test bindings
    const reference = `cko${crypto.randomUUID().replace(/-/g, '')}`;
    const psp = `X${crypto.randomUUID().replace(/-/g, '').slice(0, 15).toUpperCase()}`;
    const item: Record<string, unknown> = {
      pspReference: psp,
      merchantAccountCode: 'EdgepayECOM',
      merchantReference: reference,
      amount: { value: 700, currency: 'EUR' },
      eventCode: 'AUTHORISATION',
      success: 'true',
      eventDate: new Date().toISOString(),
      additionalData: {} as Record<string, string>,
    };
    // HMAC as Adyen documents it, computed here: base64(HMAC-SHA256(hex key, the eight fields joined by ':')).
    const data = [psp, '', 'EdgepayECOM', reference, '700', 'EUR', 'AUTHORISATION', 'true'].join(':');
    const key = await crypto.subtle.importKey(
      'raw',
      Uint8Array.from(hexKey.match(/../g)!.map((h) => Number.parseInt(h, 16))),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data)));
    (item.additionalData as Record<string, string>).hmacSignature = btoa(String.fromCharCode(...mac));
    const body = JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] });
    const res = await exports.default.fetch(
      new Request('http://edgepay.test/v1/webhooks/adyen', { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('[accepted]');
    const row = await eventually(async () => {
      const [r] = await rows<{ status: string }>(
        sql`SELECT status FROM webhook_inbox WHERE provider = 'adyen' AND webhook_id LIKE ${`%${psp}%`}`,
      );
      return r;
    });
    expect(row.status).toBe('unmatched');
  });
});
