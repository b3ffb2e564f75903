import { and, asc, eq, gt, gte, lt, or, sql } from 'drizzle-orm';
import type { EscrowUpdated, ListingView } from '../../../durable-objects/listing/types';
import type { Db } from '../client';
import { paymentEscrows, resaleListings, royaltyDistributions } from '../money-out-schema';
import { fraudChecks } from '../risk-schema';
import { events } from '../schema';
import type { Tx } from './processed-events';

const at = (iso: string | null) => (iso === null ? null : new Date(iso));

/** The listing as its ListingDO's latest event has it; an older version never overwrites a newer one. */
export async function upsertListing(tx: Tx, l: ListingView): Promise<void> {
  const row = {
    id: l.id,
    tenantId: l.tenantId,
    ticketId: l.ticketId,
    eventId: l.eventId,
    venueId: l.venueId,
    sellerId: l.sellerId,
    price: l.price,
    originalPrice: l.originalPrice,
    currency: l.currency,
    status: l.status,
    suspicious: l.suspicious,
    flags: l.flags,
    version: l.version,
    createdAt: new Date(l.createdAt),
    updatedAt: new Date(l.updatedAt),
  };
  const { id: _id, createdAt: _c, ...set } = row;
  await tx
    .insert(resaleListings)
    .values(row)
    .onConflictDoUpdate({ target: resaleListings.id, set, setWhere: sql`${resaleListings.version} < excluded.version` });
}

/** The listing's uuid form (its 32 hex digits), for tables keyed by uuid. */
export function listingUuid(listingId: string): string {
  const h = listingId.slice('lst_'.length);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A suspicious listing joins the fraud review list (decision `review`), once. */
export async function recordListingReview(tx: Tx, l: ListingView): Promise<void> {
  const id = listingUuid(l.id);
  await tx
    .insert(fraudChecks)
    .values({
      id,
      tenantId: l.tenantId,
      transactionId: id,
      userId: l.sellerId,
      eventId: l.eventId,
      score: 0.6,
      signals: { listing: { id: l.id, price: l.price, originalPrice: l.originalPrice, flags: l.flags } },
      decision: 'review',
      refusedBy: null,
      timestamp: new Date(l.createdAt),
    })
    .onConflictDoNothing();
}

export async function upsertEscrow(tx: Tx, { escrow: e }: Pick<EscrowUpdated, 'escrow'>): Promise<void> {
  const row = {
    id: e.id,
    tenantId: e.tenantId,
    listingId: e.listingId,
    ticketId: e.ticketId,
    eventId: e.eventId,
    venueId: e.venueId,
    buyerId: e.buyerId,
    sellerId: e.sellerId,
    amount: e.amount,
    sellerPayout: e.sellerPayout,
    venueRoyalty: e.venueRoyalty,
    platformFee: e.platformFee,
    costBasis: e.costBasis,
    currency: e.currency,
    stripePaymentIntentId: e.stripePaymentIntentId,
    transferGroup: e.transferGroup,
    sellerPayoutMethod: e.sellerPayoutMethod,
    sellerTransferId: e.sellerTransferId,
    status: e.status,
    releaseConditions: e.releaseConditions,
    version: e.version,
    createdAt: new Date(e.createdAt),
    fundedAt: at(e.fundedAt),
    releasedAt: at(e.releasedAt),
    refundedAt: at(e.refundedAt),
    disputedAt: at(e.disputedAt),
    updatedAt: new Date(e.updatedAt),
  };
  const { id: _id, createdAt: _c, ...set } = row;
  await tx
    .insert(paymentEscrows)
    .values(row)
    .onConflictDoUpdate({ target: paymentEscrows.id, set, setWhere: sql`${paymentEscrows.version} < excluded.version` });
}

/** The split of a released escrow, one row per recipient (written once). */
export async function insertDistributions(tx: Tx, update: EscrowUpdated): Promise<void> {
  const e = update.escrow;
  if (update.distributions.length === 0) return;
  await tx
    .insert(royaltyDistributions)
    .values(
      update.distributions.map((d) => ({
        id: `${e.id}:${d.recipientType}`,
        tenantId: e.tenantId,
        transactionId: e.id,
        eventId: e.eventId,
        venueId: e.venueId,
        recipientType: d.recipientType,
        recipientId: d.recipientId,
        amount: d.amount,
        percentage: (d.bps / 100).toFixed(2),
        currency: e.currency,
        createdAt: new Date(e.releasedAt ?? e.updatedAt),
      })),
    )
    .onConflictDoNothing();
}

/** Active listings of an event, cheapest first; the cursor is the last row's (price, id). */
export async function listActiveListings(db: Db, tenantId: string, eventId: string, limit: number, after?: { price: number; id: string }) {
  const where = and(
    eq(resaleListings.tenantId, tenantId),
    eq(resaleListings.eventId, eventId),
    eq(resaleListings.status, 'active'),
    after
      ? or(gt(resaleListings.price, after.price), and(eq(resaleListings.price, after.price), gt(resaleListings.id, after.id)))
      : undefined,
  );
  return db
    .select()
    .from(resaleListings)
    .where(where)
    .orderBy(asc(resaleListings.price), asc(resaleListings.id))
    .limit(limit + 1);
}

/** The venue's royalties of released resales in [start, end), by event. */
export async function royaltiesByEvent(db: Db, tenantId: string, venueId: string, start: Date, end: Date) {
  return db
    .select({
      eventId: royaltyDistributions.eventId,
      eventName: sql<string | null>`MIN(${events.name})`,
      royalties: sql<string>`SUM(${royaltyDistributions.amount})`,
      transactions: sql<string>`COUNT(*)`,
    })
    .from(royaltyDistributions)
    .leftJoin(events, and(eq(events.tenantId, royaltyDistributions.tenantId), eq(events.eventId, royaltyDistributions.eventId)))
    .where(
      and(
        eq(royaltyDistributions.tenantId, tenantId),
        eq(royaltyDistributions.venueId, venueId),
        eq(royaltyDistributions.recipientType, 'venue'),
        gte(royaltyDistributions.createdAt, start),
        lt(royaltyDistributions.createdAt, end),
      ),
    )
    .groupBy(royaltyDistributions.eventId)
    .orderBy(sql`SUM(${royaltyDistributions.amount}) DESC`);
}
