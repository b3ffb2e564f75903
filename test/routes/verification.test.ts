import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { verificationStub } from '../../src/lib/stubs';
import { merchantHeaders } from '../helpers/checkout';
import { bearer, signToken } from '../helpers/tokens';
import { enrol, type InitiateBody, initiate, request, rewindExpiry, settle, VALUES, verify, WRONG } from '../helpers/verification';

/**
 * NoTap step-up verification without a PSP: enrolment, initiate with its base answer, verify one
 * factor at a time with attempt limits, lockouts and expiry. The PSP half is in verification-psp.test.ts.
 */
const SEED_KEYS = [
  'success',
  'session_id',
  'uuid',
  'required_factors',
  'enrolled_factors',
  'initial_required_count',
  'transaction_amount',
  'risk_level',
  'expires_in',
  'message',
];

const tenantName = (label: string) => `t-notap-${label}-${crypto.randomUUID().slice(0, 8)}`;

afterEach(settle);

describe('enrolment', () => {
  it('enrols factors, replaces one on re-enrolment, and lists names and times only', async () => {
    const h = await merchantHeaders(tenantName('enrol'));
    const first = await request('POST', '/v1/users/alice.notap.sol/factors', h, { factor: 'PIN', value: VALUES.PIN });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ success: true, factor: 'PIN', replaced: false });
    expect(Object.keys(first.body).sort()).toEqual(['enrolled_at', 'factor', 'replaced', 'success', 'uuid']);
    const uuid = first.body.uuid as string;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // The handle is case-insensitive, and resolves to the same user as its uuid.
    const pattern = await request('POST', '/v1/users/Alice.NoTap.sol/factors', h, { factor: 'PATTERN', value: '6-3-0-4-8-5-2' });
    expect(pattern.status).toBe(201);
    expect(pattern.body.uuid).toBe(uuid);
    const again = await request('POST', `/v1/users/${uuid}/factors`, h, { factor: 'PIN', value: '24681357' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ uuid, factor: 'PIN', replaced: true });

    const list = await request<{ uuid: string; factors: { factor: string; enrolled_at: string }[] }>(
      'GET',
      '/v1/users/alice.notap.sol/factors',
      h,
    );
    expect(list.status).toBe(200);
    expect(list.body.uuid).toBe(uuid);
    expect(list.body.factors.map((f) => f.factor)).toEqual(['PIN', 'PATTERN']);
    expect(list.body.factors.every((f) => Object.keys(f).sort().join() === 'enrolled_at,factor')).toBe(true);
    const text = JSON.stringify(list.body);
    for (const leaked of ['24681357', VALUES.PIN, '6-3-0-4-8-5-2']) expect(text).not.toContain(leaked);
  });

  it('a UUID names itself (lower case); another tenant does not see the user', async () => {
    const h = await merchantHeaders(tenantName('uuid'));
    const id = crypto.randomUUID().toUpperCase();
    const r = await request('POST', `/v1/users/${id}/factors`, h, { factor: 'EMOJI', value: VALUES.EMOJI });
    expect(r.status).toBe(201);
    expect(r.body.uuid).toBe(id.toLowerCase());
    const other = await merchantHeaders(tenantName('uuid-other'));
    const seen = await request<{ code: string }>('GET', `/v1/users/${id}/factors`, other);
    expect(seen.status).toBe(404);
    expect(seen.body.code).toBe('NOT_FOUND');
  });

  it.each([
    ['PIN', '12a4'],
    ['PIN', 1234],
    ['PIN', '123'],
    ['PATTERN', [0, 2, 5, 8]],
    ['PATTERN', [0, 1, 1, 2]],
    ['EMOJI', ['🍎', '💣', '🍎', '🍎']],
    ['COLOR', ['red', 'magenta', 'blue']],
  ])('%s %j → 422 naming value, without echoing it', async (factor, value) => {
    const h = await merchantHeaders(tenantName('bad'));
    const r = await request<{ code: string; errors: { field: string; message: string }[] }>('POST', '/v1/users/bob.notap.sol/factors', h, {
      factor,
      value,
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('VALIDATION_ERROR');
    expect(r.body.errors.map((e) => e.field)).toEqual(['value']);
    if (typeof value === 'string') expect(JSON.stringify(r.body)).not.toContain(`"${value}"`);
  });

  it('unknown factor, bad user reference, buyers and anonymous callers are refused', async () => {
    const tenant = tenantName('auth');
    const h = await merchantHeaders(tenant);
    expect((await request('POST', '/v1/users/bob/factors', h, { factor: 'VOICE', value: 'x' })).status).toBe(422);
    const badUser = await request<{ errors: { field: string }[] }>('POST', '/v1/users/bad%20user/factors', h, {
      factor: 'PIN',
      value: '1234',
    });
    expect(badUser.status).toBe(422);
    expect(badUser.body.errors[0]?.field).toBe('userUuid');
    const buyer = { ...bearer(await signToken({ sub: 'u1', tenant_id: tenant, role: 'user' })), 'content-type': 'application/json' };
    expect((await request('POST', '/v1/users/bob/factors', buyer, { factor: 'PIN', value: '1234' })).status).toBe(403);
    expect((await request('GET', '/v1/users/bob/factors', { 'content-type': 'application/json' })).status).toBe(401);
  });
});

describe('POST /v1/verification/initiate', () => {
  it('without psp_config: exactly the base keys, and PIN, PATTERN for LOW 49.99', async () => {
    const h = await merchantHeaders(tenantName('seed'));
    const uuid = await enrol(h, 'alice.notap.sol', ['PIN', 'PATTERN', 'EMOJI', 'COLOR']);
    const r = await initiate(h, { user_uuid: 'alice.notap.sol', transaction_amount: 49.99, risk_level: 'LOW' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual([...SEED_KEYS].sort());
    expect(r.body).toEqual({
      success: true,
      session_id: expect.stringMatching(/^sess_[0-9a-f]{32}$/),
      uuid,
      required_factors: ['PIN', 'PATTERN'],
      enrolled_factors: ['PIN', 'PATTERN', 'EMOJI', 'COLOR'],
      initial_required_count: 2,
      transaction_amount: 49.99,
      risk_level: 'LOW',
      expires_in: 300,
      message: 'Verification session created',
    });
  });

  it('a request without risk_level is LOW; MEDIUM/HIGH and large amounts ask for more factors', async () => {
    const h = await merchantHeaders(tenantName('risk'));
    await enrol(h, 'carol', ['PIN', 'PATTERN', 'EMOJI', 'COLOR']);
    const plain = await initiate(h, { user_uuid: 'carol', transaction_amount: 49.99 });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ risk_level: 'LOW', initial_required_count: 2 });
    expect(Object.keys(plain.body).some((k) => k.startsWith('psp_'))).toBe(false);
    const medium = await initiate(h, { user_uuid: 'carol', transaction_amount: 49.99, risk_level: 'MEDIUM' });
    expect(medium.body.required_factors).toEqual(['PIN', 'PATTERN', 'EMOJI']);
    const big = await initiate(h, { user_uuid: 'carol', transaction_amount: 25_000, risk_level: 'LOW' });
    expect(big.body.required_factors).toEqual(['PIN', 'PATTERN', 'EMOJI', 'COLOR']);
  });

  it('HIGH never asks for more factors than enrolled', async () => {
    const h = await merchantHeaders(tenantName('cap'));
    await enrol(h, 'dave', ['COLOR', 'EMOJI', 'PIN']);
    const r = await initiate(h, { user_uuid: 'dave', transaction_amount: 99_999, risk_level: 'HIGH' });
    expect(r.body).toMatchObject({ required_factors: ['PIN', 'EMOJI', 'COLOR'], enrolled_factors: ['PIN', 'EMOJI', 'COLOR'] });
  });

  it('psp: "invalid_psp" → 200, verification intact, psp_ready false with INVALID_PSP_CONFIG', async () => {
    const h = await merchantHeaders(tenantName('invalid-psp'));
    await enrol(h, 'alice.notap.sol', ['PIN', 'PATTERN']);
    const r = await initiate(h, {
      user_uuid: 'alice.notap.sol',
      transaction_amount: 49.99,
      risk_level: 'LOW',
      psp_config: { psp: 'invalid_psp', psp_merchant_id: 'test', currency: 'USD' },
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual([...SEED_KEYS, 'psp_ready', 'psp_error'].sort());
    expect(r.body).toMatchObject({
      success: true,
      required_factors: ['PIN', 'PATTERN'],
      psp_ready: false,
      psp_error: 'INVALID_PSP_CONFIG',
    });
    const state = await request<{ psp_ready: boolean; psp_error: string; status: string }>(
      'GET',
      `/v1/verification/${r.body.session_id}`,
      h,
    );
    expect(state.body).toMatchObject({ status: 'pending', psp_ready: false, psp_error: 'INVALID_PSP_CONFIG' });
  });

  it('an amount not exact in the PSP currency → psp_ready false with INVALID_PSP_AMOUNT; a non-object psp_config too', async () => {
    const h = await merchantHeaders(tenantName('psp-amount'));
    await enrol(h, 'erin', ['PIN', 'PATTERN']);
    const r = await initiate(h, {
      user_uuid: 'erin',
      transaction_amount: 49.999,
      psp_config: { psp: 'stripe', psp_merchant_id: 'acct_1', currency: 'USD' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ psp_ready: false, psp_error: 'INVALID_PSP_AMOUNT', transaction_amount: 49.999 });
    const s = await initiate(h, { user_uuid: 'erin', transaction_amount: 5, psp_config: 'stripe' });
    expect(s.body).toMatchObject({ psp_ready: false, psp_error: 'INVALID_PSP_CONFIG' });
    const n = await initiate(h, { user_uuid: 'erin', transaction_amount: 5, psp_config: null });
    expect(Object.keys(n.body).sort()).toEqual([...SEED_KEYS].sort());
  });

  it.each([
    [{ user_uuid: 'bad user', transaction_amount: 1, risk_level: 'LOW' }, 'user_uuid'],
    [{ user_uuid: 'alice', transaction_amount: -1, risk_level: 'LOW' }, 'transaction_amount'],
    [{ user_uuid: 'alice', transaction_amount: '49.99', risk_level: 'LOW' }, 'transaction_amount'],
    [{ user_uuid: 'alice', transaction_amount: 1.23456, risk_level: 'LOW' }, 'transaction_amount'],
    [{ user_uuid: 'alice', transaction_amount: 1, risk_level: 'EXTREME' }, 'risk_level'],
    [{ transaction_amount: 1 }, 'user_uuid'],
  ])('an invalid auth part %j → 422 on %s', async (body, field) => {
    const h = await merchantHeaders(tenantName('invalid'));
    const r = await initiate(h, { ...body, psp_config: { psp: 'stripe', psp_merchant_id: 'acct_1', currency: 'USD' } });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('VALIDATION_ERROR');
    expect(r.body.errors?.map((e) => e.field)).toContain(field);
  });

  it('an unknown user → 404; one enrolled factor → 422 INSUFFICIENT_FACTORS', async () => {
    const h = await merchantHeaders(tenantName('unknown'));
    const unknown = await initiate(h, { user_uuid: 'nobody.notap.sol', transaction_amount: 10 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    await enrol(h, 'frank', ['PIN']);
    const few = await initiate(h, { user_uuid: 'frank', transaction_amount: 10 });
    expect(few.status).toBe(422);
    expect(few.body.code).toBe('INSUFFICIENT_FACTORS');
  });
});

describe('POST /v1/verification/:sessionId/verify', () => {
  async function session(label: string, factors: (keyof typeof VALUES)[] = ['PIN', 'PATTERN']) {
    const tenant = tenantName(label);
    const h = await merchantHeaders(tenant);
    const uuid = await enrol(h, 'grace.notap.sol', factors);
    const r = await initiate(h, { user_uuid: 'grace.notap.sol', transaction_amount: 20, risk_level: 'LOW' });
    expect(r.status).toBe(200);
    return { h, tenant, uuid, id: r.body.session_id, body: r.body as InitiateBody };
  }

  it('one factor at a time: pending, then verified with a token (no PSP → checkout_url null)', async () => {
    const { h, id } = await session('ok');
    const first = await verify(h, id, 'PATTERN', VALUES.PATTERN);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, status: 'pending', passed_factors: ['PATTERN'], remaining_factors: ['PIN'] });
    expect(first.body.verification_token).toBeUndefined();
    const last = await verify(h, id, 'PIN', VALUES.PIN);
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ status: 'verified', passed_factors: ['PIN', 'PATTERN'], remaining_factors: [], checkout_url: null });
    expect(last.body.verification_token).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    const again = await verify(h, id, 'PIN', VALUES.PIN);
    expect(again.status).toBe(409);
    const state = await request<Record<string, unknown>>('GET', `/v1/verification/${id}`, h);
    expect(state.body).toMatchObject({ status: 'verified', passed_factors: ['PIN', 'PATTERN'], remaining_factors: [] });
    expect(state.body.verified_at).toEqual(expect.any(String));
    expect(JSON.stringify(state.body)).not.toContain('token');
  });

  it('repeated wrong values lock the session: the third wrong PIN → 423, and then even the right one is refused', async () => {
    const { h, id } = await session('lock');
    for (const left of [2, 1]) {
      const wrong = await verify(h, id, 'PIN', WRONG.PIN);
      expect(wrong.status).toBe(422);
      expect(wrong.body.code).toBe('FACTOR_MISMATCH');
      expect(wrong.body.errors?.[0]).toMatchObject({ field: 'value' });
      expect(wrong.body.errors?.[0]?.message).toContain(`${left} attempt`);
      expect(JSON.stringify(wrong.body)).not.toContain(WRONG.PIN as string);
    }
    const third = await verify(h, id, 'PIN', WRONG.PIN);
    expect(third.status).toBe(423);
    expect(third.body.code).toBe('VERIFICATION_LOCKED');
    const right = await verify(h, id, 'PIN', VALUES.PIN);
    expect(right.status).toBe(423);
    expect((await verify(h, id, 'PATTERN', VALUES.PATTERN)).status).toBe(423);
    const state = await request<{ status: string; attempts_left: { session: number } }>('GET', `/v1/verification/${id}`, h);
    expect(state.body.status).toBe('locked');
    expect(state.body.attempts_left.session).toBe(0);
  });

  it('five wrong values across factors lock the session', async () => {
    const { h, id } = await session('lock5', ['PIN', 'PATTERN', 'EMOJI', 'COLOR']);
    const r = await initiate(h, { user_uuid: 'grace.notap.sol', transaction_amount: 20, risk_level: 'HIGH' });
    const sid = r.body.session_id;
    const statuses: number[] = [];
    for (const f of ['PIN', 'PATTERN', 'EMOJI', 'COLOR', 'PIN'] as const) statuses.push((await verify(h, sid, f, WRONG[f])).status);
    expect(statuses).toEqual([422, 422, 422, 422, 423]);
    expect((await verify(h, id, 'PIN', VALUES.PIN)).status).toBe(200); // the other session is untouched
  });

  it('a factor not required, or already passed, is a 422 on factor; a malformed value is a 422 that costs no attempt', async () => {
    const { h, id } = await session('refuse');
    const notRequired = await verify(h, id, 'COLOR', VALUES.COLOR);
    expect(notRequired.status).toBe(422);
    expect(notRequired.body.errors?.[0]?.field).toBe('factor');
    expect((await verify(h, id, 'PIN', VALUES.PIN)).status).toBe(200);
    const twice = await verify(h, id, 'PIN', VALUES.PIN);
    expect(twice.status).toBe(422);
    expect(twice.body.errors?.[0]?.field).toBe('factor');
    const malformed = await verify(h, id, 'PATTERN', [0, 2]);
    expect(malformed.status).toBe(422);
    expect(malformed.body.code).toBe('VALIDATION_ERROR');
    const state = await request<{ attempts_left: { session: number; factors: Record<string, number> } }>(
      'GET',
      `/v1/verification/${id}`,
      h,
    );
    expect(state.body.attempts_left).toEqual({ session: 5, factors: { PATTERN: 3 } });
  });

  it('an expired session refuses verification (410 SESSION_EXPIRED) and reads as expired', async () => {
    const { h, tenant, id } = await session('expiry');
    const stub = verificationStub(env, id);
    // Not due yet: the alarm changes nothing.
    await runDurableObjectAlarm(stub);
    expect((await request<{ status: string }>('GET', `/v1/verification/${id}`, h)).body.status).toBe('pending');
    await rewindExpiry(id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.get(tenant))?.status).toBe('expired');
    const r = await verify(h, id, 'PIN', VALUES.PIN);
    expect(r.status).toBe(410);
    expect(r.body.code).toBe('SESSION_EXPIRED');
    const state = await request<{ status: string }>('GET', `/v1/verification/${id}`, h);
    expect(state.body.status).toBe('expired');
  });

  it('another tenant’s session is not found; buyers are refused', async () => {
    const { h, id } = await session('tenant');
    const other = await merchantHeaders(tenantName('tenant-other'));
    expect((await request('GET', `/v1/verification/${id}`, other)).status).toBe(404);
    expect((await verify(other, id, 'PIN', VALUES.PIN)).status).toBe(404);
    const buyer = { ...bearer(await signToken({ sub: 'u1', tenant_id: 't1', role: 'user' })), 'content-type': 'application/json' };
    expect((await verify(buyer, id, 'PIN', VALUES.PIN)).status).toBe(403);
    expect((await request('GET', '/v1/verification/sess_nothex', h)).status).toBe(422);
    // The owner still can.
    expect((await verify(h, id, 'PIN', VALUES.PIN)).status).toBe(200);
  });

  it('ten wrong values for a user within 15 minutes lock the user out of new sessions (423 USER_LOCKED)', async () => {
    const h = await merchantHeaders(tenantName('user-lock'));
    await enrol(h, 'heidi', ['PIN', 'PATTERN']);
    let wrong = 0;
    while (wrong < 10) {
      const r = await initiate(h, { user_uuid: 'heidi', transaction_amount: 5 });
      expect(r.status).toBe(200);
      for (let i = 0; i < 3 && wrong < 10; i++, wrong++) await verify(h, r.body.session_id, 'PIN', WRONG.PIN);
    }
    const refused = await initiate(h, { user_uuid: 'heidi', transaction_amount: 5 });
    expect(refused.status).toBe(423);
    expect(refused.body.code).toBe('USER_LOCKED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
  });
});
