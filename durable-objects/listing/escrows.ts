import { canMoveEscrow, type EscrowStatus } from '../../src/domain/escrow';
import type { LedgerLine } from '../../src/domain/ledger';
import { splitResale } from '../../src/domain/resale';
import { type EscrowRow, escrowIdOf, type ListingRow } from './schema';
import type { EscrowUpdated } from './types';

/**
 * A listing's escrows: each purchase that wins the listing opens one (`created`); the buyer's charge funds
 * it; the ticket reaching the buyer releases it (the split is paid); a transfer that cannot complete refunds
 * it. Each change returns the ledger lines it moved: funding holds the price in `escrow:<id>`; release pays
 * it out to the venue's royalty (its pending balance), the platform's fee and the seller; a refund returns it.
 */
export type EscrowTaskKind = 'charge' | 'transfer' | 'pay_seller' | 'pay_venue' | 'refund';

export type EscrowChange = { row: EscrowRow; ledger: LedgerLine[]; distributions: EscrowUpdated['distributions'] };

export class EscrowBook {
  constructor(
    private readonly sql: SqlStorage,
    private readonly listing: ListingRow,
  ) {}

  get(escrowId: string): EscrowRow | null {
    return this.sql.exec<EscrowRow>('SELECT * FROM escrows WHERE escrow_id = ?', escrowId).toArray()[0] ?? null;
  }

  byScope(scope: string): EscrowRow | null {
    return this.sql.exec<EscrowRow>('SELECT * FROM escrows WHERE scope = ? ORDER BY seq DESC LIMIT 1', scope).toArray()[0] ?? null;
  }

  latest(): EscrowRow | null {
    return this.sql.exec<EscrowRow>('SELECT * FROM escrows ORDER BY seq DESC LIMIT 1').toArray()[0] ?? null;
  }

  /** Call inside a transaction: a new escrow for the buyer that won the listing, split as the listing's terms say. */
  open(input: { scope: string; buyerId: string; paymentMethodId: string; holdUntil: number; now: number }): EscrowRow {
    const seq = (this.sql.exec<{ n: number | null }>('SELECT MAX(seq) AS n FROM escrows').one().n ?? 0) + 1;
    const escrowId = escrowIdOf(this.listing.listing_id, seq);
    const split = splitResale(this.listing.price, { royaltyBps: this.listing.royalty_bps, platformFeeBps: this.listing.platform_fee_bps });
    this.sql.exec(
      `INSERT INTO escrows (escrow_id, seq, scope, buyer_id, amount, seller_payout, venue_royalty, platform_fee, payment_method_id,
         status, hold_until, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, 1, ?, ?)`,
      escrowId,
      seq,
      input.scope,
      input.buyerId,
      this.listing.price,
      split.sellerPayout,
      split.venueRoyalty,
      split.platformFee,
      input.paymentMethodId,
      input.holdUntil,
      input.now,
      input.now,
    );
    return this.get(escrowId) as EscrowRow;
  }

  /** Call inside a transaction. Null when the escrow is not in a state that allows `to`. */
  move(escrowId: string, to: EscrowStatus, now: number, set: Record<string, string | number | null> = {}): EscrowChange | null {
    const row = this.get(escrowId);
    if (!row || !canMoveEscrow(row.status, to)) return null;
    const stamp: Partial<Record<EscrowStatus, string>> = {
      funded: 'funded_at',
      released: 'released_at',
      refunded: 'refunded_at',
      disputed: 'disputed_at',
    };
    const column = stamp[to];
    // A moment is stamped once: a dispute won brings the escrow back without moving when it was funded or released.
    const first = column !== undefined && (row as Record<string, unknown>)[column] === null;
    const columns = { ...set, status: to, ...(first ? { [column]: now } : {}) };
    if (to === 'disputed') Object.assign(columns, { disputed_from: row.status });
    const names = Object.keys(columns);
    this.sql.exec(
      `UPDATE escrows SET ${names.map((n) => `${n} = ?`).join(', ')}, version = version + 1, updated_at = ? WHERE escrow_id = ?`,
      ...Object.values(columns),
      now,
      escrowId,
    );
    const after = this.get(escrowId) as EscrowRow;
    return { row: after, ledger: this.linesOf(row, after), distributions: to === 'released' ? this.distributions(after) : [] };
  }

  /** The money a move moves: only funding, release and a refund of funded money move any. */
  private linesOf(before: EscrowRow, after: EscrowRow): LedgerLine[] {
    const held = `escrow:${after.escrow_id}`;
    if (after.status === 'funded' && before.status === 'created') {
      return [
        { account: `buyer:${after.buyer_id}`, amount: after.amount },
        { account: held, amount: -after.amount },
      ];
    }
    if (after.status === 'released' && before.status === 'funded') {
      const seller = `seller:${this.listing.seller_id}:${after.seller_payout_method === 'transfer' ? 'paid_out' : 'balance'}`;
      return [
        { account: held, amount: after.amount },
        { account: `venue:${this.listing.venue_id}:pending`, amount: -after.venue_royalty },
        { account: 'platform:fees', amount: -after.platform_fee },
        { account: seller, amount: -after.seller_payout },
      ].filter((l) => l.amount !== 0);
    }
    // A refund of money still held, or a chargeback lost while it was held: it goes back to the buyer.
    if (after.status === 'refunded' && (before.status === 'funded' || before.disputed_from === 'funded')) {
      return [
        { account: held, amount: after.amount },
        { account: `buyer:${after.buyer_id}`, amount: -after.amount },
      ];
    }
    return [];
  }

  private distributions(row: EscrowRow): EscrowUpdated['distributions'] {
    const l = this.listing;
    return [
      { recipientType: 'venue', recipientId: l.venue_id, amount: row.venue_royalty, bps: l.royalty_bps },
      { recipientType: 'platform', recipientId: 'platform', amount: row.platform_fee, bps: l.platform_fee_bps },
      { recipientType: 'seller', recipientId: l.seller_id, amount: row.seller_payout, bps: 10_000 - l.royalty_bps - l.platform_fee_bps },
    ];
  }

  /** Call inside a transaction: the PSP's references for the buyer's charge. */
  setCharge(escrowId: string, reference: string | null, chargeReference: string | null): void {
    this.sql.exec(
      'UPDATE escrows SET psp_reference = COALESCE(?, psp_reference), charge_reference = COALESCE(?, charge_reference) WHERE escrow_id = ?',
      reference,
      chargeReference,
      escrowId,
    );
  }

  schedule(escrowId: string, kind: EscrowTaskKind, dueAt: number): void {
    this.sql.exec(
      'INSERT INTO escrow_tasks (escrow_id, kind, due_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET due_at = MIN(due_at, excluded.due_at)',
      escrowId,
      kind,
      dueAt,
    );
  }

  done(escrowId: string, kind: EscrowTaskKind): void {
    this.sql.exec('DELETE FROM escrow_tasks WHERE escrow_id = ? AND kind = ?', escrowId, kind);
  }

  retryLater(escrowId: string, kind: EscrowTaskKind, dueAt: number): number {
    return (
      this.sql
        .exec<{ attempts: number }>(
          'UPDATE escrow_tasks SET attempts = attempts + 1, due_at = ? WHERE escrow_id = ? AND kind = ? RETURNING attempts',
          dueAt,
          escrowId,
          kind,
        )
        .toArray()[0]?.attempts ?? 0
    );
  }

  dueTasks(now: number): { escrow_id: string; kind: EscrowTaskKind; attempts: number }[] {
    return this.sql
      .exec<{ escrow_id: string; kind: EscrowTaskKind; attempts: number }>(
        'SELECT escrow_id, kind, attempts FROM escrow_tasks WHERE due_at <= ? ORDER BY due_at LIMIT 20',
        now,
      )
      .toArray();
  }

  nextTaskAt(): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT MIN(due_at) AS at FROM escrow_tasks').one().at;
  }
}
