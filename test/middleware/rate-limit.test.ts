import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { bearer, signToken } from '../helpers/tokens';

describe('per-user rate limit (RATE_LIMIT_USER: 60 per 60 s)', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After once a user passes the limit, and not other users', async () => {
    const heavy = bearer(await signToken({ role: 'admin', sub: `heavy-${crypto.randomUUID()}` }));
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await call('/admin/dead-letters?limit=1', { headers: heavy })).status);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    const res = await call('/admin/dead-letters?limit=1', { headers: heavy });
    expect(res.headers.get('retry-after')).toBe('60');
    expect((await json<ErrorBody>(res)).code).toBe('RATE_LIMIT_EXCEEDED');

    const other = bearer(await signToken({ role: 'admin', sub: `light-${crypto.randomUUID()}` }));
    expect((await call('/admin/dead-letters?limit=1', { headers: other })).status).toBe(200);
  });
});

describe('per-IP budget for invalid tokens (RATE_LIMIT_IP: 100 per 60 s)', () => {
  it('answers 429 after 100 rejected tokens from one IP; other IPs are unaffected', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const garbage = { Authorization: 'Bearer not.a.jwt', 'cf-connecting-ip': ip };
    const codes: string[] = [];
    for (let i = 0; i < 101; i++) codes.push((await json<ErrorBody>(await call('/admin/stats', { headers: garbage }))).code);
    expect(codes.slice(0, 100).every((c) => c === 'INVALID_TOKEN')).toBe(true);
    expect(codes[100]).toBe('RATE_LIMIT_EXCEEDED');
    const elsewhere = await call('/admin/stats', { headers: { ...garbage, 'cf-connecting-ip': '203.0.113.7' } });
    expect((await json<ErrorBody>(elsewhere)).code).toBe('INVALID_TOKEN');
  });
});
