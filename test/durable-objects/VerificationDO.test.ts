import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { type CreateVerificationCommand, RETAIN_AFTER_EXPIRY_MS } from '../../durable-objects/verification/types';
import { type Factor, factorDigestMessage, USER_LOCKOUT_FAILURES } from '../../src/domain/factors';
import type { UserFactorsDO, VerificationDO } from '../../src/index';
import { hmacSha256Hex } from '../../src/lib/crypto';
import { userFactorsStub, verificationStub } from '../../src/lib/stubs';

/** The NoTap objects on their own: digests at rest, serialized attempts, lockouts, expiry and retention. */
const PIN = '5550123';
const PATTERN = '0-1-2-5-8';

async function user(tenantId = `t-vdo-${crypto.randomUUID().slice(0, 8)}`) {
  const userUuid = crypto.randomUUID();
  const stub = userFactorsStub(env, tenantId, userUuid);
  await stub.enrol({ tenantId, userUuid, factor: 'PIN', normalized: PIN });
  await stub.enrol({ tenantId, userUuid, factor: 'PATTERN', normalized: PATTERN });
  return { tenantId, userUuid, stub };
}

async function session(u: { tenantId: string; userUuid: string }, over: Partial<CreateVerificationCommand> = {}) {
  const sessionId = `sess_${crypto.randomUUID().replace(/-/g, '')}`;
  const stub = verificationStub(env, sessionId);
  const created = await stub.create({
    sessionId,
    tenantId: u.tenantId,
    userUuid: u.userUuid,
    riskLevel: 'LOW',
    transactionAmount: 10,
    requiredFactors: ['PIN', 'PATTERN'],
    enrolledFactors: ['PIN', 'PATTERN'],
    ttlSeconds: 300,
    psp: null,
    ...over,
  });
  expect(created.kind).toBe('created');
  return { sessionId, stub };
}

const failureCount = (stub: DurableObjectStub<UserFactorsDO>) =>
  runInDurableObject(stub, (_i, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM failures').one().n);

describe('UserFactorsDO', () => {
  it('stores a keyed digest bound to tenant, user and factor — never the value', async () => {
    const u = await user();
    const rows = await runInDurableObject(u.stub, (_i, state) =>
      state.storage.sql.exec<{ factor: Factor; digest: string }>('SELECT factor, digest FROM factors ORDER BY factor').toArray(),
    );
    expect(rows.map((r) => r.factor)).toEqual(['PATTERN', 'PIN']);
    const pin = rows.find((r) => r.factor === 'PIN')?.digest;
    expect(pin).toBe(await hmacSha256Hex(env.FACTOR_PEPPER, factorDigestMessage(u.tenantId, u.userUuid, 'PIN', PIN)));
    expect(pin).not.toBe(await hmacSha256Hex(env.FACTOR_PEPPER, factorDigestMessage('another-tenant', u.userUuid, 'PIN', PIN)));
    const everything = await runInDurableObject(u.stub, (_i, state) =>
      JSON.stringify(['owner', 'factors', 'failures'].map((t) => state.storage.sql.exec(`SELECT * FROM ${t}`).toArray())),
    );
    expect(everything).not.toContain(PIN);
    expect(everything).not.toContain(PATTERN);
    expect(await u.stub.enrolment(u.tenantId)).toMatchObject({ factors: [{ factor: 'PIN' }, { factor: 'PATTERN' }], lockedUntil: null });
    expect(await u.stub.enrolment('another-tenant')).toEqual({ factors: [], lockedUntil: null });
  });

  it('checks in constant time and counts wrong values; the tenth within 15 minutes locks the user until it lapses', async () => {
    const u = await user();
    const cmd = { tenantId: u.tenantId, userUuid: u.userUuid, factor: 'PIN' as const };
    expect(await u.stub.check({ ...cmd, normalized: PIN })).toEqual({ kind: 'match' });
    expect(await u.stub.check({ ...cmd, factor: 'EMOJI', normalized: PIN })).toEqual({ kind: 'not_enrolled' });
    const results = await Promise.all(
      Array.from({ length: USER_LOCKOUT_FAILURES + 2 }, () => u.stub.check({ ...cmd, normalized: '0000' })),
    );
    expect(results.filter((r) => r.kind === 'mismatch')).toHaveLength(USER_LOCKOUT_FAILURES);
    expect(results.filter((r) => r.kind === 'locked')).toHaveLength(2);
    expect(await failureCount(u.stub)).toBe(USER_LOCKOUT_FAILURES);
    // Locked: even the right value is not compared.
    expect((await u.stub.check({ ...cmd, normalized: PIN })).kind).toBe('locked');
    expect((await u.stub.enrolment(u.tenantId)).lockedUntil).toBeGreaterThan(Date.now() + 14 * 60_000);
    await runInDurableObject(u.stub, (_i, state) => {
      state.storage.sql.exec('UPDATE owner SET locked_until = ?', Date.now() - 1);
      state.storage.sql.exec('UPDATE failures SET at = at - ?', 16 * 60_000);
    });
    expect(await u.stub.check({ ...cmd, normalized: PIN })).toEqual({ kind: 'match' });
    expect(await u.stub.check({ ...cmd, normalized: '0000' })).toEqual({ kind: 'mismatch', lockedUntil: null });
    expect(await failureCount(u.stub)).toBe(1); // the old window was forgotten
  });
});

describe('VerificationDO', () => {
  it('20 concurrent wrong values: exactly three are compared, the third locks, the rest are refused', async () => {
    const u = await user();
    const { stub } = await session(u);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => stub.verify({ tenantId: u.tenantId, factor: 'PIN', normalized: '999999' })),
    );
    const kinds = results.map((r) => (r.kind === 'refused' ? `refused:${r.reason}` : r.kind));
    expect(kinds.filter((k) => k === 'mismatch')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'locked')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'refused:locked')).toHaveLength(17);
    expect(await failureCount(u.stub)).toBe(3);
    expect(await stub.get(u.tenantId)).toMatchObject({ status: 'locked', attemptsLeft: { session: 0 } });
  });

  it('concurrent right values for both factors verify the session once', async () => {
    const u = await user();
    const { stub } = await session(u);
    const [a, b] = await Promise.all([
      stub.verify({ tenantId: u.tenantId, factor: 'PIN', normalized: PIN }),
      stub.verify({ tenantId: u.tenantId, factor: 'PATTERN', normalized: PATTERN }),
    ]);
    expect([a?.kind, b?.kind].sort()).toEqual(['passed', 'verified']);
    const view = await stub.get(u.tenantId);
    expect(view).toMatchObject({ status: 'verified', passedFactors: ['PIN', 'PATTERN'] });
    expect(view?.verifiedAt).toEqual(expect.any(Number));
  });

  it('another tenant gets nothing, and cannot record a PSP outcome', async () => {
    const u = await user();
    const { stub } = await session(u, { psp: { provider: 'stripe', checkoutSessionId: 'cko0', error: null } });
    expect(await stub.get('someone-else')).toBeNull();
    expect((await stub.verify({ tenantId: 'someone-else', factor: 'PIN', normalized: PIN })).kind).toBe('not_found');
    expect(await stub.recordPspOutcome('someone-else', 'PSP_UNAVAILABLE')).toBe(false);
    expect(await stub.recordPspOutcome(u.tenantId, 'PSP_UNAVAILABLE')).toBe(true);
    expect((await stub.get(u.tenantId))?.psp).toEqual({ provider: 'stripe', checkoutSessionId: 'cko0', error: 'PSP_UNAVAILABLE' });
  });

  it('expires by alarm at its deadline, refuses verification, and is deleted after the retention period', async () => {
    const u = await user();
    const { sessionId, stub } = await session(u);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    const view = await stub.get(u.tenantId);
    expect(alarm).toBe(view?.expiresAt);
    await shiftExpiry(stub, -301_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.get(u.tenantId))?.status).toBe('expired');
    const refused = await stub.verify({ tenantId: u.tenantId, factor: 'PIN', normalized: PIN });
    expect(refused).toMatchObject({ kind: 'refused', reason: 'expired' });
    expect(await failureCount(u.stub)).toBe(0); // nothing was compared
    // Next deadline: the end of retention.
    const next = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(next).toBe(((await stub.get(u.tenantId))?.expiresAt ?? 0) + RETAIN_AFTER_EXPIRY_MS);
    await shiftExpiry(stub, -RETAIN_AFTER_EXPIRY_MS);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.get(u.tenantId)).toBeNull();
    expect(sessionId).toMatch(/^sess_/);
  });

  it('a session past its deadline is expired even before its alarm runs', async () => {
    const u = await user();
    const { stub } = await session(u);
    await shiftExpiry(stub, -301_000);
    expect((await stub.verify({ tenantId: u.tenantId, factor: 'PIN', normalized: PIN })).kind).toBe('refused');
    expect((await stub.get(u.tenantId))?.status).toBe('expired');
  });
});

async function shiftExpiry(stub: DurableObjectStub<VerificationDO>, byMs: number) {
  await runInDurableObject(stub, (_i, state) => {
    const row = state.storage.sql.exec<{ data: string }>('SELECT data FROM session WHERE id = 1').one();
    const record = JSON.parse(row.data) as { expiresAt: number };
    record.expiresAt += byMs;
    state.storage.sql.exec('UPDATE session SET data = ? WHERE id = 1', JSON.stringify(record));
  });
}
