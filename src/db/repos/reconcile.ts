import { sql } from 'drizzle-orm';
import type { Db } from '../client';

/**
 * Transactions the 5-minute reconciliation looks at: payments still pending or processing in the
 * projection after `staleMinutes`, and transactions with a notification parked for `parkedMinutes`.
 */
export async function reconciliationCandidates(db: Db, staleMinutes: number, parkedMinutes: number, limit: number): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT id::text AS id FROM payment_transactions
     WHERE status IN ('pending', 'processing') AND updated_at < now() - make_interval(mins => ${staleMinutes})
    UNION
    SELECT payload->>'transactionId' AS id FROM webhook_inbox
     WHERE status = 'pending' AND received_at < now() - make_interval(mins => ${parkedMinutes})
       AND payload->>'transactionId' IS NOT NULL
    LIMIT ${limit}`);
  return result.rows.map((r) => r.id);
}
