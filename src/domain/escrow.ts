/**
 * Resale escrow and listing states. An escrow is `created` when a buyer wins the listing, `funded` once the
 * buyer's charge succeeded, `released` when the ticket's NFT reached the buyer (the split is paid out), and
 * `refunded` when the transfer could not complete. `cancelled` is an escrow whose charge never succeeded
 * (declined): nothing was taken, nothing is owed. A dispute on the buyer's charge makes it `disputed`; a
 * dispute won returns it to where it was, one lost ends it `refunded` (the money went back to the buyer).
 */
export const ESCROW_STATUSES = ['created', 'funded', 'released', 'refunded', 'disputed', 'cancelled'] as const;
export type EscrowStatus = (typeof ESCROW_STATUSES)[number];

const ESCROW_NEXT: Record<EscrowStatus, readonly EscrowStatus[]> = {
  created: ['funded', 'cancelled'],
  funded: ['released', 'refunded', 'disputed'],
  released: ['disputed'],
  disputed: ['funded', 'released', 'refunded'],
  refunded: [],
  cancelled: [],
};

export function canMoveEscrow(from: EscrowStatus, to: EscrowStatus): boolean {
  return ESCROW_NEXT[from].includes(to);
}

export function isFinalEscrow(status: EscrowStatus): boolean {
  return ESCROW_NEXT[status].length === 0;
}

/**
 * `active`: on sale. `reserved`: a buyer won it and is being charged; nobody else can buy. `sold`: the
 * buyer's charge succeeded. `cancelled`: withdrawn by the seller, or the ticket stopped being sellable.
 * A failed charge makes a reserved listing active again, and so does a transfer that could not complete
 * (cancelled instead when the ticket stopped being the seller's to sell).
 */
export const LISTING_STATUSES = ['active', 'reserved', 'sold', 'cancelled'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

const LISTING_NEXT: Record<ListingStatus, readonly ListingStatus[]> = {
  active: ['reserved', 'cancelled'],
  reserved: ['sold', 'active'],
  sold: ['active', 'cancelled'],
  cancelled: [],
};

export function canMoveListing(from: ListingStatus, to: ListingStatus): boolean {
  return LISTING_NEXT[from].includes(to);
}
