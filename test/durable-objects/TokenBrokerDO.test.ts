import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { BrokerCredentials } from '../../durable-objects/tokens/types';
import { REFRESH_MARGIN_MS } from '../../src/domain/token-expiry';
import type { TokenBrokerDO } from '../../src/index';
import { tokenBrokerStub } from '../../src/lib/stubs';
import { configureSandbox, type SandboxRequest, sandbox } from '../helpers/sandbox';

const SECRET = 'qpay-client-secret-do-not-log';

function credentials(): BrokerCredentials {
  return {
    provider: 'qpay',
    baseUrl: `${inject('sandboxUrl')}/qpay/v2`,
    clientId: `merchant-${crypto.randomUUID()}`,
    clientSecret: SECRET,
    timeoutMs: 5_000,
  };
}

/** Upstream auth calls of one client id: token requests by its Basic credentials, refreshes by the refresh tokens it was given. */
async function authCalls(clientId: string) {
  const all = ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter(
    (r) => r.provider === 'qpay' && r.path.startsWith('/v2/auth/'),
  );
  const basic = `Basic ${btoa(`${clientId}:${SECRET}`)}`;
  const mine = new Set<string>();
  const calls: SandboxRequest[] = [];
  for (const r of all) {
    const isMine = r.headers.authorization === basic || mine.has(r.headers.authorization?.replace(/^Bearer /, '') ?? '');
    if (!isMine) continue;
    calls.push(r);
    if (r.response?.refresh_token) mine.add(r.response.refresh_token);
  }
  return calls;
}

/** Makes the cached token expire `ms` from now, as the time passing would. */
async function expireIn(broker: DurableObjectStub<TokenBrokerDO>, ms: number) {
  await runInDurableObject(broker, (_instance, state) => {
    state.storage.sql.exec('UPDATE grant_ SET expires_at = ? WHERE id = 1', Date.now() + ms);
  });
}

async function stampede(creds: BrokerCredentials, callers = 500) {
  const broker = tokenBrokerStub(env, 'qpay', creds.clientId);
  return Promise.all(Array.from({ length: callers }, () => broker.token(creds)));
}

afterEach(() => vi.restoreAllMocks());
afterAll(() => configureSandbox({ providers: { qpay: { latencyMs: 0, tokenTtlSeconds: 86_400, expiresInStyle: 'epoch' } } }));

describe('TokenBrokerDO', () => {
  for (const style of ['epoch', 'duration'] as const) {
    it(`serves 500 concurrent callers with a cold cache from one upstream request (expires_in as ${style})`, async () => {
      await configureSandbox({ providers: { qpay: { latencyMs: 200, tokenTtlSeconds: 86_400, expiresInStyle: style } } });
      const creds = credentials();
      const tokens = await stampede(creds);
      expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
      expect(tokens[0]?.expiresAt).toBeGreaterThan(Date.now() + 86_000_000);
      expect(tokens[0]?.expiresAt).toBeLessThan(Date.now() + 86_500_000);
      const calls = await authCalls(creds.clientId);
      expect(calls.map((c) => c.path)).toEqual(['/v2/auth/token']);
    });
  }

  it('crossing the 60-second refresh margin makes exactly one more upstream request (a refresh)', async () => {
    await configureSandbox({ providers: { qpay: { latencyMs: 50, tokenTtlSeconds: 86_400, expiresInStyle: 'duration' } } });
    const creds = credentials();
    const broker = tokenBrokerStub(env, 'qpay', creds.clientId);
    const first = await stampede(creds, 100);
    expect(new Set(first.map((t) => t.accessToken)).size).toBe(1);
    // Time is moved by rewinding the stored expiry, half a minute either side of the margin: nothing races the clock.
    await expireIn(broker, REFRESH_MARGIN_MS + 30_000);
    const outside = await stampede(creds, 100);
    expect(new Set(outside.map((t) => t.accessToken))).toEqual(new Set([first[0]?.accessToken]));
    expect((await authCalls(creds.clientId)).map((c) => c.path)).toEqual(['/v2/auth/token']);

    await expireIn(broker, REFRESH_MARGIN_MS - 30_000);
    const second = await stampede(creds, 500);
    expect(new Set(second.map((t) => t.accessToken)).size).toBe(1);
    expect(second[0]?.accessToken).not.toBe(first[0]?.accessToken);
    expect((await authCalls(creds.clientId)).map((c) => c.path)).toEqual(['/v2/auth/token', '/v2/auth/refresh']);
  });

  it('keeps the token in storage: an evicted broker does not fetch again', async () => {
    await configureSandbox({ providers: { qpay: { latencyMs: 0, tokenTtlSeconds: 86_400, expiresInStyle: 'epoch' } } });
    const creds = credentials();
    const broker = tokenBrokerStub(env, 'qpay', creds.clientId);
    const before = await broker.token(creds);
    await evictDurableObject(broker);
    expect((await broker.token(creds)).accessToken).toBe(before.accessToken);
    expect(await authCalls(creds.clientId)).toHaveLength(1);
  });

  it('a token the provider refused is invalidated once; the next caller gets a new one', async () => {
    const creds = credentials();
    const broker = tokenBrokerStub(env, 'qpay', creds.clientId);
    const old = await broker.token(creds);
    expect(await broker.invalidate(old.accessToken)).toBe(true);
    expect(await broker.invalidate(old.accessToken)).toBe(false);
    const fresh = await broker.token(creds);
    expect(fresh.accessToken).not.toBe(old.accessToken);
    expect(await broker.invalidate(old.accessToken)).toBe(false); // a stale 401 does not drop the new token
    expect((await broker.token(creds)).accessToken).toBe(fresh.accessToken);
  });

  it('a caller waits no longer than its own time left, even on a fetch another caller started', async () => {
    await configureSandbox({ providers: { qpay: { latencyMs: 1_500, tokenTtlSeconds: 86_400, expiresInStyle: 'epoch' } } });
    const creds = credentials();
    const broker = tokenBrokerStub(env, 'qpay', creds.clientId);
    const patient = broker.tryToken(creds);
    await new Promise((r) => setTimeout(r, 50)); // the first caller's fetch is in flight
    const started = Date.now();
    const hurried = await broker.tryToken({ ...creds, timeoutMs: 300 });
    const waited = Date.now() - started;
    expect(hurried).toEqual({ ok: false, status: null });
    expect(waited).toBeLessThan(1_200);
    expect(await patient).toMatchObject({ ok: true });
    // The fetch was shared, not repeated, and its token is cached for the next caller.
    expect(await authCalls(creds.clientId)).toHaveLength(1);
    expect((await broker.tryToken({ ...creds, timeoutMs: 300 })).ok).toBe(true);
  });

  it('never writes a token or the client secret to a log line', async () => {
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    }
    const creds = credentials();
    const broker = tokenBrokerStub(env, 'qpay', creds.clientId);
    const token = await broker.token(creds);
    await broker.invalidate(token.accessToken);
    await broker.token(creds);
    const unreachable = { ...credentials(), baseUrl: 'http://127.0.0.1:1/qpay/v2' };
    // Awaited inside a native async function: an RPC promise handed to expect().rejects is not fully consumed.
    const failure = await (async () => {
      try {
        await tokenBrokerStub(env, 'qpay', unreachable.clientId).token(unreachable);
        return null;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    })();
    expect(failure).toMatch(/QPay token request failed/);
    const text = lines.join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(token.accessToken);
    expect(text).not.toContain('qpay_rt_');
  });
});
