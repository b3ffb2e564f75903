import type { OutgoingWebhook } from './types.ts';

/**
 * Every webhook a provider emulator sends, kept for GET /__sandbox/webhooks, and its delivery to the app.
 * 'auto' POSTs it (after the response that caused it) with up to 3 attempts and a short backoff on
 * network errors and 5xx; 'manual' only records it, for tests that cannot receive HTTP (workerd).
 */
export type WebhookMode = 'auto' | 'manual';
/** `pending` is true while an automatic delivery (or a redelivery) is still being attempted. */
export type Delivery = { mode: WebhookMode; status?: number; error?: string; attempts: number; pending?: true };
export type RecordedWebhook = OutgoingWebhook & { index: number; at: string; delivery: Delivery };

const ATTEMPTS = 3;
const BACKOFF_MS = [100, 400];
const ATTEMPT_TIMEOUT_MS = 10_000;

export function createWebhookLog(sleep: (ms: number) => Promise<void>) {
  let list: RecordedWebhook[] = [];
  const closing = new AbortController();

  async function deliver(webhook: RecordedWebhook): Promise<Delivery> {
    const delivery = webhook.delivery;
    delivery.pending = true;
    for (let attempt = 1; attempt <= ATTEMPTS && !closing.signal.aborted; attempt++) {
      delivery.attempts += 1;
      try {
        const res = await fetch(webhook.url, {
          method: webhook.method ?? 'POST',
          headers: webhook.headers,
          body: webhook.method === 'GET' ? undefined : webhook.body,
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
        });
        await res.arrayBuffer().catch(() => undefined);
        delivery.status = res.status;
        delete delivery.error;
        if (res.status < 500) break;
      } catch (err) {
        delete delivery.status;
        delivery.error = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      }
      if (attempt < ATTEMPTS) await sleep(BACKOFF_MS[attempt - 1] ?? 1000);
    }
    delete delivery.pending;
    return delivery;
  }

  return {
    list: (filter: { provider?: string; type?: string } = {}) =>
      list.filter((w) => (!filter.provider || w.provider === filter.provider) && (!filter.type || w.type === filter.type)),
    get: (index: number) => list[index],
    clear() {
      list = [];
    },
    /** Records the webhook; in 'auto' mode it is pending until send() has tried it. */
    record(webhook: OutgoingWebhook, mode: WebhookMode): RecordedWebhook {
      const delivery: Delivery = mode === 'auto' ? { mode, attempts: 0, pending: true } : { mode, attempts: 0 };
      const entry: RecordedWebhook = { ...webhook, index: list.length, at: new Date().toISOString(), delivery };
      list.push(entry);
      return entry;
    },
    /** Sends the given webhooks one after another (in the order they were emitted). */
    async send(webhooks: RecordedWebhook[]) {
      for (const w of webhooks) await deliver(w);
    },
    deliver,
    close() {
      closing.abort();
    },
  };
}

export type WebhookLog = ReturnType<typeof createWebhookLog>;
