import { exports } from 'cloudflare:workers';
import { call, json } from './app';
import { sandbox } from './sandbox';
import { bearer, signToken } from './tokens';

/** A merchant's headers (JSON body), optionally with an Idempotency-Key. */
export async function merchantHeaders(tenant: string, key?: string): Promise<Record<string, string>> {
  return {
    ...bearer(await signToken({ sub: `merchant-${tenant}`, tenant_id: tenant, role: 'merchant' })),
    'content-type': 'application/json',
    ...(key ? { 'idempotency-key': key } : {}),
  };
}

export type SessionBody = {
  provider: string;
  session_id: string;
  checkout_url: string;
  status: string;
  expires_at: string | null;
  provider_session_id: string;
  amount: number;
  currency: string;
  amount_paid: number;
  amount_refunded: number;
  refunds: { refund_id: string; amount: number; status: string; provider_refund_id: string | null }[];
};

export async function createSession(headers: Record<string, string>, body: unknown): Promise<{ status: number; body: SessionBody }> {
  const res = await call('/v1/checkout-sessions', { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await json<SessionBody>(res) };
}

export async function getSession(headers: Record<string, string>, sessionId: string): Promise<{ status: number; body: SessionBody }> {
  const res = await call(`/v1/checkout-sessions/${sessionId}`, { headers });
  return { status: res.status, body: await json<SessionBody>(res) };
}

export async function refundSession(headers: Record<string, string>, sessionId: string, amount?: number) {
  const res = await call(`/v1/checkout-sessions/${sessionId}/refund`, {
    method: 'POST',
    headers: { ...headers, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify(amount === undefined ? {} : { amount }),
  });
  return { status: res.status, body: await json<SessionBody & { code?: string }>(res) };
}

type RecordedWebhook = {
  index: number;
  provider: string;
  type: string;
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string;
};

/** Webhooks the sandbox recorded for a provider (workerd cannot receive HTTP: tests deliver them). */
export async function recordedWebhooks(provider: string): Promise<RecordedWebhook[]> {
  return (await sandbox(`/__sandbox/webhooks?provider=${provider}`)) as RecordedWebhook[];
}

/** Delivers a recorded webhook to the Worker exactly as the provider sent it (method, URL, headers, raw body). */
export function deliver(w: RecordedWebhook): Promise<Response> {
  const method = w.method ?? 'POST';
  return exports.default.fetch(
    new Request(w.url, { method, headers: w.headers, redirect: 'manual', ...(method === 'GET' ? {} : { body: w.body }) }),
  );
}

/** Delivers every webhook recorded for `provider` after index `after`; returns them with the app's answers. */
export async function deliverNew(provider: string, after: number): Promise<{ webhook: RecordedWebhook; status: number; text: string }[]> {
  const out: { webhook: RecordedWebhook; status: number; text: string }[] = [];
  for (const w of (await recordedWebhooks(provider)).filter((h) => h.index > after)) {
    const res = await deliver(w);
    out.push({ webhook: w, status: res.status, text: await res.text() });
  }
  return out;
}

export async function lastWebhookIndex(): Promise<number> {
  const all = (await sandbox('/__sandbox/webhooks')) as RecordedWebhook[];
  return all.length ? Math.max(...all.map((w) => w.index)) : -1;
}

export async function completeAtSandbox(provider: string, providerSessionId: string): Promise<{ status: number; body: unknown }> {
  const url = `/__sandbox/complete/${provider}/${encodeURIComponent(providerSessionId)}`;
  const res = await sandbox(url, { method: 'POST' });
  return { status: 200, body: res };
}
