import { describe, expect, it } from 'vitest';
import type { TryTokenResult } from '../../../durable-objects/tokens/types.ts';
import { REFRESH_MARGIN_MS } from '../../../src/domain/token-expiry.ts';
import type { Bindings } from '../../../src/env.ts';
import { brokeredTokens } from '../../../src/psp/brokered-tokens.ts';
import { TokenRequestError } from '../../../src/psp/tokens.ts';

const HOUR = 3_600_000;

/** A broker that hands out tok-1, tok-2, … (or the answers it is given) and counts what it was asked. */
function fakeBroker(answers: Array<TryTokenResult | 'next'> = []) {
  const calls = { tryToken: 0, invalidate: [] as string[] };
  let issued = 0;
  const stub = {
    tryToken: async (): Promise<TryTokenResult> => {
      calls.tryToken++;
      const answer = answers.shift() ?? 'next';
      if (answer !== 'next') return answer;
      issued++;
      return { ok: true, accessToken: `tok-${issued}`, expiresAt: Date.now() + HOUR };
    },
    invalidate: async (token: string) => {
      calls.invalidate.push(token);
      return true;
    },
  };
  const env = { TOKEN_BROKERS: { idFromName: (name: string) => name, get: () => stub } } as unknown as Bindings;
  // A client id per test: the isolate's copies are kept by provider and client id.
  const credentials = {
    provider: 'qpay' as const,
    baseUrl: 'http://qpay.test',
    clientId: crypto.randomUUID(),
    clientSecret: 's',
    timeoutMs: 1000,
  };
  return { env, credentials, calls };
}

describe('brokeredTokens', () => {
  it('asks the broker once and reuses its token while it is usable, across sources of the same client', async () => {
    const { env, credentials, calls } = fakeBroker();
    expect(await brokeredTokens(env, credentials).token()).toBe('tok-1');
    expect(await brokeredTokens(env, credentials).token()).toBe('tok-1');
    expect(await brokeredTokens(env, credentials).token(500)).toBe('tok-1');
    expect(calls.tryToken).toBe(1);
    const other = { ...credentials, clientId: crypto.randomUUID() };
    expect(await brokeredTokens(env, other).token()).toBe('tok-2');
    expect(calls.tryToken).toBe(2);
  });

  it('asks the broker again once the token is inside the refresh margin', async () => {
    const soon = Date.now() + REFRESH_MARGIN_MS - 1_000;
    const { env, credentials, calls } = fakeBroker([{ ok: true, accessToken: 'old', expiresAt: soon }]);
    const tokens = brokeredTokens(env, credentials);
    expect(await tokens.token()).toBe('old');
    expect(await tokens.token()).toBe('tok-1');
    expect(await tokens.token()).toBe('tok-1');
    expect(calls.tryToken).toBe(2);
  });

  it('a refused token is dropped here and at the broker; a 401 for an older one keeps the newer', async () => {
    const { env, credentials, calls } = fakeBroker();
    const tokens = brokeredTokens(env, credentials);
    expect(await tokens.token()).toBe('tok-1');
    await tokens.invalidate('tok-1');
    expect(calls.invalidate).toEqual(['tok-1']);
    expect(await tokens.token()).toBe('tok-2');
    await tokens.invalidate('tok-1'); // a late 401 for the old token
    expect(await tokens.token()).toBe('tok-2');
    expect(calls.tryToken).toBe(2);
  });

  it('a failed request is thrown with its status and nothing is kept', async () => {
    const { env, credentials, calls } = fakeBroker([{ ok: false, status: 401 }]);
    const tokens = brokeredTokens(env, credentials);
    const failure = await tokens.token().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect((failure as TokenRequestError).status).toBe(401);
    expect(await tokens.token()).toBe('tok-1');
    expect(calls.tryToken).toBe(2);
  });
});
