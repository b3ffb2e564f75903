import { rows, sql } from './db';

export type EscrowRow = {
  tenantId: string;
  sellerId: string;
  /** What the buyer paid; seller payout + royalty + fee must add up to it. */
  amount: number;
  sellerPayout: number;
  venueRoyalty?: number;
  platformFee?: number;
  costBasis: number;
  status?: string;
  releasedAt?: string | null;
  currency?: string;
};

/** A resale escrow row as the marketplace's projection would write it (the 1099-DA figures come from these). */
export async function insertEscrow(e: EscrowRow): Promise<string> {
  const id = `esc_${crypto.randomUUID()}`;
  const royalty = e.venueRoyalty ?? 0;
  const fee = e.platformFee ?? e.amount - e.sellerPayout - royalty;
  const releasedAt = e.releasedAt === undefined ? null : e.releasedAt;
  await rows(sql`INSERT INTO payment_escrows (id, tenant_id, listing_id, ticket_id, event_id, venue_id, buyer_id, seller_id, amount,
      seller_payout, venue_royalty, platform_fee, cost_basis, currency, transfer_group, status, release_conditions, version,
      created_at, released_at, updated_at)
    VALUES (${id}, ${e.tenantId}, ${`lst_${id}`}, ${`tkt_${id}`}, 'gig', 'hall', 'buyer', ${e.sellerId}, ${e.amount},
      ${e.sellerPayout}, ${royalty}, ${fee}, ${e.costBasis}, ${e.currency ?? 'USD'}, ${`grp_${id}`}, ${e.status ?? 'released'}, '{}'::jsonb, 1,
      now(), ${releasedAt}::timestamptz, now())`);
  return id;
}
