import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, numeric, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { NFT_STATUSES, TICKET_STATUSES } from '../../durable-objects/ticket/types';
import { MINT_JOB_STATUSES } from '../domain/mint-job';
import { inList, listedIn } from './schema';

/**
 * Tickets and their NFT mints, projected from each TicketDO's `ticket.*` events (versioned upserts, so a
 * late or repeated event never rolls a ticket back). `nft_mint_queue` has one row per order's mint job,
 * recomputed from its tickets whenever one of them changes.
 */
const at = (name: string) => timestamp(name, { withTimezone: true }).notNull();
/** Smallest native units (wei reach 10^18 per coin): whole numbers, exact. */
const nativeAmount = (name: string) => numeric(name, { precision: 78, scale: 0, mode: 'string' });

export const tickets = pgTable(
  'tickets',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    eventId: text('event_id').notNull(),
    venueId: text('venue_id').notNull(),
    ticketTypeId: text('ticket_type_id').notNull(),
    seat: text('seat'),
    faceValue: integer('face_value').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    ownerId: text('owner_id').notNull(),
    transactionId: uuid('transaction_id').notNull(),
    jobId: text('job_id').notNull(),
    priority: varchar('priority', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    chain: varchar('chain', { length: 16 }),
    contract: text('contract'),
    tokenId: text('token_id'),
    ownerAddress: text('owner_address'),
    nftStatus: varchar('nft_status', { length: 16 }),
    mintBatchId: text('mint_batch_id'),
    transactionHash: text('transaction_hash'),
    gasPaid: nativeAmount('gas_paid'),
    mintAttempts: integer('mint_attempts').notNull().default(0),
    lastError: text('last_error'),
    burned: boolean('burned').notNull().default(false),
    version: integer('version').notNull(),
    createdAt: at('created_at'),
    updatedAt: at('updated_at'),
  },
  (t) => [
    index('tickets_owner_idx').on(t.tenantId, t.ownerId),
    index('tickets_job_idx').on(t.jobId),
    index('tickets_nft_status_idx').on(t.tenantId, t.nftStatus),
    check('tickets_status_ck', inList('status', TICKET_STATUSES)),
    check('tickets_nft_status_ck', sql.raw(`nft_status IS NULL OR ${listedIn('nft_status', NFT_STATUSES)}`)),
  ],
);

/** One row per paid order whose tickets are minted: the job the process response names (mintJobId). */
export const nftMintQueue = pgTable(
  'nft_mint_queue',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    paymentId: uuid('payment_id').notNull(),
    ticketIds: text('ticket_ids').array().notNull(),
    venueId: text('venue_id').notNull(),
    eventId: text('event_id').notNull(),
    blockchain: varchar('blockchain', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    priority: varchar('priority', { length: 16 }).notNull(),
    transactionHash: text('transaction_hash'),
    gasFeePaid: nativeAmount('gas_fee_paid'),
    mintBatchId: text('mint_batch_id'),
    attempts: integer('attempts').notNull().default(0),
    errorMessage: text('error_message'),
    createdAt: at('created_at'),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    updatedAt: at('updated_at'),
  },
  (t) => [
    index('nft_mint_queue_status_idx').on(t.tenantId, t.status, t.createdAt),
    check('nft_mint_queue_status_ck', inList('status', MINT_JOB_STATUSES)),
  ],
);
