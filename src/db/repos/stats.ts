import { sql } from 'drizzle-orm';
import type { Db } from '../client';

export type PaymentStats = { total_payments: number; successful: number; failed: number; pending: number; total_revenue: number };

/** Last-24-hour payment counts for one tenant (GET /admin/stats). Revenue counts completed payments only. */
export async function paymentStatsLast24Hours(db: Db, tenantId: string): Promise<PaymentStats> {
  const result = await db.execute<Record<keyof PaymentStats, string | number | null>>(sql`
    SELECT COUNT(*) AS total_payments,
           COUNT(*) FILTER (WHERE status IN ('completed', 'refunded', 'partially_refunded')) AS successful,
           COUNT(*) FILTER (WHERE status = 'failed') AS failed,
           COUNT(*) FILTER (WHERE status IN ('pending', 'processing')) AS pending,
           COALESCE(SUM(amount) FILTER (WHERE status = 'completed'), 0) AS total_revenue
      FROM payment_transactions
     WHERE tenant_id = ${tenantId} AND created_at >= now() - interval '24 hours'`);
  const row = result.rows[0];
  const n = (v: string | number | null | undefined) => Number(v ?? 0);
  return {
    total_payments: n(row?.total_payments),
    successful: n(row?.successful),
    failed: n(row?.failed),
    pending: n(row?.pending),
    total_revenue: n(row?.total_revenue),
  };
}

export async function selectOne(db: Db): Promise<void> {
  await db.execute(sql`SELECT 1`);
}
