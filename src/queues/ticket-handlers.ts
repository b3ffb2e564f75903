import { TicketView } from '../../durable-objects/ticket/types';
import { upsertTicket } from '../db/repos/tickets';
import type { OutboxHandler } from './messages';

const project: OutboxHandler = (tx, event) => upsertTicket(tx, TicketView.parse(event.payload));

/** Every `ticket.*` event of a TicketDO carries the whole ticket: `tickets` and the job's `nft_mint_queue` row follow it. */
export const ticketOutboxHandlers: Record<string, OutboxHandler> = Object.fromEntries(
  ['issued', 'minting', 'minted', 'mint_retrying', 'mint_failed', 'mint_requeued', 'voided', 'burned'].map((t) => [`ticket.${t}`, project]),
);
