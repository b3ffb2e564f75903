/**
 * Stripe idempotency: keys are scoped by (secret key, Stripe-Account). The first response is
 * stored once the endpoint starts executing and replayed for a retry with the same endpoint and parameters;
 * a different endpoint or parameters is an idempotency_error; a retry while the first is in flight is a 409.
 * Results the caller chooses not to store (validation failures) free the key again. Keys expire after 24 h.
 */
export type StoredResponse = { status: number; body: unknown; headers: Record<string, string> };

type Entry = { endpoint: string; fingerprint: string; createdAt: number; result?: StoredResponse };

export type Begin =
  | { kind: 'new'; finish(result: StoredResponse | null): void }
  | { kind: 'replay'; result: StoredResponse }
  | { kind: 'in_flight' }
  | { kind: 'endpoint_mismatch'; firstEndpoint: string }
  | { kind: 'params_mismatch' };

export const KEY_TTL_MS = 24 * 60 * 60 * 1000;

export function createIdempotencyStore() {
  let entries = new Map<string, Entry>();
  return {
    begin(scope: string, key: string, endpoint: string, fingerprint: string, now: number): Begin {
      const id = `${scope}\u0000${key}`;
      const existing = entries.get(id);
      if (existing && now - existing.createdAt < KEY_TTL_MS) {
        if (existing.endpoint !== endpoint) return { kind: 'endpoint_mismatch', firstEndpoint: existing.endpoint };
        if (existing.fingerprint !== fingerprint) return { kind: 'params_mismatch' };
        return existing.result ? { kind: 'replay', result: existing.result } : { kind: 'in_flight' };
      }
      const entry: Entry = { endpoint, fingerprint, createdAt: now };
      entries.set(id, entry);
      return {
        kind: 'new',
        finish(result) {
          if (entries.get(id) !== entry) return;
          if (result) entry.result = result;
          else entries.delete(id);
        },
      };
    },
    reset() {
      entries = new Map();
    },
  };
}
