import type { EscrowStatus, ListingStatus } from '../../src/domain/escrow';
import { DEDUP_TABLE_STEP } from '../dedup';
import { IDEMPOTENCY_TABLE_STEP } from '../idempotency';
import type { EscrowView, ListingView } from './types';

/** ListingDO's own schema steps (after the outbox's), applied in order; never edit or reorder a step. */
export const LISTING_SCHEMA_STEPS = [
  `CREATE TABLE listing (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     listing_id TEXT NOT NULL, tenant_id TEXT NOT NULL, ticket_id TEXT NOT NULL, event_id TEXT NOT NULL, venue_id TEXT NOT NULL,
     seller_id TEXT NOT NULL, price INTEGER NOT NULL, original_price INTEGER NOT NULL, currency TEXT NOT NULL,
     cost_basis INTEGER NOT NULL, event_starts_at INTEGER NOT NULL, royalty_bps INTEGER NOT NULL, platform_fee_bps INTEGER NOT NULL,
     status TEXT NOT NULL, flags TEXT NOT NULL, version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  // One escrow per purchase attempt that won the listing; `scope` is the buyer's idempotency scope.
  `CREATE TABLE escrows (
     escrow_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, scope TEXT NOT NULL, buyer_id TEXT NOT NULL,
     amount INTEGER NOT NULL, seller_payout INTEGER NOT NULL, venue_royalty INTEGER NOT NULL, platform_fee INTEGER NOT NULL,
     payment_method_id TEXT NOT NULL, psp_reference TEXT, charge_reference TEXT, status TEXT NOT NULL,
     seller_payout_method TEXT, seller_transfer_id TEXT, hold_until INTEGER, disputed_from TEXT,
     version INTEGER NOT NULL, created_at INTEGER NOT NULL, funded_at INTEGER, released_at INTEGER, refunded_at INTEGER,
     disputed_at INTEGER, updated_at INTEGER NOT NULL
   )`,
  IDEMPOTENCY_TABLE_STEP,
  DEDUP_TABLE_STEP,
  // Calls an escrow still owes: the charge's outcome, the ticket's transfer, the seller's and venue's transfers, a refund.
  `CREATE TABLE escrow_tasks (
     escrow_id TEXT NOT NULL, kind TEXT NOT NULL, due_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (escrow_id, kind)
   )`,
] as const;

export type ListingRow = {
  listing_id: string;
  tenant_id: string;
  ticket_id: string;
  event_id: string;
  venue_id: string;
  seller_id: string;
  price: number;
  original_price: number;
  currency: string;
  cost_basis: number;
  event_starts_at: number;
  royalty_bps: number;
  platform_fee_bps: number;
  status: ListingStatus;
  flags: string;
  version: number;
  created_at: number;
  updated_at: number;
};

export type EscrowRow = {
  escrow_id: string;
  seq: number;
  scope: string;
  buyer_id: string;
  amount: number;
  seller_payout: number;
  venue_royalty: number;
  platform_fee: number;
  payment_method_id: string;
  psp_reference: string | null;
  charge_reference: string | null;
  status: EscrowStatus;
  seller_payout_method: 'transfer' | 'balance' | null;
  seller_transfer_id: string | null;
  hold_until: number | null;
  disputed_from: EscrowStatus | null;
  version: number;
  created_at: number;
  funded_at: number | null;
  released_at: number | null;
  refunded_at: number | null;
  disputed_at: number | null;
  updated_at: number;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toListingView(row: ListingRow): ListingView {
  const flags = JSON.parse(row.flags) as string[];
  return {
    id: row.listing_id,
    tenantId: row.tenant_id,
    ticketId: row.ticket_id,
    eventId: row.event_id,
    venueId: row.venue_id,
    sellerId: row.seller_id,
    price: row.price,
    originalPrice: row.original_price,
    currency: row.currency,
    status: row.status,
    suspicious: flags.length > 0,
    flags,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function toEscrowView(listing: ListingRow, row: EscrowRow): EscrowView {
  return {
    id: row.escrow_id,
    tenantId: listing.tenant_id,
    listingId: listing.listing_id,
    ticketId: listing.ticket_id,
    eventId: listing.event_id,
    venueId: listing.venue_id,
    buyerId: row.buyer_id,
    sellerId: listing.seller_id,
    amount: row.amount,
    sellerPayout: row.seller_payout,
    venueRoyalty: row.venue_royalty,
    platformFee: row.platform_fee,
    costBasis: listing.cost_basis,
    currency: listing.currency,
    status: row.status,
    stripePaymentIntentId: row.psp_reference,
    transferGroup: listing.listing_id,
    sellerPayoutMethod: row.seller_payout_method,
    sellerTransferId: row.seller_transfer_id,
    releaseConditions: { nftTransferConfirmed: row.released_at !== null, ticketId: listing.ticket_id },
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    fundedAt: iso(row.funded_at),
    releasedAt: iso(row.released_at),
    refundedAt: iso(row.refunded_at),
    disputedAt: iso(row.disputed_at),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The escrow as its buyer and seller see it. */
export function publicEscrow(e: EscrowView) {
  const { id, listingId, ticketId, amount, sellerPayout, venueRoyalty, platformFee, currency, status } = e;
  return { id, listingId, ticketId, amount, sellerPayout, venueRoyalty, platformFee, currency, status };
}

/** What a purchase answers. */
export function purchaseAnswer(e: EscrowView) {
  return { success: true, escrow: publicEscrow(e), message: 'Payment held in escrow. Transfer will complete after NFT transfer.' };
}

/** Escrow ids name their listing, so a PSP event carrying one finds the ListingDO: `esc_<listing hex>_<seq>`. */
export function escrowIdOf(listingId: string, seq: number): string {
  return `esc_${listingId.slice('lst_'.length)}_${seq}`;
}

const ESCROW_ID = /^esc_([0-9a-f]{32})_(\d{1,6})$/;

export function listingIdOfEscrow(escrowId: string): string | null {
  const match = ESCROW_ID.exec(escrowId);
  return match ? `lst_${match[1]}` : null;
}
