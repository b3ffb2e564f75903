import { z } from '@hono/zod-openapi';
import { NFT_STATUSES, TICKET_STATUSES } from '../../durable-objects/ticket/types';
import { MINT_JOB_STATUSES } from '../domain/mint-job';
import { EntityId } from './catalog';

export const TicketIdParam = z.object({ ticketId: z.string().regex(/^tkt_[0-9a-f]{26}$/, 'a ticket id (tkt_…)') });

export const TicketListQuery = z.object({
  eventId: EntityId.optional().openapi({ description: 'Only tickets of this event' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'the nextCursor of a previous page')
    .optional()
    .openapi({ description: 'nextCursor of the previous page' }),
});

export const TicketNftView = z
  .object({
    chain: z.enum(['polygon', 'solana']),
    contract: z.string().openapi({ description: 'The ticket contract (Polygon) or the SPL Token program (Solana)' }),
    tokenId: z.string().openapi({ description: 'uint256 token id (Polygon) or the mint address (Solana)' }),
    ownerAddress: z.string().openapi({ description: "The owner's custodial address on the chain" }),
    status: z.enum(NFT_STATUSES),
    transactionHash: z.string().nullable(),
  })
  .openapi('TicketNft');

export const Ticket = z
  .object({
    id: z.string(),
    eventId: z.string(),
    ticketTypeId: z.string(),
    seat: z.string().nullable(),
    ownerId: z.string(),
    status: z.enum(TICKET_STATUSES),
    transactionId: z.string(),
    nft: TicketNftView.nullable().openapi({ description: 'null when the ticket is not minted on a chain' }),
    createdAt: z.string(),
  })
  .openapi('Ticket');
export type Ticket = z.infer<typeof Ticket>;

export const TicketList = z.object({ tickets: z.array(Ticket), nextCursor: z.string().nullable() }).openapi('TicketList');

export const MintJobsQuery = z.object({
  status: z
    .enum(MINT_JOB_STATUSES)
    .optional()
    .openapi({ description: 'failed: the jobs with a ticket dead-lettered (requeue it from /admin/dead-letters)' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const MintJobRow = z
  .object({
    id: z.string(),
    paymentId: z.string(),
    ticketIds: z.array(z.string()),
    eventId: z.string(),
    blockchain: z.enum(['polygon', 'solana']),
    status: z.enum(MINT_JOB_STATUSES),
    priority: z.enum(['urgent', 'standard']),
    transactionHash: z.string().nullable(),
    gasFeePaid: z.string().nullable().openapi({ description: "Smallest native units (wei, lamports), summed over the job's tickets" }),
    mintBatchId: z.string().nullable(),
    attempts: z.number().int(),
    errorMessage: z.string().nullable(),
    createdAt: z.string(),
    processedAt: z.string().nullable(),
  })
  .openapi('MintJobRecord');
export type MintJobRecord = z.infer<typeof MintJobRow>;

export const MintJobsResponse = z.object({ jobs: z.array(MintJobRow) }).openapi('MintJobs');
