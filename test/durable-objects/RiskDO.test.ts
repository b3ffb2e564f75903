import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { riskStub, scalperRegistryStub } from '../../src/lib/stubs';

const HOUR = 3_600_000;
const probe = (
  tenantId: string,
  kind: 'user' | 'card' | 'ip' | 'device',
  value: string,
  actor: string,
  transactionId = crypto.randomUUID(),
) => ({
  tenantId,
  kind,
  value,
  actor,
  transactionId,
});

/** Moves every counted attempt of the subject back in time, as if that much time had passed. */
function age(stub: ReturnType<typeof riskStub>, ms: number) {
  return runInDurableObject(stub, (_i, state) => void state.storage.sql.exec('UPDATE attempts SET at = at - ?', ms));
}

describe('RiskDO', () => {
  it('counts a user’s purchases exactly: the 6th in an hour is refused until the oldest leaves the window', async () => {
    const tenant = `risk-${crypto.randomUUID()}`;
    const stub = riskStub(env, tenant, 'user', 'u1');
    for (let i = 0; i < 5; i++) expect((await stub.holdAttempt(probe(tenant, 'user', 'u1', 'u1'))).velocity).toEqual({ ok: true });
    const sixth = await stub.holdAttempt(probe(tenant, 'user', 'u1', 'u1'));
    expect(sixth.velocity).toMatchObject({ ok: false, rule: 'user_per_hour' });
    expect(sixth.purchasesLastHour).toBe(5);
    if (!sixth.velocity.ok) expect(sixth.velocity.retryAfterMs).toBeGreaterThan(HOUR - 60_000);
    // A refused attempt is not counted; an hour later the window has moved.
    await age(stub, HOUR);
    expect((await stub.holdAttempt(probe(tenant, 'user', 'u1', 'u1'))).velocity).toEqual({ ok: true });
  });

  it('a retried transaction counts once, and a released one not at all', async () => {
    const tenant = `risk-${crypto.randomUUID()}`;
    const stub = riskStub(env, tenant, 'user', 'u2');
    const same = probe(tenant, 'user', 'u2', 'u2');
    // Only the first hold counts it: a retry's undo must not take back the first attempt's count.
    expect((await stub.holdAttempt(same)).countedNow).toBe(true);
    for (let i = 0; i < 2; i++) expect((await stub.holdAttempt(same)).countedNow).toBe(false);
    const other = probe(tenant, 'user', 'u2', 'u2');
    await stub.holdAttempt(other);
    expect(await stub.releaseAttempt(other.transactionId)).toBe(true);
    expect((await stub.holdAttempt(probe(tenant, 'user', 'u2', 'u2'))).purchasesLastHour).toBe(1);
  });

  it('a card is refused for a 4th distinct user in a day, and concurrent attempts never overshoot', async () => {
    const tenant = `risk-${crypto.randomUUID()}`;
    const stub = riskStub(env, tenant, 'card', 'card-1');
    for (const user of ['a', 'b', 'c']) expect((await stub.holdAttempt(probe(tenant, 'card', 'card-1', user))).velocity.ok).toBe(true);
    expect((await stub.holdAttempt(probe(tenant, 'card', 'card-1', 'd'))).velocity).toMatchObject({
      ok: false,
      rule: 'card_distinct_users_per_day',
    });
    expect((await stub.holdAttempt(probe(tenant, 'card', 'card-1', 'a'))).velocity.ok).toBe(true);
    const ip = riskStub(env, tenant, 'ip', '203.0.113.9');
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => ip.holdAttempt(probe(tenant, 'ip', '203.0.113.9', `user-${i}`))),
    );
    expect(results.filter((r) => r.velocity.ok)).toHaveLength(10);
  });

  it('links accounts to a device and keeps known-scalper flags', async () => {
    const tenant = `risk-${crypto.randomUUID()}`;
    const device = riskStub(env, tenant, 'device', 'dev-1');
    for (const user of ['x', 'y']) await device.holdAttempt(probe(tenant, 'device', 'dev-1', user));
    const third = await device.holdAttempt(probe(tenant, 'device', 'dev-1', 'z'));
    expect(third.distinctActors).toBe(3);
    expect(third.scalper).toBeNull();
    // A device has no limit of its own, so it keeps links only, no purchase history.
    const history = await runInDurableObject(
      device,
      (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM attempts').one().n,
    );
    expect(history).toBe(0);
    const registry = scalperRegistryStub(env, tenant);
    const listed = await registry.addScalper({
      tenantId: tenant,
      deviceFingerprint: 'dev-1',
      reason: 'resold 40 tickets',
      addedBy: 'boss',
    });
    expect(listed).toMatchObject({ deviceFingerprint: 'dev-1', active: true, userId: null });
    await device.flag(listed.id, listed.reason);
    expect((await device.holdAttempt(probe(tenant, 'device', 'dev-1', 'x'))).scalper).toEqual({
      id: listed.id,
      reason: 'resold 40 tickets',
    });
    expect(await registry.removeScalper(tenant, listed.id)).toMatchObject({ active: false });
    expect(await registry.removeScalper(tenant, listed.id)).toBeNull();
  });
});
