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
