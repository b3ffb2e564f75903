import { OutboxObject } from './OutboxObject';
import { TICKET_SCHEMA_STEPS, type TicketRow, toTicketView } from './ticket/schema';
import type { MintClaim, TicketIssue, TicketView } from './ticket/types';

/** Refusals by the chain (not outages) a mint survives before it is dead-lettered. */
export const MAX_MINT_ATTEMPTS = 3;

/**
 * One object per ticket: the one place its owner, status and NFT state change. Every change appends a
 * `ticket.*` event with the whole ticket to the outbox in the same transaction (Postgres `tickets` and
 * `nft_mint_queue` are projections of them). The mint consumer claims the ticket before it signs, records
 * the transaction hash before it broadcasts, and confirms after the chain does.
 */
export class TicketDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'TicketDO', TICKET_SCHEMA_STEPS);
  }

  private row(): TicketRow | null {
    return this.ctx.storage.sql.exec<TicketRow>('SELECT * FROM ticket WHERE id = 1').toArray()[0] ?? null;
  }

  /** Issues the ticket once; issuing it again answers the ticket as it now is. */
  async issue(input: TicketIssue): Promise<TicketView> {
    const existing = this.row();
    if (existing) {
      if (existing.tenant_id !== input.tenantId || existing.transaction_id !== input.transactionId) throw new Error('ticket id collision');
      return toTicketView(existing);
    }
    const now = Date.now();
    const view = this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(
        `INSERT INTO ticket (id, ticket_id, tenant_id, event_id, venue_id, ticket_type_id, seat, face_value, currency, owner_id,
           transaction_id, job_id, priority, status, chain, contract, token_id, owner_address, nft_status, version, created_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'valid', ?, ?, ?, ?, ?, 1, ?, ?)`,
        input.ticketId,
        input.tenantId,
        input.eventId,
        input.venueId,
        input.ticketTypeId,
        input.seat,
        input.faceValue,
        input.currency,
        input.ownerId,
        input.transactionId,
        input.jobId,
        input.priority,
        input.nft?.chain ?? null,
        input.nft?.contract ?? null,
        input.nft?.tokenId ?? null,
        input.nft?.ownerAddress ?? null,
        input.nft ? 'queued' : null,
        now,
        now,
      );
      return this.emit('ticket.issued', now);
    });
    await this.rearm();
    return view;
  }

  /** The ticket as its tenant sees it; null for another tenant or no ticket. */
  view(tenantId: string): TicketView | null {
    const row = this.row();
    return row && row.tenant_id === tenantId ? toTicketView(row) : null;
  }

  /**
   * The mint consumer's claim before it signs: the ticket is `minting` in `batchId` and the claim says where
   * it goes and which transaction may already carry it. Anything minted, void, dead-lettered or not meant
   * for a chain is skipped.
   */
  async claimMint(batchId: string): Promise<MintClaim> {
    const row = this.row();
    if (!row) return { action: 'skip', reason: 'unknown' };
    if (!row.nft_status || !row.chain || !row.owner_address || !row.token_id) return { action: 'skip', reason: 'not_minted_here' };
    if (row.nft_status === 'minted') return { action: 'skip', reason: 'minted' };
    if (row.nft_status === 'failed') return { action: 'skip', reason: 'failed' };
    if (row.status === 'void') return { action: 'skip', reason: 'void' };
    if (row.nft_status !== 'minting' || row.mint_batch_id !== batchId) {
      this.change(`nft_status = 'minting', mint_batch_id = ?`, [batchId], 'ticket.minting');
      await this.rearm();
    }
    return { action: 'mint', chain: row.chain, owner: row.owner_address, tokenId: row.token_id, transactionHash: row.transaction_hash };
  }

  /** The signed transaction that carries this ticket, recorded before it is broadcast. */
  recordMintTransaction(transactionHash: string): void {
    this.ctx.storage.sql.exec(
      `UPDATE ticket SET transaction_hash = ?, updated_at = ? WHERE id = 1 AND nft_status = 'minting'`,
      transactionHash,
      Date.now(),
    );
  }

  /** The chain holds the token. Says whether it must now be burned (the ticket was voided while it was minted). */
  async confirmMint(input: { transactionHash: string | null; gasPaid: string | null; batchId: string }): Promise<{ burn: boolean }> {
    const row = this.row();
    if (!row?.nft_status) return { burn: false };
    if (row.nft_status !== 'minted') {
      this.change(
        `nft_status = 'minted', transaction_hash = COALESCE(?, transaction_hash), gas_paid = COALESCE(?, gas_paid), mint_batch_id = ?, last_error = NULL`,
        [input.transactionHash, input.gasPaid, input.batchId],
        'ticket.minted',
      );
      await this.rearm();
    }
    return { burn: row.status === 'void' && row.burned === 0 };
  }

  /**
   * The chain refused the mint (not an outage). Counted; after MAX_MINT_ATTEMPTS the ticket is `failed` and
   * waits for an admin to requeue it.
   */
  async refuseMint(error: string): Promise<{ attempts: number; failed: boolean }> {
    const row = this.row();
    if (!row?.nft_status || row.nft_status === 'minted' || row.nft_status === 'failed')
      return { attempts: row?.mint_attempts ?? 0, failed: row?.nft_status === 'failed' };
    const attempts = row.mint_attempts + 1;
    const failed = attempts >= MAX_MINT_ATTEMPTS;
    this.change(
      'nft_status = ?, mint_attempts = ?, last_error = ?',
      [failed ? 'failed' : 'queued', attempts, error.slice(0, 500)],
      failed ? 'ticket.mint_failed' : 'ticket.mint_retrying',
    );
    await this.rearm();
    return { attempts, failed };
  }

  /** A mint message that reached the dead-letter queue another way (the consumer kept failing): the ticket is `failed`. */
  async failMint(error: string): Promise<void> {
    const row = this.row();
    if (!row?.nft_status || row.nft_status === 'minted' || row.nft_status === 'failed') return;
    this.change(`nft_status = 'failed', last_error = ?`, [error.slice(0, 500)], 'ticket.mint_failed');
    await this.rearm();
  }

  /** An admin's requeue of a failed mint: attempts start again. Null when the ticket is not failed (or not this tenant's). */
  async requeueMint(tenantId: string): Promise<TicketView | null> {
    const row = this.row();
    if (!row || row.tenant_id !== tenantId || row.nft_status !== 'failed') return null;
    const view = this.change(`nft_status = 'queued', mint_attempts = 0, last_error = NULL`, [], 'ticket.mint_requeued');
    await this.rearm();
    return view;
  }

  /** Voids the ticket (its order was refunded in full). Says whether its NFT must be burned. */
  async voidTicket(): Promise<{ view: TicketView; burn: boolean } | null> {
    const row = this.row();
    if (!row) return null;
    if (row.status === 'void') return { view: toTicketView(row), burn: row.nft_status === 'minted' && row.burned === 0 };
    const view = this.change(`status = 'void'`, [], 'ticket.voided');
    await this.rearm();
    return { view, burn: row.nft_status === 'minted' && row.burned === 0 };
  }

  /** What a burn needs, or null when nothing is to be burned. */
  burnClaim(): { chain: NonNullable<TicketRow['chain']>; ownerId: string; ownerAddress: string; tenantId: string } | null {
    const row = this.row();
    if (!row?.chain || !row.owner_address || row.status !== 'void' || row.nft_status !== 'minted' || row.burned === 1) return null;
    return { chain: row.chain, ownerId: row.owner_id, ownerAddress: row.owner_address, tenantId: row.tenant_id };
  }

  async confirmBurn(transactionHash: string | null): Promise<void> {
    const row = this.row();
    if (!row || row.burned === 1) return;
    this.change('burned = 1, burn_hash = ?', [transactionHash], 'ticket.burned');
    await this.rearm();
  }

  /** One change of the ticket and its event, in one transaction. */
  private change(set: string, values: unknown[], event: string): TicketView {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(`UPDATE ticket SET ${set}, version = version + 1, updated_at = ? WHERE id = 1`, ...values, now);
      return this.emit(event, now);
    });
  }

  private emit(type: string, now: number): TicketView {
    const view = toTicketView(this.row() as TicketRow);
    this.outbox.append({ type, tenantId: view.tenantId, payload: view }, now);
    return view;
  }
}
