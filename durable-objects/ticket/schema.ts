import type { Chain } from '../../src/chains/types';
import type { MintPriority, NftStatus, TicketStatus, TicketView } from './types';

/** TicketDO's own schema steps (after the outbox's), applied in order; never edit or reorder a step. */
export const TICKET_SCHEMA_STEPS = [
  `CREATE TABLE ticket (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     ticket_id TEXT NOT NULL, tenant_id TEXT NOT NULL, event_id TEXT NOT NULL, venue_id TEXT NOT NULL,
     ticket_type_id TEXT NOT NULL, seat TEXT, face_value INTEGER NOT NULL, currency TEXT NOT NULL,
     owner_id TEXT NOT NULL, transaction_id TEXT NOT NULL, job_id TEXT NOT NULL, priority TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('valid', 'listed', 'transferred', 'void')),
     chain TEXT, contract TEXT, token_id TEXT, owner_address TEXT,
     nft_status TEXT CHECK (nft_status IN ('queued', 'minting', 'minted', 'failed')),
     mint_attempts INTEGER NOT NULL DEFAULT 0, mint_batch_id TEXT, transaction_hash TEXT, gas_paid TEXT, last_error TEXT,
     burned INTEGER NOT NULL DEFAULT 0, burn_hash TEXT,
     version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  // Resale: the listing it is on, what its holder paid for it, and a transfer to a buyer under way.
  `ALTER TABLE ticket ADD COLUMN listing_id TEXT;
   ALTER TABLE ticket ADD COLUMN cost_basis INTEGER;
   ALTER TABLE ticket ADD COLUMN transfer_escrow_id TEXT;
   ALTER TABLE ticket ADD COLUMN transfer_to TEXT;
   ALTER TABLE ticket ADD COLUMN transfer_address TEXT;
   ALTER TABLE ticket ADD COLUMN transfer_price INTEGER;
   ALTER TABLE ticket ADD COLUMN transfer_hash TEXT;
   ALTER TABLE ticket ADD COLUMN transfer_attempts INTEGER NOT NULL DEFAULT 0`,
] as const;

export type TicketRow = {
  ticket_id: string;
  tenant_id: string;
  event_id: string;
  venue_id: string;
  ticket_type_id: string;
  seat: string | null;
  face_value: number;
  currency: string;
  owner_id: string;
  transaction_id: string;
  job_id: string;
  priority: MintPriority;
  status: TicketStatus;
  chain: Chain | null;
  contract: string | null;
  token_id: string | null;
  owner_address: string | null;
  nft_status: NftStatus | null;
  mint_attempts: number;
  mint_batch_id: string | null;
  transaction_hash: string | null;
  gas_paid: string | null;
  last_error: string | null;
  burned: number;
  burn_hash: string | null;
  listing_id: string | null;
  cost_basis: number | null;
  transfer_escrow_id: string | null;
  transfer_to: string | null;
  transfer_address: string | null;
  transfer_price: number | null;
  transfer_hash: string | null;
  transfer_attempts: number;
  version: number;
  created_at: number;
  updated_at: number;
};

export function toTicketView(row: TicketRow): TicketView {
  return {
    id: row.ticket_id,
    tenantId: row.tenant_id,
    eventId: row.event_id,
    venueId: row.venue_id,
    ticketTypeId: row.ticket_type_id,
    seat: row.seat,
    faceValue: row.face_value,
    currency: row.currency,
    ownerId: row.owner_id,
    transactionId: row.transaction_id,
    jobId: row.job_id,
    priority: row.priority,
    status: row.status,
    nft:
      row.chain && row.contract && row.token_id && row.owner_address && row.nft_status
        ? {
            chain: row.chain,
            contract: row.contract,
            tokenId: row.token_id,
            ownerAddress: row.owner_address,
            status: row.nft_status,
            transactionHash: row.transaction_hash,
            mintBatchId: row.mint_batch_id,
            gasPaid: row.gas_paid,
            attempts: row.mint_attempts,
            lastError: row.last_error,
            burned: row.burned === 1,
          }
        : null,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
