import { canMoveListing, type ListingStatus } from '../src/domain/escrow';
import { sellerStub, ticketStub, venueStub } from '../src/lib/stubs';
import type { PspChargeOutcome, PspEvent, PspResult } from '../src/psp/types';
import { DedupInbox } from './dedup';
import { chargeBuyer, paySeller, refundBuyer, startTicketTransfer, transfer } from './listing/calls';
import { EscrowBook, type EscrowChange, type EscrowTaskKind } from './listing/escrows';
import { type EscrowRow, LISTING_SCHEMA_STEPS, type ListingRow, purchaseAnswer, toEscrowView, toListingView } from './listing/schema';
import type { EscrowView, ListingCreate, ListingView, PurchaseRequest } from './listing/types';
import { OutboxObject } from './OutboxObject';
import { outboxBackoffMs } from './outbox';
import type { DisputeNotice } from './payment/disputes';
import { idempotent } from './payment/idempotency';
import { pspDidNotAnswer, refusal } from './payment/replies';
import type { PaymentResult, Reply } from './payment/types';

/** How long a buyer who won the listing has to finish paying (3-D Secure) before it goes back on sale. */
const HOLD_MS = 15 * 60_000;
/** Calls an escrow keeps failing give up after this many tries (the buyer's charge: the escrow is cancelled). */
const MAX_TASK_ATTEMPTS = 8;

/**
 * One object per resale listing: the listing and its escrows. A purchase wins the listing in one
 * transaction (`active` → `reserved`) before the buyer is charged, so under any concurrency exactly one
 * buyer is charged and the others are refused with 409 LISTING_UNAVAILABLE. The charge funds the escrow;
 * the ticket's transfer to the buyer (the mint queue moves its NFT) releases it, splitting the price between
 * the seller, the venue's royalty and the platform's fee; a transfer that cannot complete refunds the buyer
 * and puts the listing back on sale. Every change leaves as `listing.updated` / `escrow.updated` events.
 */
export class ListingDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'ListingDO', LISTING_SCHEMA_STEPS);
  }

  private listingRow(): ListingRow | null {
    return this.ctx.storage.sql.exec<ListingRow>('SELECT * FROM listing WHERE id = 1').toArray()[0] ?? null;
  }

  private escrows(listing: ListingRow): EscrowBook {
    return new EscrowBook(this.ctx.storage.sql, listing);
  }

  /** Creates the listing once; creating it again answers it as it is. */
  async create(input: ListingCreate): Promise<ListingView> {
    const existing = this.listingRow();
    if (existing) return toListingView(existing);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(
        `INSERT INTO listing (id, listing_id, tenant_id, ticket_id, event_id, venue_id, seller_id, price, original_price, currency,
           cost_basis, event_starts_at, royalty_bps, platform_fee_bps, status, flags, version, created_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, 1, ?, ?)`,
        input.listingId,
        input.tenantId,
        input.ticketId,
        input.eventId,
        input.venueId,
        input.sellerId,
        input.price,
        input.originalPrice,
        input.currency,
        input.costBasis,
        input.eventStartsAt,
        input.royaltyBps,
        input.platformFeeBps,
        JSON.stringify(input.flags),
        now,
        now,
      );
      this.emitListing(now);
    });
    await this.rearm();
    return toListingView(this.listingRow() as ListingRow);
  }

  /** The listing and its latest escrow, for its tenant; null otherwise. */
  view(tenantId: string): { listing: ListingView; escrow: EscrowView | null } | null {
    const listing = this.listingRow();
    if (!listing || listing.tenant_id !== tenantId) return null;
    const escrow = this.escrows(listing).latest();
    return { listing: toListingView(listing), escrow: escrow ? toEscrowView(listing, escrow) : null };
  }

  /** The seller withdraws an active listing (again is harmless); one being bought or sold cannot be. */
  async cancel(
    tenantId: string,
    sellerId: string,
  ): Promise<{ ok: true; listing: ListingView } | { ok: false; code: 'NOT_FOUND' | 'LISTING_UNAVAILABLE' }> {
    const listing = this.listingRow();
    if (!listing || listing.tenant_id !== tenantId || listing.seller_id !== sellerId) return { ok: false, code: 'NOT_FOUND' };
    if (listing.status !== 'active' && listing.status !== 'cancelled') return { ok: false, code: 'LISTING_UNAVAILABLE' };
    if (listing.status === 'active') {
      this.ctx.storage.transactionSync(() => this.setListing('cancelled', Date.now()));
      await this.rearm();
    }
    return { ok: true, listing: toListingView(this.listingRow() as ListingRow) };
  }

  /**
   * POST /marketplace/purchase, once per (buyer, Idempotency-Key). The listing is won and the escrow opened in
   * one transaction; then the buyer is charged with the listing as the transfer group.
   */
  async purchase(req: PurchaseRequest): Promise<PaymentResult> {
    const scope = `purchase:${req.tenantId}:${req.buyerId}:${req.idempotencyKey}`;
    return idempotent(this.ctx.storage.sql, scope, req, async () => {
      const won = this.ctx.storage.transactionSync((): { reply: Reply } | { escrow: EscrowRow } => {
        const listing = this.listingRow();
        if (!listing || listing.tenant_id !== req.tenantId) return { reply: refusal('NOT_FOUND', 'Listing not found') };
        const book = this.escrows(listing);
        const now = Date.now();
        // The same purchase again after the PSP did not answer: it goes on with its escrow.
        const mine = book.byScope(scope);
        if (mine?.status === 'created') return { escrow: mine };
        if (listing.seller_id === req.buyerId) {
          return {
            reply: refusal('VALIDATION_ERROR', 'Validation failed', {
              errors: [{ field: 'listingId', message: 'this is your own listing' }],
            }),
          };
        }
        if (listing.status !== 'active') return { reply: refusal('LISTING_UNAVAILABLE', 'This listing is no longer available') };
        if (now >= listing.event_starts_at) return { reply: refusal('LISTING_UNAVAILABLE', 'The event has started') };
        const escrow = book.open({ scope, buyerId: req.buyerId, paymentMethodId: req.paymentMethodId, holdUntil: now + HOLD_MS, now });
        this.setListing('reserved', now);
        this.emitEscrow(listing, { row: escrow, ledger: [], distributions: [] }, now);
        book.schedule(escrow.escrow_id, 'charge', now + HOLD_MS);
        return { escrow };
      });
      if ('reply' in won) return won.reply;
      await this.rearm();
      const listing = this.listingRow() as ListingRow;
      return this.settleCharge(won.escrow.escrow_id, await chargeBuyer(this.env, this.config, listing, won.escrow));
    });
  }

  /** What the buyer's charge came to: funded, waiting for the buyer (3-D Secure) or the PSP, or back on sale. */
  private async settleCharge(escrowId: string, result: PspResult<PspChargeOutcome>): Promise<Reply> {
    const listing = this.listingRow() as ListingRow;
    if (!result.ok) {
      if (result.failure.retryable) return pspDidNotAnswer();
      this.cancelEscrow(escrowId);
      await this.rearm();
      return refusal('PSP_REQUEST_REJECTED', 'The payment provider rejected the request');
    }
    const outcome = result.value;
    if (outcome.status === 'declined' || outcome.status === 'canceled') {
      this.cancelEscrow(escrowId);
      await this.rearm();
      const declineCode = outcome.status === 'declined' ? outcome.declineCode : 'canceled';
      return refusal('PAYMENT_FAILED', 'The payment failed', { details: { declineCode } });
    }
    this.ctx.storage.transactionSync(() =>
      this.escrows(listing).setCharge(escrowId, outcome.reference, outcome.status === 'succeeded' ? outcome.chargeReference : null),
    );
    if (outcome.status === 'requires_action') {
      return refusal('PAYMENT_REQUIRES_ACTION', 'The customer must complete an authentication step', {
        details: { nextAction: outcome.nextAction },
      });
    }
    if (outcome.status === 'processing') return { ok: true, status: 202, body: this.purchaseBody(escrowId) };
    await this.fund(escrowId);
    return { ok: true, status: 200, body: this.purchaseBody(escrowId) };
  }

  private purchaseBody(escrowId: string) {
    const listing = this.listingRow() as ListingRow;
    return purchaseAnswer(toEscrowView(listing, this.escrows(listing).get(escrowId) as EscrowRow));
  }

  /** The charge succeeded: the escrow is funded, the listing sold, and the ticket sent on its way to the buyer. */
  private async fund(escrowId: string): Promise<void> {
    const listing = this.listingRow() as ListingRow;
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const book = this.escrows(listing);
      const change = book.move(escrowId, 'funded', now);
      if (!change) return;
      book.done(escrowId, 'charge');
      this.setListing('sold', now);
      this.emitEscrow(listing, change, now);
      book.schedule(escrowId, 'transfer', now);
    });
    await this.runTasks(Date.now(), escrowId);
    await this.rearm();
  }

  private cancelEscrow(escrowId: string): void {
    const listing = this.listingRow() as ListingRow;
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const book = this.escrows(listing);
      const change = book.move(escrowId, 'cancelled', now);
      if (!change) return;
      book.done(escrowId, 'charge');
      if (this.listingRow()?.status === 'reserved') this.setListing('active', now);
      this.emitEscrow(listing, change, now);
    });
  }

  /** A PSP event on the buyer's charge (3-D Secure completed or failed, or an outcome the purchase did not wait for). */
  async applyPaymentEvent(event: PspEvent): Promise<'applied' | 'ignored' | 'unknown_transaction'> {
    const listing = this.listingRow();
    if (!listing || event.kind !== 'payment' || !event.transactionId) return listing ? 'ignored' : 'unknown_transaction';
    const row = this.escrows(listing).get(event.transactionId);
    if (!row) return 'unknown_transaction';
    const { outcome } = event;
    if (outcome.status === 'succeeded') {
      if (row.status === 'created') await this.settleCharge(row.escrow_id, { ok: true, value: outcome });
      // Paid after the escrow was given up (the hold ran out): the buyer gets the money back.
      else if (row.status === 'cancelled' && !row.refunded_at) {
        this.ctx.storage.transactionSync(() => {
          this.escrows(listing).setCharge(row.escrow_id, outcome.reference, outcome.chargeReference);
          this.escrows(listing).schedule(row.escrow_id, 'refund', Date.now());
        });
        await this.rearm();
      }
    } else if ((outcome.status === 'declined' || outcome.status === 'canceled') && row.status === 'created') {
      this.cancelEscrow(row.escrow_id);
      await this.rearm();
    }
    return 'applied';
  }

  /** The ticket reached the buyer: the escrow is released and the split paid out. */
  async transferConfirmed(escrowId: string): Promise<void> {
    const listing = this.listingRow();
    const row = listing && this.escrows(listing).get(escrowId);
    if (!listing || row?.status !== 'funded') return;
    const account = await sellerStub(this.env, listing.tenant_id, listing.seller_id).payoutAccount();
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const book = this.escrows(listing);
      const change = book.move(escrowId, 'released', now, { seller_payout_method: account ? 'transfer' : 'balance' });
      if (!change) return;
      this.emitEscrow(listing, change, now);
      book.schedule(escrowId, 'pay_seller', now);
      if (change.row.venue_royalty > 0) book.schedule(escrowId, 'pay_venue', now);
    });
    await this.runTasks(Date.now(), escrowId);
    await this.rearm();
  }

  /** The ticket could not be moved after its retries: the buyer is refunded and the listing goes back on sale. */
  async transferFailed(escrowId: string): Promise<void> {
    const listing = this.listingRow();
    if (!listing || this.escrows(listing).get(escrowId)?.status !== 'funded') return;
    this.ctx.storage.transactionSync(() => this.escrows(listing).schedule(escrowId, 'refund', Date.now()));
    await this.runTasks(Date.now(), escrowId);
    await this.rearm();
  }

  /** A dispute on the buyer's charge: the escrow is `disputed`; won, it returns to where it was; lost, it is refunded. */
  async applyDispute(escrowId: string, notice: DisputeNotice): Promise<'applied' | 'duplicate' | 'unchanged' | 'unknown_transaction'> {
    const listing = this.listingRow();
    const row = listing && this.escrows(listing).get(escrowId);
    if (!listing || !row) return 'unknown_transaction';
    const result = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      if (!new DedupInbox(this.ctx.storage.sql).claim(notice.eventId, now)) return 'duplicate';
      const book = this.escrows(listing);
      const current = book.get(escrowId) as EscrowRow;
      let to: EscrowRow['status'] | null = null;
      if (!notice.closed) to = current.status === 'disputed' ? null : 'disputed';
      else if (notice.status === 'won') to = current.status === 'disputed' ? current.disputed_from : null;
      else to = 'refunded';
      if (to === 'refunded' && current.status !== 'disputed') {
        const opened = book.move(escrowId, 'disputed', now);
        if (opened) this.emitEscrow(listing, opened, now);
      }
      const change = to ? book.move(escrowId, to, now) : null;
      if (!change) return 'unchanged';
      this.emitEscrow(listing, change, now);
      return 'applied';
    });
    await this.rearm();
    return result;
  }

  protected override nextDeadline(): number | null {
    const listing = this.listingRow();
    return listing ? this.escrows(listing).nextTaskAt() : null;
  }

  protected override async onDeadline(now: number): Promise<void> {
    await this.runTasks(now);
  }

  /** Runs the due calls of escrows (all, or one escrow's): an outage tries again later. */
  private async runTasks(now: number, only?: string): Promise<void> {
    const listing = this.listingRow();
    if (!listing) return;
    for (const task of this.escrows(listing).dueTasks(now)) {
      if (only && task.escrow_id !== only) continue;
      const row = this.escrows(listing).get(task.escrow_id);
      if (!row) continue;
      const outcome = await this.runTask(listing, row, task.kind);
      const givenUp = this.ctx.storage.transactionSync(() => {
        const book = this.escrows(listing);
        if (outcome === 'done') book.done(row.escrow_id, task.kind);
        else if (book.retryLater(row.escrow_id, task.kind, Date.now() + outboxBackoffMs(task.attempts + 1)) >= MAX_TASK_ATTEMPTS) {
          book.done(row.escrow_id, task.kind);
          return true;
        }
        return false;
      });
      if (givenUp) {
        this.logger.error('escrow.task_given_up', { escrowId: row.escrow_id, task: task.kind });
        if (task.kind === 'charge') this.cancelEscrow(row.escrow_id);
      }
    }
  }

  private async runTask(listing: ListingRow, row: EscrowRow, kind: EscrowTaskKind): Promise<'done' | 'retry'> {
    const env = this.env;
    const config = this.config;
    switch (kind) {
      case 'charge': {
        if (row.status !== 'created') return 'done';
        // The hold ran out with no final answer: ask Stripe again (the same charge, by its idempotency key).
        const answer = await chargeBuyer(env, config, listing, row);
        if (!answer.ok && answer.failure.retryable) return 'retry';
        if (answer.ok && (answer.value.status === 'requires_action' || answer.value.status === 'processing')) {
          this.cancelEscrow(row.escrow_id);
          return 'done';
        }
        await this.settleCharge(row.escrow_id, answer);
        return 'done';
      }
      case 'transfer': {
        if (row.status !== 'funded') return 'done';
        const started = await startTicketTransfer(env, config, listing, row).catch(() => null);
        if (!started) return 'retry';
        if (started.state === 'refused') {
          this.logger.warn('escrow.transfer_refused', { escrowId: row.escrow_id, reason: started.message });
          this.ctx.storage.transactionSync(() => this.escrows(listing).schedule(row.escrow_id, 'refund', Date.now()));
        }
        return 'done';
      }
      case 'pay_seller': {
        const account =
          row.seller_payout_method === 'transfer' ? await sellerStub(env, listing.tenant_id, listing.seller_id).payoutAccount() : null;
        const paid = await paySeller(env, config, listing, row, account);
        return paid.ok ? 'done' : 'retry';
      }
      case 'pay_venue': {
        const account = (await venueStub(env, listing.tenant_id, listing.venue_id).profile())?.stripeAccountId;
        if (!account) return 'done';
        const paid = await transfer(env, config, listing, row, account, row.venue_royalty, 'venue');
        return paid.ok || !paid.failure.retryable ? 'done' : 'retry';
      }
      case 'refund': {
        const refunded = await refundBuyer(env, config, listing, row);
        if (!refunded.ok) return 'retry';
        // Back on sale while the seller still holds the ticket on this listing; a ticket voided meanwhile ends it.
        const ticket = await ticketStub(env, listing.tenant_id, listing.ticket_id).view(listing.tenant_id);
        this.ctx.storage.transactionSync(() => {
          const now = Date.now();
          const change = this.escrows(listing).move(row.escrow_id, 'refunded', now);
          if (change) this.emitEscrow(listing, change, now);
          if (this.listingRow()?.status === 'sold') this.setListing(ticket?.status === 'listed' ? 'active' : 'cancelled', now);
        });
        return 'done';
      }
    }
  }

  /** Call inside a transaction. */
  private setListing(status: ListingStatus, now: number): void {
    const current = this.listingRow()?.status;
    if (!current || !canMoveListing(current, status)) throw new Error(`listing cannot go from ${current} to ${status}`);
    this.ctx.storage.sql.exec('UPDATE listing SET status = ?, version = version + 1, updated_at = ? WHERE id = 1', status, now);
    this.emitListing(now);
  }

  private emitListing(now: number): void {
    const listing = toListingView(this.listingRow() as ListingRow);
    this.outbox.append({ type: 'listing.updated', tenantId: listing.tenantId, payload: { listing } }, now);
  }

  private emitEscrow(listing: ListingRow, change: EscrowChange, now: number): void {
    const escrow = toEscrowView(listing, change.row);
    this.outbox.append(
      {
        type: 'escrow.updated',
        tenantId: listing.tenant_id,
        payload: { escrow, ledger: change.ledger, distributions: change.distributions },
      },
      now,
    );
  }
}
