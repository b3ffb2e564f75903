import { z } from 'zod';
import { TicketTransferEvent, TicketView } from '../../durable-objects/ticket/types';
import { upsertTicket } from '../db/repos/tickets';
import { listingStub, ticketHolderStub } from '../lib/stubs';
import type { OutboxHandler } from './messages';

const project: OutboxHandler = (tx, event) => upsertTicket(tx, TicketView.parse(event.payload));

/**
 * A resale's transfer: the ticket's new holder lists it among their tickets and the sale is released; a transfer
 * given up tells the sale, which refunds its buyer and puts the listing back on sale.
 */
const transferred: OutboxHandler = async (tx, event, env) => {
  const ticket = TicketTransferEvent.parse(event.payload);
  await upsertTicket(tx, ticket);
  await ticketHolderStub(env, ticket.tenantId, ticket.transfer.toUserId).add([{ ticketId: ticket.id, eventId: ticket.eventId }]);
  await listingStub(env, ticket.tenantId, ticket.transfer.listingId).transferConfirmed(ticket.transfer.escrowId);
};

/** A voided ticket that was on sale: its listing is withdrawn (one being bought finds the ticket void and refunds). */
const voided: OutboxHandler = async (tx, event, env) => {
  const ticket = TicketView.extend({ listingId: z.string().optional() }).parse(event.payload);
  await upsertTicket(tx, ticket);
  if (ticket.listingId) await listingStub(env, ticket.tenantId, ticket.listingId).cancel(ticket.tenantId, ticket.ownerId);
};

const transferFailed: OutboxHandler = async (tx, event, env) => {
  const ticket = TicketTransferEvent.parse(event.payload);
  await upsertTicket(tx, ticket);
  await listingStub(env, ticket.tenantId, ticket.transfer.listingId).transferFailed(ticket.transfer.escrowId);
};

/** Every `ticket.*` event of a TicketDO carries the whole ticket: `tickets` and the job's `nft_mint_queue` row follow it. */
export const ticketOutboxHandlers: Record<string, OutboxHandler> = {
  ...Object.fromEntries(
    ['issued', 'minting', 'minted', 'mint_retrying', 'mint_failed', 'mint_requeued', 'burned', 'listed', 'unlisted'].map((t) => [
      `ticket.${t}`,
      project,
    ]),
  ),
  'ticket.voided': voided,
  'ticket.transferred': transferred,
  'ticket.transfer_failed': transferFailed,
};
