import { z } from 'zod';
import { LedgerLine } from '../../src/domain/ledger';
import { PAYOUT_STATUSES, PAYOUT_TYPES } from '../../src/domain/payout';

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

/** A venue payout as the API and the projection see it. */
export const VenuePayout = z.object({
  id: z.string(),
  tenantId: z.string(),
  venueId: z.string(),
  amount: z.number().int(),
  fee: z.number().int(),
  netAmount: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  type: z.enum(PAYOUT_TYPES),
  status: z.enum(PAYOUT_STATUSES),
  estimatedArrival: z.string(),
  stripePayoutId: z.string().nullable(),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
  requestedBy: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  paidAt: z.string().nullable(),
  failedAt: z.string().nullable(),
});
export type VenuePayout = z.infer<typeof VenuePayout>;

/** `venue.payout_updated`: the payout after a change, with the ledger lines the change moved (possibly none). */
export const VenuePayoutUpdated = z.object({ payout: VenuePayout, ledger: z.array(LedgerLine) });

/** A request for a payout, as the Worker hands it to the VenueDO. */
export type PayoutRequest = {
  tenantId: string;
  userId: string;
  idempotencyKey: string;
  fingerprint: string;
  amount: number;
  instant: boolean;
  path: string;
};
