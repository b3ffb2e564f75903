import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { cardFingerprintOf } from '../../durable-objects/precharge/risk';
import { parseConfig } from '../../src/env';
import { eventStub, riskStub } from '../../src/lib/stubs';
import automated from '../fixtures/bot-traces/automated.json';
import human from '../fixtures/bot-traces/human.json';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { shopFixture } from '../helpers/payments';
import { stripeCallsFor } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';
import { enrol, initiate, VALUES, verify } from '../helpers/verification';

type Trace = { id: string; userAgent?: string; cfBotScore?: number; sessionData?: unknown };
const OK_CARDS = ['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex', 'pm_card_discover', 'pm_card_visa_debit'];
const HOUR = 3_600_000;

async function buy(
  headers: Record<string, string>,
  extra: Record<string, unknown> = {},
  opts: { key?: string; paymentMethodId?: string; userAgent?: string; cfBotScore?: number; verificationToken?: string } = {},
) {
  const init: RequestInit & { cf?: unknown } = {
    method: 'POST',
    headers: {
      ...headers,
      'Idempotency-Key': opts.key ?? crypto.randomUUID(),
      ...(opts.userAgent ? { 'user-agent': opts.userAgent } : {}),
      ...(opts.verificationToken ? { 'x-verification-token': opts.verificationToken } : {}),
    },
    body: JSON.stringify({
      venueId: 'knox',
      eventId: 'show',
      tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
      paymentMethod: { type: 'card', paymentMethodId: opts.paymentMethodId ?? 'pm_card_visa' },
      ...extra,
    }),
    ...(opts.cfBotScore !== undefined ? { cf: { botManagement: { score: opts.cfBotScore } } } : {}),
  };
  const res = await call('/api/v1/payments/process', init);
  return { status: res.status, body: await json<any>(res), headers: res.headers };
}

/** What a buyer must never see in an error body: the signals and scores behind a decision. */
function expectNoSignals(body: unknown) {
  const text = JSON.stringify(body);
  for (const leak of ['score', 'signal', 'indicator', 'velocity', 'accounts_on_device', 'known_scalper', 'webdriver', 'rule']) {
    expect(text, leak).not.toContain(leak);
  }
}

describe('bot detection inside process', () => {
  it('refuses every automated fixture trace and lets every human one buy', async () => {
    const verdicts = { humanPassed: 0, humanRefused: 0, botRefused: 0, botPassed: 0 };
    const humans = human as Trace[];
    // Each shop sells to 15 humans: 5 test cards, each used by 3 buyers a day (the card's distinct-user limit).
    for (let start = 0; start < humans.length; start += 15) {
      const shop = await shopFixture();
      await Promise.all(
        humans.slice(start, start + 15).map(async (trace, i) => {
          const res = await buy(
            await shop.user(`human-${trace.id}`),
            { sessionData: trace.sessionData },
            {
              userAgent: trace.userAgent,
              cfBotScore: trace.cfBotScore,
              paymentMethodId: OK_CARDS[i % OK_CARDS.length],
            },
          );
          if (res.status === 200) verdicts.humanPassed++;
          else verdicts.humanRefused++;
          expect([trace.id, res.status, res.body.code]).toEqual([trace.id, 200, undefined]);
        }),
      );
    }
    const shop = await shopFixture();
    for (const trace of automated as Trace[]) {
      const res = await buy(await shop.user(`bot-${trace.id}`), trace.sessionData === undefined ? {} : { sessionData: trace.sessionData }, {
        userAgent: trace.userAgent,
        cfBotScore: trace.cfBotScore,
      });
      if (res.status === 403 && res.body.code === 'BOT_DETECTED') verdicts.botRefused++;
      else verdicts.botPassed++;
      expect([trace.id, res.status, res.body.code]).toEqual([trace.id, 403, 'BOT_DETECTED']);
      expectNoSignals(res.body);
    }
    console.log('process over the bot fixtures:', verdicts);
    // Each refusal is recorded with its indicators, and charged nobody.
    const recorded = await eventually(async () => {
      const found = await rows<{ n: string }>(
        sql`SELECT COUNT(*)::text AS n FROM bot_detections WHERE tenant_id = ${shop.tenant} AND is_bot`,
      );
      return Number(found[0]?.n) === automated.length ? found : undefined;
    }, 20_000);
    expect(recorded).toBeDefined();
  });
});

describe('velocity', () => {
  it('refuses a buyer’s 6th purchase in an hour with Retry-After, holding nothing, and lets it through once the hour has moved', async () => {
    const shop = await shopFixture();
    const buyer = await shop.user('eager');
    for (let i = 0; i < 5; i++) expect((await buy(buyer, {}, { paymentMethodId: OK_CARDS[i] })).status).toBe(200);
    const key = crypto.randomUUID();
    const sixth = await buy(buyer, {}, { key, paymentMethodId: 'pm_card_visa_debit' });
    expect([sixth.status, sixth.body.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expectNoSignals(sixth.body);
    // Nothing held: no reservation and no PaymentIntent for the refused transaction.
    const refusedId = await transactionIdOf(shop.tenant, 'eager', key);
    expect(await stripeCallsFor(refusedId)).toEqual([]);
    expect(await reservationOf(shop.tenant, refusedId)).toBeUndefined();
    // The same request, with the same key, once the hour has moved on (the refusal was not kept for replay).
    await runInDurableObject(
      riskStub(env, shop.tenant, 'user', 'eager'),
      (_i, state) => void state.storage.sql.exec('UPDATE attempts SET at = at - ?', HOUR),
    );
    const later = await buy(buyer, {}, { key, paymentMethodId: 'pm_card_visa_debit' });
    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses a card’s 4th buyer in a day, and lets that buyer in once the day has moved', async () => {
    const shop = await shopFixture();
    for (const name of ['c1', 'c2', 'c3'])
      expect((await buy(await shop.user(name), {}, { paymentMethodId: 'pm_card_amex' })).status).toBe(200);
    const fourth = await shop.user('c4');
    const refused = await buy(fourth, {}, { paymentMethodId: 'pm_card_amex' });
    expect([refused.status, refused.body.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(86_000);
    const card = await cardFingerprintOf(parseConfig(env).paymentIdKey, shop.tenant, 'pm_card_amex');
    await runInDurableObject(
      riskStub(env, shop.tenant, 'card', card),
      (_i, state) => void state.storage.sql.exec('UPDATE attempts SET at = at - ?', 24 * HOUR),
    );
    expect((await buy(fourth, {}, { paymentMethodId: 'pm_card_amex' })).status).toBe(200);
  });
});

describe('fraud score', () => {
  it('declines a known scalper’s device, and every decision is in Postgres with its signals', async () => {
    const shop = await shopFixture();
    const listed = await call('/admin/fraud/scalpers', {
      method: 'POST',
      headers: shop.admin,
      body: JSON.stringify({ deviceFingerprint: 'dev-scalper-1', reason: 'resold 40 tickets at 300 %' }),
    });
    expect(listed.status).toBe(201);
    const entry = await json<any>(listed);
    const key = crypto.randomUUID();
    const res = await buy(await shop.user('fresh-account'), { deviceFingerprint: 'dev-scalper-1' }, { key });
    expect([res.status, res.body.code]).toEqual([403, 'FRAUD_DETECTED']);
    expectNoSignals(res.body);
    // Refused before the charge: no PaymentIntent, no reservation, and the buyer's attempt not counted.
    const refusedId = await transactionIdOf(shop.tenant, 'fresh-account', key);
    expect(await stripeCallsFor(refusedId)).toEqual([]);
    expect(await reservationOf(shop.tenant, refusedId)).toBeUndefined();
    const counted = await runInDurableObject(
      riskStub(env, shop.tenant, 'user', 'fresh-account'),
      (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM attempts').one().n,
    );
    expect(counted).toBe(0);
    const checks = await eventually(async () => {
      const r = await call('/admin/fraud/checks?decision=decline', { headers: shop.admin });
      const body = await json<any>(r);
      return body.checks?.length ? body.checks : undefined;
    }, 20_000);
    expect(checks[0]).toMatchObject({
      decision: 'decline',
      refusedBy: 'fraud',
      deviceFingerprint: 'dev-scalper-1',
      userId: 'fresh-account',
    });
    expect(JSON.stringify(checks[0].signals)).toContain('known_scalper_device');
    const resolved = await call(`/admin/fraud/checks/${checks[0].id}/resolve`, {
      method: 'POST',
      headers: shop.admin,
      body: JSON.stringify({ outcome: 'fraudulent' }),
    });
    expect((await json<any>(resolved)).outcome).toBe('fraudulent');
    // Off the list, the same device buys.
    expect((await call(`/admin/fraud/scalpers/${entry.id}`, { method: 'DELETE', headers: shop.admin })).status).toBe(204);
    expect((await buy(await shop.user('fresh-account'), { deviceFingerprint: 'dev-scalper-1' })).status).toBe(200);
    const listedRow = await eventually(async () => {
      const found = await rows<{ active: boolean }>(sql`SELECT active FROM known_scalpers WHERE id = ${entry.id}`);
      return found[0]?.active === false ? found : undefined;
    }, 20_000);
    expect(listedRow).toHaveLength(1);
  });

  it('challenges a third account on one device; a NoTap verification of that buyer lets the same purchase through', async () => {
    const shop = await shopFixture();
    for (const name of ['sib-1', 'sib-2']) {
      expect(
        (await buy(await shop.user(name), { deviceFingerprint: 'family-laptop' }, { paymentMethodId: 'pm_card_discover' })).status,
      ).toBe(200);
    }
    // A buyer known to NoTap by a handle: the verification token names its canonical id, not the handle.
    const buyerId = `zoe-${crypto.randomUUID().slice(0, 8)}.notap.sol`;
    const buyer = await shop.user(buyerId);
    const key = crypto.randomUUID();
    const challenged = await buy(buyer, { deviceFingerprint: 'family-laptop' }, { key, paymentMethodId: 'pm_card_mastercard' });
    expect([challenged.status, challenged.body.code]).toEqual([403, 'VERIFICATION_REQUIRED']);
    expectNoSignals(challenged.body);

    const merchant = {
      ...bearer(await signToken({ tenant_id: shop.tenant, sub: 'shop-backend', role: 'merchant' })),
      'content-type': 'application/json',
    };
    expect(await enrol(merchant, buyerId, ['PIN', 'PATTERN'])).toMatch(/^[0-9a-f]{8}-/);
    const session = await initiate(merchant, { user_uuid: buyerId, transaction_amount: 50, risk_level: 'LOW' });
    await verify(merchant, session.body.session_id, 'PIN', VALUES.PIN);
    const verified = await verify(merchant, session.body.session_id, 'PATTERN', VALUES.PATTERN);
    const token = verified.body.verification_token as string;
    // Another user's proof does not pass; this buyer's does, on the same key.
    const other = await buy(
      await shop.user('sib-3'),
      { deviceFingerprint: 'family-laptop' },
      { paymentMethodId: 'pm_card_amex', verificationToken: token },
    );
    expect(other.body.code).toBe('VERIFICATION_REQUIRED');
    const passed = await buy(
      buyer,
      { deviceFingerprint: 'family-laptop' },
      { key, paymentMethodId: 'pm_card_mastercard', verificationToken: token },
    );
    expect(passed.status).toBe(200);
    const check = await eventually(async () => {
      const found = await rows<{ decision: string; signals: any }>(
        sql`SELECT decision, signals FROM fraud_checks WHERE tenant_id = ${shop.tenant} AND user_id = ${buyerId} AND refused_by IS NULL`,
      );
      return found[0];
    }, 20_000);
    expect(check.decision).toBe('challenge');
    // The payment's projection carries the device and the card's fingerprint; the device's activity is recorded.
    const projected = await eventually(async () => {
      const found = await rows<{ device_fingerprint: string | null; payment_method_fingerprint: string | null }>(
        sql`SELECT device_fingerprint, payment_method_fingerprint FROM payment_transactions WHERE id = ${passed.body.transaction.id}`,
      );
      return found[0];
    }, 20_000);
    expect(projected.device_fingerprint).toBe('family-laptop');
    expect(projected.payment_method_fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const activity = await rows<{ n: string }>(
      sql`SELECT COUNT(*)::text AS n FROM device_activity WHERE tenant_id = ${shop.tenant} AND device_fingerprint = 'family-laptop'`,
    );
    expect(Number(activity[0]?.n)).toBeGreaterThanOrEqual(4);
    expect(check.signals.challengePassed).toBe(true);
  });
});

async function transactionIdOf(tenant: string, user: string, key: string): Promise<string> {
  const { transactionIdFor } = await import('../../src/lib/ids');
  return transactionIdFor(parseConfig(env).paymentIdKey, tenant, user, key);
}

async function reservationOf(tenant: string, transactionId: string) {
  return runInDurableObject(
    eventStub(env, tenant, 'show'),
    (_i, state) =>
      state.storage.sql
        .exec<{ status: string }>("SELECT status FROM purchases WHERE reservation_id = ? AND status != 'released'", transactionId)
        .toArray()[0],
  );
}
