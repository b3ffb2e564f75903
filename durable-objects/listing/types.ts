import { z } from 'zod';
import { ESCROW_STATUSES, LISTING_STATUSES } from '../../src/domain/escrow';
import { LedgerLine } from '../../src/domain/ledger';

/** What the marketplace checked before the listing exists: the ticket, its event and venue, and the sale's terms. */
export type ListingCreate = {
  listingId: string;
  tenantId: string;
  ticketId: string;
  eventId: string;
  venueId: string;
  sellerId: string;
  price: number;
  originalPrice: number;
  currency: string;
  /** What the seller paid for the ticket (face value, or the resale price they bought it at). */
  costBasis: number;
  eventStartsAt: number;
  royaltyBps: number;
  platformFeeBps: number;
  flags: string[];
};

export const ListingView = z.object({
  id: z.string(),
  tenantId: z.string(),
  ticketId: z.string(),
  eventId: z.string(),
  venueId: z.string(),
  sellerId: z.string(),
  price: z.number().int(),
  originalPrice: z.number().int(),
  currency: z.string(),
  status: z.enum(LISTING_STATUSES),
  suspicious: z.boolean(),
  flags: z.array(z.string()),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ListingView = z.infer<typeof ListingView>;

export const EscrowView = z.object({
  id: z.string(),
  tenantId: z.string(),
  listingId: z.string(),
  ticketId: z.string(),
  eventId: z.string(),
  venueId: z.string(),
  buyerId: z.string(),
  sellerId: z.string(),
  amount: z.number().int(),
  sellerPayout: z.number().int(),
  venueRoyalty: z.number().int(),
  platformFee: z.number().int(),
  costBasis: z.number().int(),
  currency: z.string(),
  status: z.enum(ESCROW_STATUSES),
  stripePaymentIntentId: z.string().nullable(),
  transferGroup: z.string(),
  sellerPayoutMethod: z.enum(['transfer', 'balance']).nullable(),
  sellerTransferId: z.string().nullable(),
  releaseConditions: z.object({ nftTransferConfirmed: z.boolean(), ticketId: z.string() }),
  version: z.number().int(),
  createdAt: z.string(),
  fundedAt: z.string().nullable(),
  releasedAt: z.string().nullable(),
  refundedAt: z.string().nullable(),
  disputedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type EscrowView = z.infer<typeof EscrowView>;

/** `listing.updated`: the listing after a change. */
export const ListingUpdated = z.object({ listing: ListingView });

/**
 * `escrow.updated`: the escrow after a change, the ledger lines the change moved, and on release the split
 * (one row per recipient) for royalty_distributions.
 */
export const EscrowUpdated = z.object({
  escrow: EscrowView,
  ledger: z.array(LedgerLine),
  distributions: z.array(
    z.object({
      recipientType: z.enum(['venue', 'platform', 'seller']),
      recipientId: z.string(),
      amount: z.number().int(),
      bps: z.number().int(),
    }),
  ),
});
export type EscrowUpdated = z.infer<typeof EscrowUpdated>;

export type PurchaseRequest = {
  tenantId: string;
  buyerId: string;
  idempotencyKey: string;
  fingerprint: string;
  paymentMethodId: string;
  path: string;
};
