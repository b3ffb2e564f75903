import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { FactorValueCommand } from '../../durable-objects/factors/types';
import { USER_LOCKOUT_FAILURES } from '../../src/domain/factors';
import { userFactorsStub } from '../../src/lib/stubs';

/** One user's enrolled factors: digests only, checks one at a time, and the per-user lockout. */
function user() {
  const tenantId = `t-${crypto.randomUUID()}`;
  const userUuid = crypto.randomUUID();
  const cmd = (normalized: string, factor: FactorValueCommand['factor'] = 'PIN'): FactorValueCommand => ({
    tenantId,
    userUuid,
    factor,
    normalized,
  });
  return { tenantId, userUuid, cmd, stub: userFactorsStub(env, tenantId, userUuid) };
}

describe('UserFactorsDO', () => {
  it('enrols a factor as a digest, never the value, and replaces it on a second enrolment', async () => {
    const { stub, cmd, tenantId } = user();
    expect(await stub.enrol(cmd('1234'))).toMatchObject({ kind: 'enrolled', factor: 'PIN', replaced: false });
    expect(await stub.enrol(cmd('5678'))).toMatchObject({ kind: 'enrolled', replaced: true });
    expect((await stub.enrolment(tenantId)).factors.map((f) => f.factor)).toEqual(['PIN']);
    expect(await stub.enrolment('another-tenant')).toEqual({ factors: [], lockedUntil: null });
    await runInDurableObject(stub, (_i, state) => {
      const stored = JSON.stringify(state.storage.sql.exec('SELECT * FROM factors').toArray());
      expect(stored).not.toContain('5678');
    });
    expect(await stub.check(cmd('5678'))).toEqual({ kind: 'match' });
    expect(await stub.check(cmd('1234'))).toMatchObject({ kind: 'mismatch', lockedUntil: null });
    expect(await stub.check(cmd('x', 'COLOR'))).toEqual({ kind: 'not_enrolled' });
  });

  it('belongs to one user: another user under its name is a conflict', async () => {
    const { stub, cmd } = user();
    await stub.enrol(cmd('1234'));
    expect(await stub.enrol({ ...cmd('1234'), userUuid: crypto.randomUUID() })).toEqual({ kind: 'conflict' });
  });

  it('locks the user after the allowed wrong values, even when they arrive at once', async () => {
    const { stub, cmd, tenantId } = user();
    await stub.enrol(cmd('1234'));
    const results = await Promise.all(Array.from({ length: USER_LOCKOUT_FAILURES + 3 }, () => stub.check(cmd('0000'))));
    const kinds = results.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'mismatch')).toHaveLength(USER_LOCKOUT_FAILURES);
    expect(kinds.slice(USER_LOCKOUT_FAILURES).every((k) => k === 'locked')).toBe(true);
    expect(await stub.check(cmd('1234'))).toMatchObject({ kind: 'locked' });
    expect((await stub.enrolment(tenantId)).lockedUntil).toBeGreaterThan(Date.now());
  });
});
