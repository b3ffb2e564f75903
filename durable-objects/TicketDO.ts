import { OutboxObject } from './OutboxObject';
import { TICKET_SCHEMA_STEPS, type TicketRow, toTicketView } from './ticket/schema';
import type { ListedTicket, ListRefusal, MintClaim, TicketIssue, TicketView, TransferClaim, TransferStart } from './ticket/types';

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
    // A ticket on sale names its listing, which is withdrawn with it.
    const view = this.change(`status = 'void'`, [], 'ticket.voided', row.listing_id ? { listingId: row.listing_id } : {});
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

  /**
   * Puts the ticket on sale under `listingId`: only its holder's, only while valid, and only once its NFT (when
   * it has one) is minted, so the sale can move it. Listing it again under the same listing is harmless.
   */
  async list(input: {
    tenantId: string;
    sellerId: string;
    listingId: string;
  }): Promise<({ ok: true } & ListedTicket) | ({ ok: false } & ListRefusal)> {
    const row = this.row();
    if (!row || row.tenant_id !== input.tenantId || row.owner_id !== input.sellerId) {
      return { ok: false, reason: 'not_found', message: 'Ticket not found' };
    }
    const costBasis = row.cost_basis ?? row.face_value;
    if (row.status === 'listed' && row.listing_id === input.listingId) return { ok: true, view: toTicketView(row), costBasis };
    if (row.status !== 'valid') return { ok: false, reason: 'not_transferable', message: `The ticket is ${row.status}` };
    if (row.nft_status && (row.nft_status !== 'minted' || row.burned === 1)) {
      return { ok: false, reason: 'not_transferable', message: "The ticket's NFT is not minted yet" };
    }
    const view = this.change(`status = 'listed', listing_id = ?`, [input.listingId], 'ticket.listed');
    await this.rearm();
    return { ok: true, view, costBasis };
  }

  /** Takes the ticket off sale (the listing was cancelled), unless a sale is moving it. */
  async unlist(listingId: string): Promise<void> {
    const row = this.row();
    if (row?.status !== 'listed' || row.listing_id !== listingId || row.transfer_escrow_id) return;
    this.change(`status = 'valid', listing_id = NULL`, [], 'ticket.unlisted');
    await this.rearm();
  }

  /**
   * The listing's buyer paid: the ticket goes to them. Without an NFT that is done at once; with one, the mint
   * queue moves the token to `buyerAddress` and confirms. Asking again for the same escrow answers the same.
   */
  async beginTransfer(input: {
    listingId: string;
    escrowId: string;
    buyerId: string;
    buyerAddress: string | null;
    price: number;
  }): Promise<TransferStart> {
    const row = this.row();
    if (!row || row.listing_id !== input.listingId) {
      if (row?.transfer_escrow_id === null && row.owner_id === input.buyerId) return { state: 'done' };
      return { state: 'refused', message: 'The ticket is not on this listing' };
    }
    if (row.transfer_escrow_id === input.escrowId) return row.chain ? { state: 'queued', chain: row.chain } : { state: 'done' };
    if (row.status !== 'listed' || row.transfer_escrow_id) return { state: 'refused', message: `The ticket is ${row.status}` };
    if (!row.chain || !row.nft_status) {
      this.finishTransfer(row, { escrowId: input.escrowId, buyerId: input.buyerId, address: null, price: input.price }, null);
      await this.rearm();
      return { state: 'done' };
    }
    if (!input.buyerAddress) return { state: 'refused', message: "The buyer's custodial address is unknown" };
    this.ctx.storage.sql.exec(
      `UPDATE ticket SET transfer_escrow_id = ?, transfer_to = ?, transfer_address = ?, transfer_price = ?, transfer_hash = NULL,
         transfer_attempts = 0, updated_at = ? WHERE id = 1`,
      input.escrowId,
      input.buyerId,
      input.buyerAddress,
      input.price,
      Date.now(),
    );
    return { state: 'queued', chain: row.chain };
  }

  /** The transfer consumer's claim before it signs: who holds the token, where it goes, what may already carry it. */
  claimTransfer(escrowId: string): TransferClaim {
    const row = this.row();
    if (!row) return { action: 'skip', reason: 'unknown' };
    if (row.transfer_escrow_id !== escrowId || !row.chain || !row.transfer_address) return { action: 'skip', reason: 'no_transfer' };
    return { action: 'transfer', chain: row.chain, fromUserId: row.owner_id, to: row.transfer_address, transactionHash: row.transfer_hash };
  }

  recordTransferTransaction(escrowId: string, transactionHash: string): void {
    this.ctx.storage.sql.exec(
      'UPDATE ticket SET transfer_hash = ?, updated_at = ? WHERE id = 1 AND transfer_escrow_id = ?',
      transactionHash,
      Date.now(),
      escrowId,
    );
  }

  /** The chain moved the token: the buyer holds the ticket (valid, off sale), at the price they paid. */
  async confirmTransfer(escrowId: string, transactionHash: string | null): Promise<void> {
    const row = this.row();
    if (!row || row.transfer_escrow_id !== escrowId || !row.transfer_to) return;
    const to = { escrowId, buyerId: row.transfer_to, address: row.transfer_address, price: row.transfer_price ?? row.face_value };
    this.finishTransfer(row, to, transactionHash ?? row.transfer_hash);
    await this.rearm();
  }

  /**
   * The chain refused the transfer (not an outage). Counted; after MAX_MINT_ATTEMPTS the transfer is given up:
   * the seller keeps the ticket, still on its listing, and the sale is told (its buyer is refunded).
   */
  async refuseTransfer(escrowId: string, error: string): Promise<{ attempts: number; failed: boolean }> {
    const row = this.row();
    if (!row || row.transfer_escrow_id !== escrowId) return { attempts: 0, failed: false };
    const attempts = row.transfer_attempts + 1;
    if (attempts < MAX_MINT_ATTEMPTS) {
      this.ctx.storage.sql.exec('UPDATE ticket SET transfer_attempts = ?, last_error = ? WHERE id = 1', attempts, error.slice(0, 500));
      return { attempts, failed: false };
    }
    const transfer = { listingId: row.listing_id ?? '', escrowId, fromUserId: row.owner_id, toUserId: row.transfer_to ?? '' };
    const set = `transfer_escrow_id = NULL, transfer_to = NULL, transfer_address = NULL, transfer_price = NULL, transfer_hash = NULL,
      transfer_attempts = 0, last_error = ?`;
    this.change(set, [error.slice(0, 500)], 'ticket.transfer_failed', { transfer });
    await this.rearm();
    return { attempts, failed: true };
  }

  private finishTransfer(
    row: TicketRow,
    to: { escrowId: string; buyerId: string; address: string | null; price: number },
    transactionHash: string | null,
  ): void {
    const transfer = { listingId: row.listing_id ?? '', escrowId: to.escrowId, fromUserId: row.owner_id, toUserId: to.buyerId };
    const set = `status = 'valid', listing_id = NULL, owner_id = ?, owner_address = COALESCE(?, owner_address), cost_basis = ?,
      transfer_escrow_id = NULL, transfer_to = NULL, transfer_address = NULL, transfer_price = NULL, transfer_hash = ?, transfer_attempts = 0`;
    this.change(set, [to.buyerId, to.address, to.price, transactionHash], 'ticket.transferred', { transfer });
  }

  /** One change of the ticket and its event, in one transaction. */
  private change(set: string, values: unknown[], event: string, extra: Record<string, unknown> = {}): TicketView {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(`UPDATE ticket SET ${set}, version = version + 1, updated_at = ? WHERE id = 1`, ...values, now);
      return this.emit(event, now, extra);
    });
  }

  private emit(type: string, now: number, extra: Record<string, unknown> = {}): TicketView {
    const view = toTicketView(this.row() as TicketRow);
    this.outbox.append({ type, tenantId: view.tenantId, payload: { ...view, ...extra } }, now);
    return view;
  }
}
