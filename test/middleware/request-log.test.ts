import { afterEach, describe, expect, it, vi } from 'vitest';
import { callWithEnv } from '../helpers/app';

// The test environment logs at warn; these tests look at the info lines operators see in `wrangler tail`.
const call = (path: string, init?: RequestInit) => callWithEnv({ LOG_LEVEL: 'info' }, path, init);

import { UNMATCHED_ROUTE } from '../../src/middleware/request-log';
import { bearer, signToken } from '../helpers/tokens';

function captured(spy: { mock: { calls: unknown[][] } }) {
  return spy.mock.calls.map(([line]) => String(line));
}

describe('request log', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line per request with requestId, method, route pattern, status, ms and tenant', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    const token = await signToken({ role: 'admin', tenant_id: 'tenant-log', sub: 'log-admin' });
    const res = await call('/admin/stats?secret=abc', { headers: bearer(token) });
    const lines = captured(info).filter((l) => l.includes('"msg":"request"'));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ level: 'info', method: 'GET', path: '/admin/stats', status: res.status, tenant: 'tenant-log' });
    expect(entry.requestId).toBe(res.headers.get('x-request-id'));
    expect(typeof entry.ms).toBe('number');
    const all = captured(info).join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain('secret=abc');
  });

  it('logs a 4xx at info level, with tenant null when there is no token', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    await call('/missing');
    const entry = JSON.parse(captured(info).find((l) => l.includes('"msg":"request"')) as string);
    expect(entry).toMatchObject({ level: 'info', status: 404, tenant: null });
  });

  it('logs the route pattern, not the path: handles and card-like ids in a path never reach the log', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    const merchant = bearer(await signToken({ role: 'merchant', tenant_id: 'tenant-log', sub: 'shop-log' }));
    const factors = await call('/v1/users/alice.notap.sol/factors', { headers: merchant });
    const transaction = await call('/api/v1/payments/transaction/4111111111111111', { headers: merchant });
    const entries = captured(info)
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', '/v1/users/:userUuid/factors', factors.status],
      ['GET', '/api/v1/payments/transaction/:transactionId', transaction.status],
    ]);
    const all = captured(info).join('\n');
    expect(all).not.toContain('alice.notap.sol');
    expect(all).not.toContain('4111111111111111');
  });

  it('logs a fixed placeholder for a request no route answers (404)', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    const res = await call('/v1/customers/bob.notap.sol/cards/5555555555554444');
    expect(res.status).toBe(404);
    const all = captured(info).join('\n');
    const entry = JSON.parse(captured(info).find((l) => l.includes('"msg":"request"')) as string);
    expect(entry).toMatchObject({ method: 'GET', path: UNMATCHED_ROUTE, status: 404 });
    expect(all).not.toContain('bob.notap.sol');
    expect(all).not.toContain('5555555555554444');
  });

  it('logs the path’s pattern for a method the path does not take (405)', async () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => {});
    const res = await call('/v1/users/carol.notap.sol/factors', { method: 'DELETE' });
    expect(res.status).toBe(405);
    const entry = JSON.parse(captured(info).find((l) => l.includes('"msg":"request"')) as string);
    expect(entry).toMatchObject({ method: 'DELETE', path: '/v1/users/:userUuid/factors', status: 405 });
    expect(captured(info).join('\n')).not.toContain('carol.notap.sol');
  });
});
