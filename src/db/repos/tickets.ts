import { and, desc, eq, sql } from 'drizzle-orm';
import type { TicketView } from '../../../durable-objects/ticket/types';
import type { Db } from '../client';
import { nftMintQueue, tickets } from '../ticket-schema';
import type { Tx } from './processed-events';

/** The ticket as its latest event has it; an older version never overwrites a newer one. */
export async function upsertTicket(tx: Tx, t: TicketView): Promise<void> {
  const row = {
    id: t.id,
    tenantId: t.tenantId,
    eventId: t.eventId,
    venueId: t.venueId,
    ticketTypeId: t.ticketTypeId,
    seat: t.seat,
    faceValue: t.faceValue,
    currency: t.currency,
    ownerId: t.ownerId,
    transactionId: t.transactionId,
    jobId: t.jobId,
    priority: t.priority,
    status: t.status,
    chain: t.nft?.chain ?? null,
    contract: t.nft?.contract ?? null,
    tokenId: t.nft?.tokenId ?? null,
    ownerAddress: t.nft?.ownerAddress ?? null,
    nftStatus: t.nft?.status ?? null,
    mintBatchId: t.nft?.mintBatchId ?? null,
    transactionHash: t.nft?.transactionHash ?? null,
    gasPaid: t.nft?.gasPaid ?? null,
    mintAttempts: t.nft?.attempts ?? 0,
    lastError: t.nft?.lastError ?? null,
    burned: t.nft?.burned ?? false,
    version: t.version,
    createdAt: new Date(t.createdAt),
    updatedAt: new Date(t.updatedAt),
  };
  const { id: _id, createdAt: _c, ...set } = row;
  await tx
    .insert(tickets)
    .values(row)
    .onConflictDoUpdate({ target: tickets.id, set, setWhere: sql`${tickets.version} < excluded.version` });
  if (t.nft) await refreshMintJob(tx, t.jobId);
}

/**
 * The job's row from its tickets: failed if any failed, completed once all are minted, minting once any is
 * under way; the gas is the sum of the tickets' shares, the hash and batch the latest.
 */
async function refreshMintJob(tx: Tx, jobId: string): Promise<void> {
  await tx.execute(sql`
    INSERT INTO ${nftMintQueue} (id, tenant_id, payment_id, ticket_ids, venue_id, event_id, blockchain, status, priority,
      transaction_hash, gas_fee_paid, mint_batch_id, attempts, error_message, created_at, processed_at, updated_at)
    SELECT job_id, MIN(tenant_id), MIN(transaction_id::text)::uuid, ARRAY_AGG(id ORDER BY id), MIN(venue_id), MIN(event_id), MIN(chain),
      CASE WHEN BOOL_OR(nft_status = 'failed') THEN 'failed'
           WHEN BOOL_AND(nft_status = 'minted') THEN 'completed'
           WHEN BOOL_OR(nft_status IN ('minting', 'minted')) THEN 'minting'
           ELSE 'queued' END,
      MIN(priority), (ARRAY_AGG(transaction_hash ORDER BY updated_at DESC) FILTER (WHERE transaction_hash IS NOT NULL))[1],
      SUM(gas_paid), (ARRAY_AGG(mint_batch_id ORDER BY updated_at DESC) FILTER (WHERE mint_batch_id IS NOT NULL))[1],
      MAX(mint_attempts), (ARRAY_AGG(last_error ORDER BY updated_at DESC) FILTER (WHERE last_error IS NOT NULL))[1],
      MIN(created_at), CASE WHEN BOOL_AND(nft_status = 'minted') THEN MAX(updated_at) END, NOW()
    FROM ${tickets} WHERE job_id = ${jobId} AND chain IS NOT NULL GROUP BY job_id
    ON CONFLICT (id) DO UPDATE SET ticket_ids = excluded.ticket_ids, status = excluded.status, transaction_hash = excluded.transaction_hash,
      gas_fee_paid = excluded.gas_fee_paid, mint_batch_id = excluded.mint_batch_id, attempts = excluded.attempts,
      error_message = excluded.error_message, processed_at = excluded.processed_at, updated_at = excluded.updated_at`);
}

export type MintJobRow = typeof nftMintQueue.$inferSelect;

/** A tenant's mint jobs, newest first, optionally of one status (failed ones are what admins requeue). */
export function listMintJobs(db: Db, tenantId: string, status: string | undefined, limit: number): Promise<MintJobRow[]> {
  const where = status ? and(eq(nftMintQueue.tenantId, tenantId), eq(nftMintQueue.status, status)) : eq(nftMintQueue.tenantId, tenantId);
  return db.select().from(nftMintQueue).where(where).orderBy(desc(nftMintQueue.createdAt)).limit(limit);
}
