import { withDb } from '../db/client';
import { reconciliationCandidates } from '../db/repos/reconcile';
import type { Bindings } from '../env';
import { parseConfig } from '../env';
import { paymentStub } from '../lib/stubs';

export const STALE_MINUTES = 15;
export const PARKED_MINUTES = 10;
const BATCH = 500;
const CONCURRENCY = 10;

/** Finds stuck transactions in Postgres and asks each owning PaymentDO to reconcile itself. */
export async function reconcilePayments(env: Bindings, ctx: ExecutionContext): Promise<Record<string, number>> {
  const ids = await withDb(parseConfig(env), ctx, (db) => reconciliationCandidates(db, STALE_MINUTES, PARKED_MINUTES, BATCH));
  const counts: Record<string, number> = { candidates: ids.length };
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const { action } = await paymentStub(env, id).reconcile();
        counts[action] = (counts[action] ?? 0) + 1;
      } catch {
        counts.errors = (counts.errors ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return counts;
}
