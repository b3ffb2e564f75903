import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RecordedRequest, type Sandbox, startSandbox } from '../../dev/sandbox/server.ts';
import type { SandboxProvider, SandboxRequest } from '../../dev/sandbox/types.ts';

/**
 * Behaviour of the PSP sandbox server over real HTTP on 127.0.0.1, with tiny providers defined here so
 * nothing depends on the real emulators registered in dev/sandbox/providers.ts.
 */
const KNOWN_SESSION = 'cs_known';
/** A session the provider refuses to complete (e.g. expired): it answers with its own status. */
const REFUSED_SESSION = 'cs_refused';

function echoProvider(name: string): SandboxProvider & { seen: SandboxRequest[]; resets: number } {
  const provider = {
    name,
    seen: [] as SandboxRequest[],
    resets: 0,
    async handle(req: SandboxRequest) {
      provider.seen.push(req);
      return { status: 200, body: { echoed: true, provider: name, method: req.method, path: req.path, body: req.body } };
    },
    async complete(sessionId: string) {
      if (sessionId === REFUSED_SESSION) return { notified: false, status: 409 };
      return sessionId === KNOWN_SESSION ? { notified: false } : null;
    },
    reset() {
      provider.resets += 1;
    },
  };
  return provider;
}

const JWKS = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x-coordinate', y: 'y-coordinate', kid: 'test-kid', alg: 'ES256', use: 'sig' }] };

let sandbox: Sandbox;
let echo: ReturnType<typeof echoProvider>;
let other: ReturnType<typeof echoProvider>;

beforeEach(async () => {
  echo = echoProvider('echo');
  other = echoProvider('other');
  sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [echo, other], jwks: JWKS });
});

afterEach(async () => {
  await sandbox.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (typeof body !== 'string') (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${sandbox.url}${path}`, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

const recorded = async (): Promise<RecordedRequest[]> => {
  const res = await call('GET', '/__sandbox/requests');
  expect(res.status).toBe(200);
  return res.body as RecordedRequest[];
};

describe('PSP sandbox server', () => {
  it('listens on 127.0.0.1 and reports its url', () => {
    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
    expect(sandbox.port).toBeGreaterThan(0);
  });

  it('routes /<provider>/… to the provider and records every exchange, oldest first', async () => {
    const before = Date.now();
    const first = await call(
      'POST',
      '/echo/v1/checkout/sessions?expand=line_items&mode=payment',
      { amount: 1250, currency: 'eur' },
      {
        'x-test-header': 'hello',
      },
    );
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      echoed: true,
      provider: 'echo',
      method: 'POST',
      path: '/v1/checkout/sessions',
      body: { amount: 1250, currency: 'eur' },
    });
    const second = await call('GET', '/other/v2/payments/pay_1');
    expect(second.status).toBe(200);
    const after = Date.now();

    const list = await recorded();
    expect(list).toHaveLength(2);
    const [a, b] = list as [RecordedRequest, RecordedRequest];
    expect(a).toMatchObject({
      provider: 'echo',
      method: 'POST',
      path: '/v1/checkout/sessions',
      query: { expand: 'line_items', mode: 'payment' },
      body: { amount: 1250, currency: 'eur' },
      status: 200,
      response: first.body,
    });
    expect(a.headers['x-test-header']).toBe('hello');
    expect(a.headers['content-type']).toBe('application/json');
    expect(b).toMatchObject({ provider: 'other', method: 'GET', path: '/v2/payments/pay_1', query: {}, body: null, status: 200 });
    for (const r of list) {
      const at = Date.parse(r.at);
      expect(Number.isNaN(at)).toBe(false);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(after + 1000);
    }
    expect(Date.parse(a.at)).toBeLessThanOrEqual(Date.parse(b.at));
    // The provider saw the same parsed request, including the raw body, which is recorded too.
    expect(echo.seen[0]?.rawBody).toBe(JSON.stringify({ amount: 1250, currency: 'eur' }));
    expect(a.rawBody).toBe(JSON.stringify({ amount: 1250, currency: 'eur' }));
    // Providers without an OpenAPI extract get no contract check.
    expect(a).not.toHaveProperty('contract');
  });

  it('parses form bodies and keeps other bodies as text', async () => {
    await call('POST', '/echo/form', 'a=1&b=two', { 'content-type': 'application/x-www-form-urlencoded' });
    await call('POST', '/echo/text', 'just text', { 'content-type': 'text/plain' });
    await call('POST', '/echo/badjson', '{not json', { 'content-type': 'application/json' });
    const list = await recorded();
    expect(list.map((r) => r.body)).toEqual([{ a: '1', b: 'two' }, 'just text', '{not json']);
  });

  it('POST /__sandbox/reset forgets requests, resets config and resets providers', async () => {
    await call('GET', '/echo/x');
    expect((await call('POST', '/__sandbox/config', { latencyMs: 5, providers: { echo: { failStatus: 502 } } })).status).toBe(200);
    expect(await recorded()).toHaveLength(1);

    const reset = await call('POST', '/__sandbox/reset');
    expect(reset).toEqual({ status: 200, body: { reset: true } });
    expect(await recorded()).toEqual([]);
    expect((await call('GET', '/__sandbox/config')).body).toEqual({
      latencyMs: 0,
      failRate: 0,
      failStatus: 500,
      timeoutRate: 0,
      timeoutMs: 30_000,
      providers: {},
    });
    expect(echo.resets).toBe(1);
    expect(other.resets).toBe(1);
  });

  describe('POST /__sandbox/config', () => {
    it('rejects an unknown key with 400 and the errors', async () => {
      const res = await call('POST', '/__sandbox/config', { latencyMs: 10, bogus: 1 });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid config');
      expect(res.body.errors).toEqual(['config.bogus: unknown setting']);
      // Nothing was applied, not even the valid part.
      expect((await call('GET', '/__sandbox/config')).body.latencyMs).toBe(0);
    });

    it('rejects out-of-range and non-number values', async () => {
      const res = await call('POST', '/__sandbox/config', { failRate: 1.5, failStatus: 200, latencyMs: '5' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        'config.failRate: must be a number in [0, 1]',
        'config.failStatus: must be a number in [400, 599]',
        'config.latencyMs: must be a number in [0, 60000]',
      ]);
    });

    it('rejects malformed JSON', async () => {
      const res = await call('POST', '/__sandbox/config', '{"latencyMs": ', { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'malformed JSON' });
    });

    it('rejects a body that is not an object (null, a number, an array) and providers that is not a map', async () => {
      for (const body of ['null', '5', '[]', '{"providers": []}']) {
        const res = await call('POST', '/__sandbox/config', body, { 'content-type': 'application/json' });
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid config');
      }
    });

    it('rejects an unknown provider and bad per-provider knobs', async () => {
      const res = await call('POST', '/__sandbox/config', { providers: { nope: { failRate: 1 }, echo: { failRate: 2 } } });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        'config.providers.nope: unknown provider',
        'config.providers.echo.failRate: must be a number in [0, 1]',
      ]);
      expect((await call('GET', '/__sandbox/config')).body.providers).toEqual({});
    });

    it('accepts a valid config and echoes the merged result', async () => {
      const one = await call('POST', '/__sandbox/config', { latencyMs: 1, failStatus: 502 });
      expect(one.status).toBe(200);
      expect(one.body).toEqual({ latencyMs: 1, failRate: 0, failStatus: 502, timeoutRate: 0, timeoutMs: 30_000, providers: {} });
      const two = await call('POST', '/__sandbox/config', { latencyMs: 0, providers: { echo: { failRate: 1, failStatus: 504 } } });
      expect(two.status).toBe(200);
      expect(two.body).toEqual({
        latencyMs: 0,
        failRate: 0,
        failStatus: 502,
        timeoutRate: 0,
        timeoutMs: 30_000,
        providers: { echo: { failRate: 1, failStatus: 504 } },
      });
      expect((await call('GET', '/__sandbox/config')).body).toEqual(two.body);
    });

    it('accepts the flat form { provider, …knobs } as providers.<provider>, keeping webhooks global', async () => {
      const res = await call('POST', '/__sandbox/config', { provider: 'echo', failRate: 1, failStatus: 502, webhooks: 'manual' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ webhooks: 'manual', failRate: 0, providers: { echo: { failRate: 1, failStatus: 502 } } });
      expect((await call('POST', '/echo/v1/charge', { n: 1 })).status).toBe(502);
      expect((await call('POST', '/other/v1/charge', { n: 2 })).status).toBe(200);
    });

    it('rejects the flat form for an unknown provider, with bad knobs, or together with providers', async () => {
      const unknown = await call('POST', '/__sandbox/config', { provider: 'nope', failRate: 1 });
      expect(unknown).toEqual({ status: 400, body: { error: 'invalid config', errors: ['config.providers.nope: unknown provider'] } });
      const bad = await call('POST', '/__sandbox/config', { provider: 'echo', failRate: 2, bogus: 1 });
      expect(bad.body.errors).toEqual([
        'config.providers.echo.failRate: must be a number in [0, 1]',
        'config.providers.echo.bogus: unknown setting',
      ]);
      const both = await call('POST', '/__sandbox/config', { provider: 'echo', providers: {} });
      expect(both.body.errors).toEqual(['config.providers: not allowed together with config.provider']);
      const notText = await call('POST', '/__sandbox/config', { provider: 5 });
      expect(notText.body.errors).toEqual(['config.provider: must be a provider id']);
      expect((await call('GET', '/__sandbox/config')).body.providers).toEqual({});
    });

    it('applies a per-provider override only to that provider', async () => {
      expect((await call('POST', '/__sandbox/config', { providers: { echo: { failRate: 1, failStatus: 502 } } })).status).toBe(200);
      const failed = await call('POST', '/echo/v1/charge', { n: 1 });
      const fine = await call('POST', '/other/v1/charge', { n: 2 });
      expect(failed.status).toBe(502);
      expect(failed.body).toEqual({ error: 'sandbox injected failure' });
      expect(fine.status).toBe(200);
      expect(echo.seen).toHaveLength(0);
      expect(other.seen).toHaveLength(1);
      expect((await recorded()).map((r) => [r.provider, r.status])).toEqual([
        ['echo', 502],
        ['other', 200],
      ]);
    });
  });

  it('failRate 1 with failStatus 503 answers 503 and records it, without calling the provider', async () => {
    expect((await call('POST', '/__sandbox/config', { failRate: 1, failStatus: 503 })).status).toBe(200);
    const res = await call('POST', '/echo/v1/refunds', { amount: 5 });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'sandbox injected failure' });
    expect(echo.seen).toHaveLength(0);
    const [r] = await recorded();
    expect(r).toMatchObject({ provider: 'echo', method: 'POST', path: '/v1/refunds', body: { amount: 5 }, status: 503 });
    expect(r?.response).toEqual({ error: 'sandbox injected failure' });
  });

  it('a provider’s `match` limits its failure knobs to requests containing the text', async () => {
    const set = await call('POST', '/__sandbox/config', { providers: { echo: { failRate: 1, failStatus: 503, match: 'tenant-a' } } });
    expect(set.status).toBe(200);
    expect((await call('POST', '/echo/v1/refunds', { amount: 5, tenant: 'tenant-a' })).status).toBe(503);
    expect((await call('GET', '/echo/v1/refunds?tenant=tenant-a')).status).toBe(503);
    expect((await call('POST', '/echo/v1/refunds', { amount: 5, tenant: 'tenant-b' })).status).toBe(200);
    expect(echo.seen).toHaveLength(1);
    await call('POST', '/__sandbox/config', { providers: { echo: { match: null } } });
    expect((await call('POST', '/echo/v1/refunds', { amount: 5, tenant: 'tenant-b' })).status).toBe(503);
    expect((await call('POST', '/__sandbox/config', { providers: { echo: { match: 42 } } })).status).toBe(400);
  });

  it("uses the provider's own error format for injected failures", async () => {
    const errorBody = (status: number, message: string) => ({ error: { type: 'api_error', code: status, message } });
    await sandbox.close();
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [{ ...echo, errorBody }] });
    await call('POST', '/__sandbox/config', { failRate: 1, failStatus: 500 });
    const res = await call('GET', '/echo/x');
    expect(res).toEqual({ status: 500, body: { error: { type: 'api_error', code: 500, message: 'sandbox injected failure' } } });
  });

  it('latencyMs delays the answer', async () => {
    const latency = 300;
    expect((await call('POST', '/__sandbox/config', { latencyMs: latency })).status).toBe(200);
    const started = performance.now();
    const res = await call('GET', '/echo/slow');
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(latency - 20);

    // Without latency the same call is quick, so the delay above came from the knob.
    await call('POST', '/__sandbox/config', { latencyMs: 0 });
    const quickStart = performance.now();
    await call('GET', '/echo/fast');
    expect(performance.now() - quickStart).toBeLessThan(latency);
  });

  it('answers 404 listing the known providers for an unknown provider prefix, and records nothing', async () => {
    const res = await call('POST', '/stripe/v1/checkout/sessions', { a: 1 });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'unknown provider "stripe"', known: ['echo', 'other'] });
    expect(await recorded()).toEqual([]);
  });

  it('answers 404 for an unknown /__sandbox endpoint', async () => {
    expect((await call('GET', '/__sandbox/nothing')).status).toBe(404);
  });

  describe('POST /__sandbox/complete/:provider/:session', () => {
    it('404 for an unknown provider', async () => {
      const res = await call('POST', `/__sandbox/complete/nope/${KNOWN_SESSION}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toContain('nope');
    });

    it('404 for an unknown session', async () => {
      const res = await call('POST', '/__sandbox/complete/echo/cs_missing');
      expect(res.status).toBe(404);
      expect(res.body.error).toContain('cs_missing');
    });

    it('200 for a known session, with the provider result', async () => {
      const res = await call('POST', `/__sandbox/complete/echo/${KNOWN_SESSION}`);
      expect(res).toEqual({ status: 200, body: { completed: true, notified: false } });
    });

    it("answers the provider's own status when it refuses to complete a session", async () => {
      const res = await call('POST', `/__sandbox/complete/echo/${REFUSED_SESSION}`);
      expect(res).toEqual({ status: 409, body: { completed: false, notified: false, status: 409 } });
    });

    it('404 for a provider without complete()', async () => {
      await sandbox.close();
      const { complete: _omit, ...noComplete } = echo;
      sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [noComplete] });
      expect((await call('POST', `/__sandbox/complete/echo/${KNOWN_SESSION}`)).status).toBe(404);
    });
  });

  it('GET /__sandbox/jwks.json serves the jwks option', async () => {
    expect(await call('GET', '/__sandbox/jwks.json')).toEqual({ status: 200, body: JWKS });
  });

  it('GET /__sandbox/jwks.json serves an empty key set when no jwks is given', async () => {
    await sandbox.close();
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [echo] });
    expect(await call('GET', '/__sandbox/jwks.json')).toEqual({ status: 200, body: { keys: [] } });
  });

  it('close() stops listening', async () => {
    const url = sandbox.url;
    await sandbox.close();
    await expect(fetch(`${url}/__sandbox/requests`)).rejects.toThrow();
    sandbox = await startSandbox({ appUrl: 'http://127.0.0.1:1', providers: [echo] });
  });
});
