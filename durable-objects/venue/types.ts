import { z } from 'zod';
import { LedgerLine } from '../../src/domain/ledger';

/**
 * A completed sale credited to a venue: `eventId` is the outbox event that reported it (each is applied
 * once); `catalogEventId` the event sold, whose end decides when the amount becomes available.
 */
export type VenueSale = { eventId: string; amount: number; at: number; catalogEventId?: string; currency?: string };

/** A completed refund's share of the venue (the ticket price part), once per outbox event. */
export type VenueRefund = { eventId: string; amount: number; catalogEventId: string; currency: string };

/** `venue.balance_moved`: a move between the venue's pending and available accounts that no payment event posts. */
export const VenueBalanceMoved = z.object({
  moveId: z.uuid(),
  venueId: z.string(),
  reason: z.enum(['settlement', 'refund_after_settlement', 'sale_after_settlement']),
  amount: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  ledger: z.array(LedgerLine),
});
