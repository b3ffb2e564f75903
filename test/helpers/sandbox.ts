import { exports } from 'cloudflare:workers';
import { inject } from 'vitest';

export type SandboxRequest = {
  provider: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  status: number;
  response: any;
};

export async function sandbox(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${inject('sandboxUrl')}${path}`, init);
  return res.json();
}

/** Upstream calls the sandbox saw for one transaction (by its id in Stripe metadata or idempotency key). */
export async function stripeCallsFor(transactionId: string): Promise<SandboxRequest[]> {
  const all = (await sandbox('/__sandbox/requests')) as SandboxRequest[];
  return all.filter(
    (r) =>
      r.provider === 'stripe' &&
      (r.body?.['metadata[transaction_id]'] === transactionId || (r.headers['idempotency-key'] ?? '').startsWith(transactionId)),
  );
}

export function configureSandbox(config: unknown) {
  return sandbox('/__sandbox/config', { method: 'POST', body: JSON.stringify(config) });
}

/**
 * Delivers to the Worker every Stripe event the sandbox recorded that mentions `id` (workerd cannot receive
 * HTTP, so tests deliver them); answers the app's statuses. Delivering one again is a duplicate the app ignores.
 */
export async function deliverStripeEventsAbout(id: string, type?: string): Promise<number[]> {
  const hooks = (await sandbox(`/__sandbox/webhooks?provider=stripe${type ? `&type=${type}` : ''}`)) as {
    headers: Record<string, string>;
    body: string;
  }[];
  const statuses: number[] = [];
  for (const hook of hooks.filter((h) => h.body.includes(id))) {
    const res = await exports.default.fetch(
      new Request('http://edgepay.test/api/v1/webhooks/stripe', { method: 'POST', headers: hook.headers, body: hook.body }),
    );
    statuses.push(res.status);
  }
  return statuses;
}

/** Submits test evidence on the dispute of a PaymentIntent at the sandbox, which closes it won or lost; answers its id. */
export async function closeStripeDispute(paymentIntentId: string, evidence: 'winning_evidence' | 'losing_evidence'): Promise<string> {
  const auth = { authorization: 'Bearer sk_test_sandbox' };
  const [dispute] = (await sandbox(`/stripe/v1/disputes?payment_intent=${paymentIntentId}`, { headers: auth })).data;
  await sandbox(`/stripe/v1/disputes/${dispute.id}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: `evidence[uncategorized_text]=${evidence}`,
  });
  return dispute.id as string;
}
