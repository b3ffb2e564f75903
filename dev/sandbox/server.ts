import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ContractResult, createContractValidator } from './contract.ts';
import { createPageServer } from './page-server.ts';
import { PROVIDERS } from './providers.ts';
import type { OutgoingWebhook, SandboxContext, SandboxProvider, SandboxRequest, SandboxSecrets } from './types.ts';
import { createWebhookLog, type RecordedWebhook, type WebhookMode } from './webhooks.ts';

/**
 * The PSP sandbox: an HTTP emulator of every provider endpoint the adapters use, with knobs for latency
 * and failures, and inspection endpoints tests and benchmarks count upstream calls with:
 *   GET  /__sandbox/requests                     every provider request, oldest first; requests to a provider with an
 *                                                OpenAPI extract (stripe, adyen, square, paypal) carry `contract:
 *                                                { operation, errors }` from contract.ts
 *   GET  /__sandbox/contract-violations          the recorded requests whose `contract.errors` is not empty
 *   POST /__sandbox/reset                        forget requests, knobs and provider state
 *   GET|POST /__sandbox/config                   { latencyMs, failRate, failStatus, timeoutRate, timeoutMs, webhooks?,
 *                                                  providers: { <id>: { …knobs, …the provider's own settings } } },
 *                                                or the flat form { provider: <id>, …knobs, …settings } for one provider;
 *                                                a provider's `match: "<text>"` limits its latency/failure knobs and its
 *                                                settings to requests whose path, query or body contains the text
 *                                                (null clears)
 *   POST /__sandbox/complete/:provider/:session  the customer pays; the provider notifies the app (a provider that
 *                                                refuses, e.g. an expired session, answers with its own status)
 *   GET  /__sandbox/webhooks[?provider=&type=]   every webhook the providers sent, oldest first, with its delivery
 *   POST /__sandbox/webhooks/:index/redeliver    send a recorded webhook again, byte for byte
 *   GET  /__sandbox/jwks.json                    the dev/test identity provider's public keys
 * The URLs the providers hand out for a person (checkout_url, payment links, PayPal's approve link, 3-D Secure's
 * redirect, QPay's short URL) are HTML pages (pages.ts): GET shows them, a form POST presses a button.
 * `webhooks` is 'auto' (the default while unset: POST to the app after the causing response) or 'manual' (record only).
 */
export type Knobs = {
  latencyMs: number;
  failRate: number;
  failStatus: number;
  timeoutRate: number;
  timeoutMs: number;
  tokenTtlSeconds?: number;
};
type Settings = { [setting: string]: string | number | undefined };
export type SandboxConfig = Knobs & { webhooks?: WebhookMode; providers: Record<string, Partial<Knobs> & Settings> };
export type RecordedRequest = {
  provider: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  /** The body as received, byte for byte (UTF-8). */
  rawBody: string;
  status: number;
  response: unknown;
  at: string;
  /** How long the sandbox itself took to answer (parsing, contract check, the emulator), besides any latency knob. */
  handledMs: number;
  /** Present for providers with an OpenAPI extract: the matched operation (null: not in the extract) and violations. */
  contract?: ContractResult;
};

const DEFAULTS: Knobs = { latencyMs: 0, failRate: 0, failStatus: 500, timeoutRate: 0, timeoutMs: 30_000 };
const MAX_BODY = 1024 * 1024;
/** Lifetime of OAuth access tokens the emulated providers issue, unless `tokenTtlSeconds` says otherwise. */
const DEFAULT_TOKEN_TTL_SECONDS = 86_400;

export type Sandbox = { port: number; url: string; close(): Promise<void> };

const TOP_SETTINGS: Record<string, readonly string[]> = { webhooks: ['auto', 'manual'] };

function validateKnobs(
  input: unknown,
  where: string,
  errors: string[],
  settings: Record<string, readonly string[]> = {},
): Partial<Knobs> & Settings {
  const out: Partial<Knobs> & Settings = {};
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    errors.push(`${where}: must be an object`);
    return out;
  }
  const ranges: Record<keyof Knobs, [number, number]> = {
    latencyMs: [0, 60_000],
    failRate: [0, 1],
    failStatus: [400, 599],
    timeoutRate: [0, 1],
    timeoutMs: [0, 120_000],
    tokenTtlSeconds: [1, 172_800],
  };
  for (const [key, value] of Object.entries(input)) {
    if (key === 'providers' && where === 'config') continue;
    if (key === 'match' && where !== 'config') {
      // Scopes this provider's latency/failure knobs to requests whose path, query or body contains the text,
      // so a test can slow or fail its own calls without disturbing tests running beside it.
      if (value === null) out.match = undefined;
      else if (typeof value === 'string' && value.length > 0 && value.length <= 200) out.match = value;
      else errors.push(`${where}.match: must be a non-empty string (≤ 200 chars) or null`);
      continue;
    }
    const range = ranges[key as keyof Knobs];
    const allowed = Object.hasOwn(settings, key) ? settings[key] : undefined;
    if (allowed) {
      if (typeof value === 'string' && allowed.includes(value)) out[key] = value;
      else errors.push(`${where}.${key}: must be one of ${allowed.join(', ')}`);
    } else if (!range) errors.push(`${where}.${key}: unknown setting`);
    else if (typeof value !== 'number' || !Number.isFinite(value) || value < range[0] || value > range[1]) {
      errors.push(`${where}.${key}: must be a number in [${range[0]}, ${range[1]}]`);
    } else out[key as keyof Knobs] = value;
  }
  return out;
}

/**
 * The flat form `{ provider: "qpay", latencyMs, … }` → `{ providers: { qpay: { latencyMs, … } } }`;
 * `webhooks` stays global. Anything else is returned as it is.
 */
function unflattenConfig(input: unknown, errors: string[]): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input) || !Object.hasOwn(input, 'provider')) return input;
  const { provider, webhooks, providers, ...knobs } = input as Record<string, unknown>;
  if (typeof provider !== 'string' || provider === '') errors.push('config.provider: must be a provider id');
  if (providers !== undefined) errors.push('config.providers: not allowed together with config.provider');
  return { ...(webhooks === undefined ? {} : { webhooks }), providers: { [String(provider)]: knobs } };
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return null;
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

export async function startSandbox(options: {
  port?: number;
  appUrl: string;
  providers?: SandboxProvider[];
  /** Public keys served at GET /__sandbox/jwks.json, standing in for an identity provider's JWKS URL. */
  jwks?: { keys: unknown[] };
  /** Webhook signing secrets and URLs the providers use (see SandboxSecrets for the defaults). */
  secrets?: SandboxSecrets;
}): Promise<Sandbox> {
  const providers = new Map((options.providers ?? PROVIDERS).map((p) => [p.name, p]));
  const contracts = createContractValidator();
  let config: SandboxConfig = { ...DEFAULTS, providers: {} };
  let requests: RecordedRequest[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let url = '';
  const knobsFor = (provider: string): Knobs => ({ ...config, ...config.providers[provider] });
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        pending.delete(t);
        resolve();
      }, ms);
      pending.add(t);
    });
  const webhooks = createWebhookLog(sleep);
  /**
   * A context for one provider call. Webhooks it emits are recorded at once; in 'auto' mode they go to
   * `outbox`, which the caller sends after its response (or at once when there is no outbox).
   */
  /** `inScope` false: the request does not contain the provider's `match` text, so its settings do not apply to it. */
  const ctx = (provider: SandboxProvider, outbox?: RecordedWebhook[], latency?: () => Promise<void>, inScope = true): SandboxContext => ({
    appUrl: options.appUrl,
    sandboxUrl: url,
    now: Date.now,
    secrets: { ...options.secrets },
    tokenTtlSeconds: () => config.providers[provider.name]?.tokenTtlSeconds ?? config.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    setting: (name) => {
      const allowed = provider.settings?.[name];
      if (!allowed) return undefined;
      const value = inScope ? config.providers[provider.name]?.[name] : undefined;
      return typeof value === 'string' ? value : allowed[0];
    },
    emitWebhook: (webhook: OutgoingWebhook) => {
      const mode = config.webhooks ?? 'auto';
      const entry = webhooks.record(webhook, mode);
      if (mode !== 'auto') return;
      if (outbox) outbox.push(entry);
      else void webhooks.send([entry]);
    },
    latency: latency ?? (async () => {}),
  });
  /** Sends an outbox once the response has gone out (or the connection closed). */
  const sendAfter = (res: http.ServerResponse, outbox: RecordedWebhook[]) =>
    res.once('close', () => {
      if (outbox.length) void webhooks.send(outbox);
    });

  const servePage = createPageServer({
    providers: () => providers.values(),
    ctx: (provider, outbox) => ctx(provider, outbox),
    sendAfter,
    recordOnly: (webhook) => webhooks.record(webhook, 'manual'),
  });

  async function inspect(req: http.IncomingMessage, res: http.ServerResponse, path: string, raw: string) {
    if (path === '/__sandbox/requests' && req.method === 'GET') return send(res, 200, requests);
    if (path === '/__sandbox/contract-violations' && req.method === 'GET') {
      const violations = requests.filter((r) => (r.contract?.errors.length ?? 0) > 0);
      return send(res, 200, violations);
    }
    if (path === '/__sandbox/jwks.json' && req.method === 'GET') return send(res, 200, options.jwks ?? { keys: [] });
    if (path === '/__sandbox/webhooks' && req.method === 'GET') {
      const q = new URL(req.url ?? '/', 'http://sandbox').searchParams;
      return send(res, 200, webhooks.list({ provider: q.get('provider') ?? undefined, type: q.get('type') ?? undefined }));
    }
    const redeliver = /^\/__sandbox\/webhooks\/(\d+)\/redeliver$/.exec(path);
    if (redeliver && req.method === 'POST') {
      const entry = webhooks.get(Number(redeliver[1]));
      if (!entry) return send(res, 404, { error: `no webhook #${redeliver[1]}` });
      entry.delivery.attempts = 0;
      const delivery = await webhooks.deliver(entry);
      return send(res, 200, { index: entry.index, delivery });
    }
    if (path === '/__sandbox/reset' && req.method === 'POST') {
      requests = [];
      webhooks.clear();
      config = { ...DEFAULTS, providers: {} };
      for (const p of providers.values()) p.reset?.();
      return send(res, 200, { reset: true });
    }
    if (path === '/__sandbox/config') {
      if (req.method === 'GET') return send(res, 200, config);
      if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
      let input: unknown;
      try {
        input = raw ? JSON.parse(raw) : {};
      } catch {
        return send(res, 400, { error: 'malformed JSON' });
      }
      const errors: string[] = [];
      input = unflattenConfig(input, errors);
      if (errors.length) return send(res, 400, { error: 'invalid config', errors });
      const top = validateKnobs(input, 'config', errors, TOP_SETTINGS);
      if (errors.length) return send(res, 400, { error: 'invalid config', errors });
      const perProvider: Record<string, Partial<Knobs> & Settings> = {};
      const given = (input as { providers?: unknown }).providers;
      if (given !== undefined) {
        if (!given || typeof given !== 'object' || Array.isArray(given)) errors.push('config.providers: must be an object');
        else
          for (const [name, knobs] of Object.entries(given)) {
            if (!providers.has(name)) errors.push(`config.providers.${name}: unknown provider`);
            else perProvider[name] = validateKnobs(knobs, `config.providers.${name}`, errors, providers.get(name)?.settings);
          }
      }
      if (errors.length) return send(res, 400, { error: 'invalid config', errors });
      const merged = Object.fromEntries(
        Object.entries(perProvider).map(([name, knobs]) => [name, { ...config.providers[name], ...knobs }]),
      );
      config = { ...config, ...top, providers: { ...config.providers, ...merged } } as SandboxConfig;
      return send(res, 200, config);
    }
    const complete = /^\/__sandbox\/complete\/([^/]+)\/([^/]+)$/.exec(path);
    if (complete && req.method === 'POST') {
      const provider = providers.get(decodeURIComponent(complete[1] as string));
      if (!provider?.complete) return send(res, 404, { error: `unknown provider ${complete[1]}` });
      const outbox: RecordedWebhook[] = [];
      sendAfter(res, outbox);
      const result = await provider.complete(decodeURIComponent(complete[2] as string), ctx(provider, outbox));
      if (!result) return send(res, 404, { error: `unknown session ${complete[2]}` });
      const status = result.status ?? 200;
      return send(res, status, { completed: status < 300, ...result });
    }
    return send(res, 404, { error: 'unknown sandbox endpoint' });
  }

  /** The request against the provider's OpenAPI extract; a validator fault is reported as a violation, never thrown. */
  function checkContract(provider: string, request: SandboxRequest, params: URLSearchParams): ContractResult {
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(params.keys())) {
      const all = params.getAll(key);
      query[key] = all.length === 1 ? (all[0] as string) : all;
    }
    try {
      return contracts.validate({
        provider,
        method: request.method,
        path: request.path,
        query,
        headers: request.headers,
        rawBody: request.rawBody,
        contentType: request.headers['content-type'],
      });
    } catch (err) {
      return { operation: null, errors: [`contract validator failed: ${err instanceof Error ? err.message : String(err)}`] };
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(res, 413, { error: 'body too large' });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', async () => {
      const started = performance.now();
      let waited = 0; // latency and timeout knobs: time the emulator did not spend working
      const raw = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'http://sandbox');
      try {
        if (await servePage(req, res, u, raw)) return;
        if (u.pathname.startsWith('/__sandbox/')) return await inspect(req, res, u.pathname, raw);
        const [, name = '', ...rest] = u.pathname.split('/');
        const provider = providers.get(name);
        if (!provider) return send(res, 404, { error: `unknown provider "${name}"`, known: [...providers.keys()] });
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
        const request: SandboxRequest = {
          method: req.method ?? 'GET',
          path: `/${rest.join('/')}`,
          query: Object.fromEntries(u.searchParams),
          headers,
          rawBody: raw,
          body: parseBody(raw, req.headers['content-type']),
        };
        const scoped = knobsFor(name);
        const { match } = config.providers[name] ?? {};
        const applies =
          typeof match !== 'string' || request.path.includes(match) || u.search.includes(match) || request.rawBody.includes(match);
        const knobs: Knobs = applies
          ? scoped
          : { ...DEFAULTS, ...(scoped.tokenTtlSeconds ? { tokenTtlSeconds: scoped.tokenTtlSeconds } : {}) };
        const contract = contracts.covers(name) ? checkContract(name, request, u.searchParams) : undefined;
        const record = (status: number, response: unknown) =>
          requests.push({
            provider: name,
            method: request.method,
            path: request.path,
            query: request.query,
            headers,
            body: request.body,
            rawBody: request.rawBody,
            status,
            response,
            at: new Date().toISOString(),
            handledMs: Math.round((performance.now() - started - waited) * 10) / 10,
            ...(contract ? { contract } : {}),
          });
        const delay = async () => {
          if (knobs.latencyMs <= 0) return;
          const before = performance.now();
          await sleep(knobs.latencyMs);
          waited += performance.now() - before;
        };
        const injectTimeout = knobs.timeoutRate > 0 && Math.random() < knobs.timeoutRate;
        const injectFailure = !injectTimeout && knobs.failRate > 0 && Math.random() < knobs.failRate;
        if (!provider.deferLatency || injectTimeout || injectFailure) await delay();
        if (injectTimeout) {
          record(0, 'timeout');
          await sleep(knobs.timeoutMs);
          req.socket.destroy();
          return;
        }
        if (injectFailure) {
          const body = provider.errorBody?.(knobs.failStatus, 'sandbox injected failure') ?? { error: 'sandbox injected failure' };
          record(knobs.failStatus, body);
          return send(res, knobs.failStatus, body);
        }
        const outbox: RecordedWebhook[] = [];
        sendAfter(res, outbox);
        const out = await provider.handle(request, ctx(provider, outbox, provider.deferLatency ? delay : undefined, applies));
        record(out.status, out.body);
        return send(res, out.status, out.body, out.headers);
      } catch (err) {
        return send(res, 500, { error: 'sandbox error', message: err instanceof Error ? err.message : String(err) });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of pending) clearTimeout(t);
        webhooks.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
