import { z } from 'zod';
import type { Chain } from '../../src/chains/types';

/**
 * The ticket objects' contract. One TicketDO per ticket is the one place its ownership and status change;
 * one TicketHolderDO per (tenant, user) lists the tickets the user holds.
 */
export const TICKET_STATUSES = ['valid', 'listed', 'transferred', 'void'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const NFT_STATUSES = ['queued', 'minting', 'minted', 'failed'] as const;
export type NftStatus = (typeof NFT_STATUSES)[number];

/** Mint jobs of events starting within a day go to `mint-urgent`, which its consumer drains first. */
export type MintPriority = 'urgent' | 'standard';

/** What issuing a ticket needs: the order it comes from and, when minting is configured, where its NFT goes. */
export type TicketIssue = {
  ticketId: string;
  tenantId: string;
  eventId: string;
  venueId: string;
  ticketTypeId: string;
  seat: string | null;
  faceValue: number;
  currency: string;
  ownerId: string;
  transactionId: string;
  jobId: string;
  priority: MintPriority;
  nft: { chain: Chain; contract: string; tokenId: string; ownerAddress: string } | null;
};

export const TicketNft = z.object({
  chain: z.enum(['polygon', 'solana']),
  contract: z.string(),
  tokenId: z.string(),
  ownerAddress: z.string(),
  status: z.enum(NFT_STATUSES),
  transactionHash: z.string().nullable(),
  mintBatchId: z.string().nullable(),
  /** What minting cost the platform, in the chain's smallest native unit (decimal string). */
  gasPaid: z.string().regex(/^\d+$/).nullable(),
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  burned: z.boolean(),
});
export type TicketNft = z.infer<typeof TicketNft>;

/** The whole ticket: what its object answers and what every `ticket.*` event carries. */
export const TicketView = z.object({
  id: z.string(),
  tenantId: z.string(),
  eventId: z.string(),
  venueId: z.string(),
  ticketTypeId: z.string(),
  seat: z.string().nullable(),
  faceValue: z.number().int(),
  currency: z.string(),
  ownerId: z.string(),
  transactionId: z.uuid(),
  jobId: z.string(),
  priority: z.enum(['urgent', 'standard']),
  status: z.enum(TICKET_STATUSES),
  nft: TicketNft.nullable(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type TicketView = z.infer<typeof TicketView>;

/** What the mint consumer may do with a ticket it was asked to mint. */
export type MintClaim =
  | { action: 'mint'; chain: Chain; owner: string; tokenId: string; transactionHash: string | null }
  | { action: 'skip'; reason: 'unknown' | 'not_minted_here' | 'minted' | 'void' | 'failed' };

/** Why a ticket cannot go on sale (or be sold) now. */
export type ListRefusal = { reason: 'not_found' | 'not_transferable'; message: string };

/** What listing a ticket tells the marketplace: the ticket, and what its holder paid for it. */
export type ListedTicket = { view: TicketView; costBasis: number };

/** A transfer to a buyer: done at once (no NFT), queued for the mint queue, or refused (the ticket is not on this listing). */
export type TransferStart = { state: 'done' } | { state: 'queued'; chain: Chain } | { state: 'refused'; message: string };

/** What the transfer consumer may do with a ticket: move its token from the seller's custodial address to the buyer's. */
export type TransferClaim =
  | { action: 'transfer'; chain: Chain; fromUserId: string; to: string; transactionHash: string | null }
  | { action: 'skip'; reason: 'unknown' | 'no_transfer' };

/** `ticket.transferred` and `ticket.transfer_failed`: the ticket, and the sale that moved it (or failed to). */
export const TicketTransferEvent = TicketView.extend({
  transfer: z.object({ listingId: z.string(), escrowId: z.string(), fromUserId: z.string(), toUserId: z.string() }),
});
export type TicketTransferEvent = z.infer<typeof TicketTransferEvent>;
