import { EscrowUpdated, ListingUpdated } from '../../durable-objects/listing/types';
import { insertDistributions, recordListingReview, upsertEscrow, upsertListing } from '../db/repos/marketplace';
import { postLedger } from '../db/repos/payments';
import { moveVenueShare } from './dispute-handlers';
import type { OutboxHandler } from './messages';

/**
 * The marketplace's projections: `resale_listings` (a suspicious listing also joins the fraud review list),
 * `payment_escrows`, the split of each released escrow in `royalty_distributions`, and the escrow's ledger
 * lines under its id; the venue's royalty is credited to its balances with them.
 */
export const marketplaceOutboxHandlers: Record<string, OutboxHandler> = {
  'listing.updated': async (tx, event) => {
    const { listing } = ListingUpdated.parse(event.payload);
    await upsertListing(tx, listing);
    if (listing.suspicious) await recordListingReview(tx, listing);
  },
  'escrow.updated': async (tx, event, env) => {
    const update = EscrowUpdated.parse(event.payload);
    const { escrow } = update;
    await upsertEscrow(tx, update);
    await insertDistributions(tx, update);
    if (update.ledger.length === 0) return;
    await postLedger(tx, {
      tenantId: escrow.tenantId,
      transactionId: escrow.id,
      eventId: event.eventId,
      currency: escrow.currency,
      lines: update.ledger,
    });
    await moveVenueShare(env, escrow, event.eventId, update.ledger);
  },
};
