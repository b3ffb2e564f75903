import { DISPUTE_EVENT_TYPES, DisputeEventPayload } from '../../durable-objects/payment/disputes';
import { postLedger } from '../db/repos/payments';
import type { LedgerLine } from '../domain/ledger';
import type { Bindings } from '../env';
import { venueStub } from '../lib/stubs';
import type { OutboxHandler } from './messages';

/** Whose sale: the venue and the event sold (a payment, or a resale's escrow). */
type SaleOfVenue = { tenantId: string; venueId: string; eventId: string; currency: string };

/**
 * The venue's side of lines that reverse (or restore) part of a sale: what they debit from its pending
 * account comes out of its balances (pending first, then available), what they credit goes back in.
 */
export async function moveVenueShare(env: Bindings, sale: SaleOfVenue, eventId: string, ledger: readonly LedgerLine[]) {
  const share = ledger.filter((l) => l.account === `venue:${sale.venueId}:pending`).reduce((sum, l) => sum + l.amount, 0);
  const item = { eventId, amount: Math.abs(share), catalogEventId: sale.eventId, currency: sale.currency };
  const venue = venueStub(env, sale.tenantId, sale.venueId);
  if (share > 0) await venue.recordRefunds([item]);
  else if (share < 0) await venue.recordReinstatements([item]);
}

/** A chargeback's lines go to the ledger under the dispute's id, and move the venue's balances with them. */
const applyDisputeEvent: OutboxHandler = async (tx, event, env) => {
  const { dispute, payment, ledger } = DisputeEventPayload.parse(event.payload);
  if (ledger.length === 0) return;
  await postLedger(tx, {
    tenantId: payment.tenantId,
    transactionId: `dispute:${dispute.disputeId}`,
    eventId: event.eventId,
    currency: payment.currency,
    lines: ledger,
  });
  await moveVenueShare(env, payment, event.eventId, ledger);
};

export const disputeOutboxHandlers: Record<string, OutboxHandler> = Object.fromEntries(
  DISPUTE_EVENT_TYPES.map((type) => [type, applyDisputeEvent]),
);
