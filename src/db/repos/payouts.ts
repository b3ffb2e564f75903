import { sql } from 'drizzle-orm';
import type { VenuePayout } from '../../../durable-objects/venue/types';
import { venuePayouts } from '../money-out-schema';
import type { Tx } from './processed-events';

const at = (iso: string | null) => (iso === null ? null : new Date(iso));

/** The payout as its VenueDO's latest event has it; an older version never overwrites a newer one. */
export async function upsertVenuePayout(tx: Tx, p: VenuePayout): Promise<void> {
  const row = {
    id: p.id,
    tenantId: p.tenantId,
    venueId: p.venueId,
    amount: p.amount,
    fee: p.fee,
    netAmount: p.netAmount,
    currency: p.currency,
    type: p.type,
    status: p.status,
    stripePayoutId: p.stripePayoutId,
    failureCode: p.failureCode,
    failureMessage: p.failureMessage,
    requestedBy: p.requestedBy,
    estimatedArrival: p.estimatedArrival,
    version: p.version,
    createdAt: new Date(p.createdAt),
    paidAt: at(p.paidAt),
    failedAt: at(p.failedAt),
    updatedAt: new Date(p.updatedAt),
  };
  const { id: _id, createdAt: _c, ...set } = row;
  await tx
    .insert(venuePayouts)
    .values(row)
    .onConflictDoUpdate({ target: venuePayouts.id, set, setWhere: sql`${venuePayouts.version} < excluded.version` });
}
